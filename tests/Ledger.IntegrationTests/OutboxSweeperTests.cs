using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Ledger.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Ledger.IntegrationTests;

/// <summary>The outbox sweeper and the cache's behaviour when Redis stops, loses its data or holds a newer value.
/// Runs on a database of its own (a sweeper claims every unpublished row there).</summary>
public sealed class OutboxSweeperTests(OutboxLedgerFixture fixture) : IClassFixture<OutboxLedgerFixture>
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sweep_TwoSweepersAtOnce_PublishEachRowOnce()
    {
        // Postings with no cache configured leave their outbox rows unpublished.
        await using var noCache = fixture.CreateServices(options => options.RedisConnectionString = null);
        var ledger = noCache.GetRequiredService<ILedger>();
        var accounts = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            accounts.Add(await fixture.CreateFundedAccountAsync(100m, label: "sweep2"));
        }

        var posts = Enumerable.Range(0, 300).Select(i => ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = accounts[i % 6], DestinationAccountId = accounts[(i + 1) % 6], Amount = 0.01m,
        }));
        Assert.All(await Task.WhenAll(posts), r => Assert.True(r.IsSuccess, r.ToString()));
        var waiting = await fixture.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL");
        Assert.True(waiting >= 6, $"expected unpublished rows, found {waiting}");

        await using var first = fixture.CreateServices(options => options.Outbox.BatchSize = 7);
        await using var second = fixture.CreateServices(options => options.Outbox.BatchSize = 7);
        var published = await Task.WhenAll(SweepUntilDrainedAsync(Sweeper(first)), SweepUntilDrainedAsync(Sweeper(second)));

        Assert.Equal(waiting, published.Sum());
        Assert.True(published.All(p => p > 0), $"both sweepers should have worked: {string.Join(", ", published)}");
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL"));
        foreach (var account in accounts)
        {
            await AssertCachedEqualsDatabaseAsync(account);
        }
    }

    [Fact]
    public async Task Sweep_RedisCluster_PublishesEveryAccountToTheNodeOfItsHashTag()
    {
        await using var noCache = fixture.CreateServices(options => options.RedisConnectionString = null);
        var ledger = noCache.GetRequiredService<ILedger>();
        var accounts = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            accounts.Add(await fixture.CreateAccountAsync(overdraftLimit: 100m, label: "sweep-cl"));
        }

        for (var i = 0; i < accounts.Count; i++)
        {
            var posted = await ledger.PostTransferAsync(new PostTransferRequest
            {
                SourceAccountId = accounts[i], DestinationAccountId = accounts[(i + 1) % accounts.Count], Amount = i + 1,
            });
            Assert.True(posted.IsSuccess, posted.ToString());
        }

        var clusterConnection = await RedisClusterServer.GetAsync();
        var prefix = $"sweep-cluster:{Guid.NewGuid():N}:";
        await using var services = fixture.CreateServices(options =>
        {
            options.RedisConnectionString = clusterConnection;
            options.Cache.KeyPrefix = prefix;
        });
        Assert.True(await services.GetRequiredService<Ledger.Cache.IBalanceCache>().PingAsync(CancellationToken.None));

        Assert.True(await SweepUntilDrainedAsync(Sweeper(services)) >= accounts.Count);

        await using var cluster = await ConnectionMultiplexer.ConnectAsync(clusterConnection);
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            var key = $"{prefix}{{{account}}}:balance";
            var (balance, version, _) = await fixture.AccountStateAsync(account);
            var cached = await cluster.GetDatabase().HashGetAsync(key, ["b", "v"]);
            Assert.Equal((balance, version), ((long)cached[0], (long)cached[1]));
            var slot = cluster.HashSlot(key);
            Assert.Equal(cluster.HashSlot($"{{{account}}}"), slot);
            nodes.Add(cluster.GetServers().Single(s => !s.IsReplica && s.ClusterConfiguration!.GetBySlot(slot)!.EndPoint!.Equals(s.EndPoint)).EndPoint.ToString()!);
        }

        Assert.True(nodes.Count >= 2, $"the accounts should spread over the cluster's nodes: {string.Join(", ", nodes)}");
    }

    [Fact]
    public async Task Sweep_CacheHoldsANewerVersion_LateSweepDoesNotReplaceIt()
    {
        var account = await fixture.CreateFundedAccountAsync(5m, label: "late");
        var (balance, version, _) = await fixture.AccountStateAsync(account);
        // As if a newer post had written through after the sweeper read the database.
        await fixture.Redis.GetDatabase().HashSetAsync(fixture.CacheKey(account),
            [new("b", balance + 1000), new("v", version + 1), new("c", "USD"), new("s", 2)]);
        await fixture.ExecuteAsync(
            "INSERT INTO outbox (account_id, version, balance, created_at) VALUES (@a, @v, @b, UTC_TIMESTAMP(6))",
            ("@a", account), ("@v", version), ("@b", balance));

        await using var services = fixture.CreateServices();
        await SweepUntilDrainedAsync(Sweeper(services));

        var cached = await fixture.Redis.GetDatabase().HashGetAsync(fixture.CacheKey(account), ["b", "v"]);
        Assert.Equal((balance + 1000, version + 1), ((long)cached[0], (long)cached[1]));
    }

    [Fact]
    public async Task GetBalance_WarmCache_NeverReadsTheDatabase()
    {
        await using var services = fixture.CreateServices();
        var ledger = services.GetRequiredService<ILedger>();
        var account = await fixture.CreateFundedAccountAsync(8m, label: "warm");
        await ledger.GetBalanceAsync(account);
        using var metrics = new MetricsRecorder(services.GetRequiredService<IMeterFactory>());

        for (var i = 0; i < 50; i++)
        {
            var read = await ledger.GetBalanceAsync(account);
            Assert.Equal(BalanceSource.Cache, read.Value?.Source);
        }

        Assert.Equal(50, metrics.Sum("ledger.balance.reads", "source", "cache"));
        Assert.Equal(0, metrics.Sum("ledger.balance.reads", "source", "database"));
    }

    [Fact]
    public async Task Redis_StoppedDuringPosts_NoPostFailsReadsUseTheDatabaseAndTheCacheCatchesUp()
    {
        await using var redis = await StoppableRedis.StartAsync();
        var reads = await RunThroughAnOutageAsync(redis, async () =>
        {
            await redis.StopAsync();
            return async () => await redis.StartAgainAsync();
        });

        Assert.All(reads, source => Assert.Equal(BalanceSource.Database, source));
    }

    [Fact]
    public async Task Redis_FlushedDuringPosts_TheCacheRefills()
    {
        await using var redis = await StoppableRedis.StartAsync();
        await RunThroughAnOutageAsync(redis, async () =>
        {
            await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
            await admin.GetServers().Single().FlushAllDatabasesAsync();
            return () => Task.CompletedTask;
        });
    }

    /// <summary>Posts from 4 callers over 8 accounts for about 6 s with the sweeper running every 250 ms; after 1.5 s
    /// <paramref name="fault"/> strikes, and 2 s later the action it returned restores Redis. No post may fail; while
    /// Redis is away reads are answered (the sources are returned); afterwards, within 30 s, every account's cached balance and version
    /// equal the database's.</summary>
    private async Task<IReadOnlyCollection<BalanceSource>> RunThroughAnOutageAsync(StoppableRedis redis, Func<Task<Func<Task>>> fault)
    {
        var accounts = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            accounts.Add(await fixture.CreateFundedAccountAsync(1000m, label: "outage"));
        }

        await using var services = fixture.CreateServices(options =>
        {
            options.RedisConnectionString = redis.ConnectionString;
            options.Outbox.SweepInterval = TimeSpan.FromMilliseconds(250);
            options.Outbox.MaxBackoff = TimeSpan.FromSeconds(1);
        });
        var ledger = services.GetRequiredService<ILedger>();
        var sweeper = Sweeper(services);
        await sweeper.StartAsync(CancellationToken.None);
        var failures = new ConcurrentBag<string>();
        var readSources = new ConcurrentBag<BalanceSource>();
        var outage = false;
        using var stop = new CancellationTokenSource();

        async Task PostLoopAsync(int caller)
        {
            var random = new Random(caller);
            while (!stop.IsCancellationRequested)
            {
                var source = accounts[random.Next(accounts.Count)];
                var destination = accounts[(accounts.IndexOf(source) + 1 + random.Next(accounts.Count - 1)) % accounts.Count];
                var result = await ledger.PostTransferAsync(new PostTransferRequest
                {
                    SourceAccountId = source, DestinationAccountId = destination, Amount = 0.01m,
                });
                if (!result.IsSuccess)
                {
                    failures.Add(result.ToString());
                }

                if (Volatile.Read(ref outage))
                {
                    var read = await ledger.GetBalanceAsync(source);
                    readSources.Add(read.Value!.Source);
                }
            }
        }

        var callers = Enumerable.Range(0, 4).Select(c => Task.Run(() => PostLoopAsync(c))).ToArray();
        await Task.Delay(1500);
        var restore = await fault();
        await Task.Delay(500);
        Volatile.Write(ref outage, true);
        await Task.Delay(1500);
        Volatile.Write(ref outage, false);
        await restore();
        await Task.Delay(2500);
        await stop.CancelAsync();
        await Task.WhenAll(callers);
        Assert.Empty(failures);
        Assert.NotEmpty(readSources);

        using var check = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var deadline = DateTime.UtcNow + CatchUp;
        var mismatches = await MismatchesAsync(check, accounts);
        while (mismatches.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            mismatches = await MismatchesAsync(check, accounts);
        }

        await sweeper.StopAsync(CancellationToken.None);
        Assert.True(mismatches.Count == 0, "cache differs from the database 30 s after the fault: " + string.Join("; ", mismatches));
        return readSources;
    }

    private async Task<List<string>> MismatchesAsync(ConnectionMultiplexer redis, IEnumerable<string> accounts)
    {
        var mismatches = new List<string>();
        foreach (var account in accounts)
        {
            var (balance, version, _) = await fixture.AccountStateAsync(account);
            var cached = await redis.GetDatabase().HashGetAsync(fixture.CacheKey(account), ["b", "v"]);
            if (cached[0].IsNull || (long)cached[0] != balance || (long)cached[1] != version)
            {
                mismatches.Add($"{account}: database {balance} v{version}, cache {cached[0]} v{cached[1]}");
            }
        }

        return mismatches;
    }

    private async Task AssertCachedEqualsDatabaseAsync(string account)
    {
        var (balance, version, _) = await fixture.AccountStateAsync(account);
        var cached = await fixture.Redis.GetDatabase().HashGetAsync(fixture.CacheKey(account), ["b", "v"]);
        Assert.Equal((balance, version), ((long)cached[0], (long)cached[1]));
    }

    private static OutboxSweeper Sweeper(IServiceProvider services) =>
        services.GetServices<IHostedService>().OfType<OutboxSweeper>().Single();

    private static async Task<int> SweepUntilDrainedAsync(OutboxSweeper sweeper)
    {
        var total = 0;
        int published;
        while ((published = await sweeper.SweepOnceAsync(CancellationToken.None)) > 0)
        {
            total += published;
        }

        return total;
    }
}
