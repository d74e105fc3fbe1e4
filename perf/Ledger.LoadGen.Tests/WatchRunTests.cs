namespace Ledger.LoadGen.Tests;

public class WatchRunTests
{
    [Fact]
    public void Parse_WrkOutput_TakesTheLastResultLine()
    {
        const string output = """
            Running 2s test @ http://127.0.0.1:5094
            status 201: 17980 (8981/s)
            wrk-result {"seconds":2.002,"requests":17990,"transfers":17980,"statuses":{"201":17980,"503":10},"errors":{"connect":0,"read":1,"write":0,"timeout":0,"status":10},"missingRetryAfter":0,"latencyMs":{"p50":1.398,"p95":74.571,"p99":170.794,"max":199.164}}

            """;

        var result = WatchRun.Parse(output);

        Assert.NotNull(result);
        Assert.Equal(2.002, result.Seconds);
        Assert.Equal(17990, result.Requests);
        Assert.Equal(17980, result.Transfers);
        Assert.Equal(10, result.Statuses[503]);
        Assert.Equal(1, result.Errors["read"]);
        Assert.Equal(74.571, result.P95);
        Assert.Equal(170.794, result.P99);
    }

    [Fact]
    public void Parse_NoResultLineYet_Null()
    {
        Assert.Null(WatchRun.Parse("Running 2s test @ http://127.0.0.1:5094\n"));
    }

    [Fact]
    public void Parse_NoStatusAtAll_EmptyStatuses()
    {
        var result = WatchRun.Parse("""wrk-result {"seconds":1,"requests":0,"transfers":0,"statuses":{},"errors":{"connect":16,"read":0,"write":0,"timeout":0,"status":0},"missingRetryAfter":0,"latencyMs":{"p50":0,"p95":0,"p99":0,"max":0}}""");

        Assert.NotNull(result);
        Assert.Empty(result.Statuses);
        Assert.Equal(16, result.Errors["connect"]);
    }
}
