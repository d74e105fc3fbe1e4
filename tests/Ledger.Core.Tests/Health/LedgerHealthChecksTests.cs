using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace Ledger.Core.Tests.Health;

/// <summary>
/// The ledger's health checks as a host registers them (<c>AddHealthChecks().AddLedgerChecks(...)</c>), run through
/// the real <see cref="HealthCheckService"/> against servers that are not there: the database is required
/// (Unhealthy without it), the cache is optional (Healthy when none is configured, Degraded when Redis does not
/// answer), and a sweeper that is switched off is not a problem.
/// </summary>
public sealed class LedgerHealthChecksTests
{
    // Port 1 on the loopback refuses at once, for MySQL and Redis alike.
    private const string UnreachableRedis = "127.0.0.1:1";

    [Fact]
    public async Task CheckHealth_DatabaseUnreachable_DatabaseIsUnhealthyWithTheCause()
    {
        var report = await CheckAsync(redis: null);

        var database = report.Entries["ledger-database"];
        Assert.Equal(HealthStatus.Unhealthy, database.Status);
        Assert.Equal("The database does not answer.", database.Description);
        Assert.IsType<MySqlException>(database.Exception);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
    }

    [Fact]
    public async Task CheckHealth_NoRedisConfigured_CacheIsHealthy()
    {
        var report = await CheckAsync(redis: null);

        var cache = report.Entries["ledger-cache"];
        Assert.Equal(HealthStatus.Healthy, cache.Status);
        Assert.Equal("No cache is configured; balances are read from the database.", cache.Description);
    }

    [Fact]
    public async Task CheckHealth_RedisUnreachable_CacheIsDegradedNotUnhealthy()
    {
        var report = await CheckAsync(redis: UnreachableRedis);

        var cache = report.Entries["ledger-cache"];
        Assert.Equal(HealthStatus.Degraded, cache.Status);
        Assert.Equal("The cache does not answer, or the ledger's identity (which its keys carry) cannot be read yet; balances are read from the database.", cache.Description);
    }

    [Fact]
    public async Task CheckHealth_SweeperOff_OutboxIsHealthySayingSo()
    {
        var report = await CheckAsync(redis: null, sweeperEnabled: false);

        var outbox = report.Entries["ledger-outbox"];
        Assert.Equal(HealthStatus.Healthy, outbox.Status);
        Assert.Equal("The outbox sweeper is off (Ledger:Outbox:SweeperEnabled).", outbox.Description);
    }

    [Fact]
    public async Task CheckHealth_SweeperOnAndNotYetFailed_OutboxIsHealthyWithItsFigures()
    {
        var report = await CheckAsync(redis: null, sweeperEnabled: true);

        var outbox = report.Entries["ledger-outbox"];
        Assert.Equal(HealthStatus.Healthy, outbox.Status);
        Assert.Equal(0, outbox.Data["consecutiveFailures"]);
    }

    [Fact]
    public async Task AddLedgerChecks_Tags_AreOnEveryCheck()
    {
        var report = await CheckAsync(redis: null);

        Assert.Equal(["ledger-cache", "ledger-database", "ledger-outbox"], report.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.All(report.Entries.Values, entry => Assert.Equal(["ready"], entry.Tags));
    }

    [Fact]
    public void AddLedgerChecks_NullBuilder_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => LedgerHealthChecksBuilderExtensions.AddLedgerChecks(null!, "ready"));
    }

    private static async Task<HealthReport> CheckAsync(string? redis, bool sweeperEnabled = false)
    {
        var services = new ServiceCollection();
        services.AddLedger(options =>
        {
            options.ConnectionString = UnreachableLedger.ConnectionString;
            options.RedisConnectionString = redis;
            options.Outbox.SweeperEnabled = sweeperEnabled;
        });
        services.AddHealthChecks().AddLedgerChecks("ready");
        await using var provider = services.BuildServiceProvider();

        return await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
    }
}
