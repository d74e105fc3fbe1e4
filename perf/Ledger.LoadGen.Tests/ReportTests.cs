namespace Ledger.LoadGen.Tests;

public class ReportTests
{
    [Theory]
    [InlineData(330.0, 300.0, "1.10")]
    [InlineData(5000.0, 10000.0, "0.50")]
    [InlineData(1.0, 0.0, "n/a")]
    [InlineData(null, 300.0, "n/a")]
    [InlineData(330.0, null, "n/a")]
    public void Ratio_TwoDecimalsOrNotApplicable(double? value, double? of, string expected)
    {
        Assert.Equal(expected, Report.Ratio(value, of));
    }

    [Fact]
    public void Ratios_LedgerBesideBothBaselines_DividesDatabaseCpuThroughputAndP50()
    {
        var results = new[]
        {
            Run("single", Options.BaselineSingle, perSecond: 4000, p50: 1.0, databaseMicros: 300),
            Run("batch", Options.BaselineBatch, perSecond: 10000, p50: 20, databaseMicros: 100),
            Run("ledger", Options.Library, perSecond: 11000, p50: 5.0, databaseMicros: 130),
        };

        var table = Report.Ratios(results);

        // DB CPU 130/300 and 130/100, throughput 11000/4000 and 11000/10000, p50 5/1.
        Assert.Contains("| ledger | 0.43 | 1.30 | 2.75 | 1.10 | 5.00 | 130 | 11000 | 5 / 10 / 20 |", table, StringComparison.Ordinal);
        Assert.DoesNotContain("| single |", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Ratios_DatabaseNotFound_IsNotApplicable()
    {
        var results = new[]
        {
            Run("single", Options.BaselineSingle, perSecond: 4000, p50: 1.0, databaseMicros: null),
            Run("ledger", Options.Library, perSecond: 11000, p50: 5.0, databaseMicros: 130),
        };

        Assert.Contains("| ledger | n/a | n/a | 2.75 | n/a | 5.00 |", Report.Ratios(results), StringComparison.Ordinal);
    }

    [Fact]
    public void Ratios_NoBaselineOrOnlyBaselines_Nothing()
    {
        Assert.Equal("", Report.Ratios([Run("ledger", Options.Library, 1, 1, 1)]));
        Assert.Equal("", Report.Ratios([Run("single", Options.BaselineSingle, 1, 1, 1)]));
    }

    [Fact]
    public void Markdown_ProcessNotFound_SaysNotApplicableAndWhy()
    {
        var markdown = Report.Markdown([Run("ledger", Options.Library, perSecond: 11000, p50: 5.0, databaseMicros: null)]);

        Assert.Contains("| ledger | 11000 | n/a | 20.0 | 150 | - |", markdown, StringComparison.Ordinal);
        Assert.Contains("mariadbd: n/a (no mariadbd found listening on port 3306).", markdown, StringComparison.Ordinal);
    }

    private static RunResult Run(string label, string mode, double perSecond, double p50, double? databaseMicros)
    {
        var cpu = new CpuReport(100, 60, [
            new ProcessCpu(CpuWatch.Database, databaseMicros is null ? "" : "876", databaseMicros is null ? "no mariadbd found listening on port 3306" : "port 3306", null, databaseMicros, null),
            new ProcessCpu(CpuWatch.Redis, "975", "port 6379", 1, 20, 0.2),
            new ProcessCpu(CpuWatch.LoadGenerator, "1", "this process", 1, 150, 0.5),
        ], 2, 1.9, 0.1);
        return new RunResult(label, label, mode, 1, 1000, 0, 10, 256, 0, 60, (long)(perSecond * 60), perSecond, [],
            new Percentiles(1, p50, p50 * 2, p50 * 4, p50 * 8), new Percentiles(0, 0, 0, 0, 0), 100, new Batches(0, 0, 0), 0, [], [], cpu);
    }
}
