namespace Ledger.LoadGen.Tests;

public class OptionsTests
{
    [Fact]
    public void Parse_BaselineBatch_TakesTheBatchSizePerCallWithDefault100()
    {
        Assert.Equal(100, Options.Parse(["--mode", "baseline-batch"]).BatchSizeOrDefault);
        Assert.Equal(250, Options.Parse(["--mode", "baseline-batch", "--batch-size", "250"]).BatchSizeOrDefault);
        Assert.Equal(500, Options.Parse(["--mode", "library"]).BatchSizeOrDefault);
        Assert.True(Options.Parse(["--mode", "baseline-single"]).IsBaseline);
        Assert.Equal("ledger_baseline", Options.Parse([]).BaselineDatabase);
    }

    [Fact]
    public void Parse_Combine_TakesFilesUpToTheNextOption()
    {
        var options = Options.Parse(["--combine", "a.json", "b.json", "--out", "x"]);
        Assert.Equal(["a.json", "b.json"], options.Combine);
        Assert.Equal("x", options.OutputDirectory);
    }

    [Fact]
    public void Parse_Watch_NeedsTheClientsOutputAndKeepsItsTags()
    {
        Assert.Throws<ArgumentException>(() => Options.Parse(["--mode", "watch"]));
        var options = Options.Parse(["--mode", "watch", "--wrk-output", "w.txt", "--client-pid", "42", "--workload", "bulk"]);
        Assert.Equal(("w.txt", 42, "bulk"), (options.WrkOutput, options.ClientPid, options.Workload));
    }

    [Theory]
    [InlineData("--mode", "baseline")]
    [InlineData("--batch-size", "0")]
    public void Parse_Invalid_Throws(string option, string value)
    {
        Assert.Throws<ArgumentException>(() => Options.Parse([option, value]));
    }
}
