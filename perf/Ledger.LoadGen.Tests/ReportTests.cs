namespace Ledger.LoadGen.Tests;

public class ReportTests
{
    private static readonly int[] Connections = [1, 16, 64];

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
    public void Summary_RunsBesideTheYardsticks_RatiosFirstThenFiguresAndCpuPerProcess()
    {
        var results = new[]
        {
            Run("single", Options.BaselineSingle, perSecond: 4000, p50: 1.0, databaseMicros: 300),
            Run("batch", Options.BaselineBatch, perSecond: 10000, p50: 20, databaseMicros: 100),
            Run("http c=256", Options.Watch, perSecond: 8000, p50: 10, databaseMicros: 130, apiMicros: 90, workload: Workloads.Single),
            Run("bare", Options.Watch, perSecond: 30000, p50: 2, databaseMicros: null, apiMicros: 30, workload: Workloads.Bare),
            Run("bulk", Options.Watch, perSecond: 0, p50: 0, databaseMicros: null, workload: Workloads.Bulk) with { Note = WatchRun.EndpointMissing, Cpu = null },
        };

        var table = Report.Summary(results);

        // 8000/4000, DB CPU 130/100, p95 20/2, API 90/30.
        Assert.Contains("| http c=256 | 2.00 | 1.30 | 10.00 | 3.00 | 8000 | 10 / 20 / 40 | - | 130 | 20.0 | 90.0 | 150 | 1.90 (0.10) |", table, StringComparison.Ordinal);
        Assert.Contains("| single | 1.00 | 3.00 | 1.00 | n/a | 4000 |", table, StringComparison.Ordinal);
        Assert.Contains("| bulk | n/a (endpoint missing) |", table, StringComparison.Ordinal);
        Assert.StartsWith("Ratios to yardsticks", Report.Markdown(results), StringComparison.Ordinal);
    }

    [Fact]
    public void Summary_OneRunOrNoYardstick_Nothing()
    {
        Assert.Equal("", Report.Summary([Run("ledger", Options.Library, 1, 1, 1)]));
        Assert.Equal("", Report.Summary([Run("a", Options.Library, 1, 1, 1), Run("b", Options.Http, 1, 1, 1)]));
    }

    [Fact]
    public void Curve_SinglePostRuns_OnePointPerConnectionCountForP95AndP99()
    {
        var runs = Connections.Select(c => Run($"c={c}", Options.Watch, perSecond: 100 * c, p50: c, databaseMicros: 1, workload: Workloads.Single) with { Concurrency = c }).ToList();

        var svg = Plots.Curve(runs);

        Assert.Equal(2, svg.Split("<polyline", StringSplitOptions.None).Length - 1);
        Assert.Equal(6, svg.Split("<circle", StringSplitOptions.None).Length - 1);
        Assert.Contains(">64</text>", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_ProcessNotFound_SaysNotApplicableAndWhy()
    {
        var markdown = Report.Markdown([Run("ledger", Options.Library, perSecond: 11000, p50: 5.0, databaseMicros: null)]);

        Assert.Contains("| ledger | 11000 | n/a | 20.0 | 150 | - |", markdown, StringComparison.Ordinal);
        Assert.Contains("mariadbd: n/a (no mariadbd found listening on port 3306).", markdown, StringComparison.Ordinal);
    }

    private static RunResult Run(string label, string mode, double perSecond, double p50, double? databaseMicros, double? apiMicros = null, string? workload = null)
    {
        List<ProcessCpu> processes = [
            new ProcessCpu(CpuWatch.Database, databaseMicros is null ? "" : "876", databaseMicros is null ? "no mariadbd found listening on port 3306" : "port 3306", null, databaseMicros, null),
            new ProcessCpu(CpuWatch.Redis, "975", "port 6379", 1, 20, 0.2),
            new ProcessCpu(CpuWatch.LoadGenerator, "1", "this process", 1, 150, 0.5),
        ];
        if (apiMicros is not null)
        {
            processes.Add(new ProcessCpu(CpuWatch.Api, "2", "--watch-pid", 1, apiMicros, 0.5));
        }

        var cpu = new CpuReport(100, 60, processes, 2, 1.9, 0.1);
        return new RunResult(label, label, mode, 1, 1000, 0, 10, 256, 0, 60, (long)(perSecond * 60), perSecond, [],
            new Percentiles(1, p50, p50 * 2, p50 * 4, p50 * 8), new Percentiles(0, 0, 0, 0, 0), 100, new Batches(0, 0, 0), 0, [], [], cpu, workload);
    }
}
