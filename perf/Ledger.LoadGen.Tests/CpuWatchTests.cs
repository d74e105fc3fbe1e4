namespace Ledger.LoadGen.Tests;

public class CpuWatchTests
{
    [Fact]
    public void MySqlEndpoints_ConnectionString_HostAndPort()
    {
        Assert.Equal([("127.0.0.1", 3306)], CpuWatch.MySqlEndpoints("Server=127.0.0.1;Port=3306;Database=ledger;User ID=ledger;Password=ledger"));
        Assert.Equal([("localhost", 3307)], CpuWatch.MySqlEndpoints("Server=localhost;Port=3307;Database=ledger"));
        Assert.Equal([("db.example.internal", 3306)], CpuWatch.MySqlEndpoints("Server=db.example.internal;Database=ledger"));
        Assert.Empty(CpuWatch.MySqlEndpoints(null));
    }

    [Fact]
    public void RedisEndpoints_Configuration_EndpointsWithoutOptions()
    {
        Assert.Equal([("127.0.0.1", 6379)], CpuWatch.RedisEndpoints("127.0.0.1:6379"));
        Assert.Equal([("localhost", 6379)], CpuWatch.RedisEndpoints("localhost,abortConnect=false"));
        Assert.Equal(
            [("127.0.0.1", 7000), ("127.0.0.1", 7001), ("127.0.0.1", 7002)],
            CpuWatch.RedisEndpoints("127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002,connectTimeout=2000"));
        Assert.Empty(CpuWatch.RedisEndpoints(""));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("::1", true)]
    [InlineData("10.0.0.7", false)]
    [InlineData("db.example.internal", false)]
    public void IsLocal_Host(string host, bool local)
    {
        Assert.Equal(local, CpuWatch.IsLocal(host));
    }

    [Fact]
    public void Stop_ProcessesNotFound_AreNotApplicableAndTheLoadGeneratorIsMeasured()
    {
        // No connection strings: the servers cannot be looked for; this process always can.
        var watch = CpuWatch.Find(null, null, "http://10.0.0.7:5080", 0);
        watch.Start();
        var spin = System.Diagnostics.Stopwatch.StartNew();
        var x = 0.0;
        while (spin.ElapsedMilliseconds < 60)
        {
            x += Math.Sqrt(spin.ElapsedTicks);
        }

        var report = watch.Stop(posted: 1000, seconds: spin.Elapsed.TotalSeconds);

        Assert.True(x > 0);
        Assert.Null(report.Of(CpuWatch.Database)!.MicrosecondsPerTransfer);
        Assert.Equal("no connection string", report.Of(CpuWatch.Database)!.How);
        Assert.Null(report.Of(CpuWatch.Redis)!.MicrosecondsPerTransfer);
        Assert.Null(report.Of(CpuWatch.Api)!.MicrosecondsPerTransfer);
        Assert.Equal("10.0.0.7 is not this machine", report.Of(CpuWatch.Api)!.How);
        Assert.True(report.Of(CpuWatch.LoadGenerator)!.MicrosecondsPerTransfer > 0);
        // Some processes unknown: how much CPU went elsewhere is unknown too.
        Assert.Null(report.OtherCores);
        Assert.NotNull(report.MachineBusyCores);
    }

    [Fact]
    public void Find_ApiPidThatIsNotAlive_IsNotApplicable()
    {
        var watch = CpuWatch.Find(null, null, "http://localhost:5080", int.MaxValue);
        watch.Start();
        var report = watch.Stop(10, 1);
        Assert.Null(report.Of(CpuWatch.Api)!.MicrosecondsPerTransfer);
    }
}
