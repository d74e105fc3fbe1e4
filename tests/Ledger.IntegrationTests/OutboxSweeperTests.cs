using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Ledger.Outbox;
using Ledger.Storage;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlConnector;
using StackExchange.Redis;

namespace Ledger.IntegrationTests;

/// <summary>The outbox sweeper and the cache's behaviour when Redis stops, loses its data or holds a newer value.
/// Runs on a database of its own (a sweeper claims every unpublished row there).</summary>
public sealed class OutboxSweeperTests(OutboxLedgerFixture fixture) : IClassFixture<OutboxLedgerFixture>
{
    [Fact]
    public async Task Sweep_TwoSweepersAtOnce_PublishEachRowOnce()
    {
        // Postings with no cache configured leave their outbox rows unpublished: one post at a time, without batching,
        // leaves exactly two (one per account), so there are rows for many rounds of 7 on each sweeper.
        await using var noCache = fixture.CreateServices(options =>
        {
            options.RedisConnectionString = null;
            options.Batching.Enabled = false;
        });
        var ledger = noCache.GetRequiredService<ILedger>();
        var accounts = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            accounts.Add(await fixture.CreateFundedAccountAsync(100m, label: "sweep2"));
        }

        for (var i = 0; i < 60; i++)
        {
            var posted = await ledger.PostTransferAsync(new PostTransferRequest
            {
                SourceAccountId = accounts[i % 6], DestinationAccountId = accounts[(i + 1) % 6], Amount = 0.01m,
            });
            Assert.True(posted.IsSuccess, posted.ToString());
        }

        var waiting = await UnpublishedRowIdsAsync();
        Assert.True(waiting.Count >= 120, $"expected at least 120 unpublished rows, found {waiting.Count}");

        // Each sweeper's first claim is held until the other one has claimed too, so the two claims overlap whatever
        // the scheduling: the second claim runs while the first one's rows are locked.
        var overlap = new ClaimOverlap(parties: 2);
        var published = new ConcurrentQueue<(string Sweeper, long RowId)>();
        await using var first = CreateRecordingServices("first", overlap, published);
        await using var second = CreateRecordingServices("second", overlap, published);
        var counts = await Task.WhenAll(SweepUntilDrainedAsync(Sweeper(first)), SweepUntilDrainedAsync(Sweeper(second)));

        // Both held a claim at once, and those claims did not share a row: the second skipped the first one's locked
        // rows and took the next ones (there are many more than two rounds' worth).
        var firstClaims = overlap.FirstClaims;
        Assert.Equal(2, firstClaims.Count);
        Assert.All(firstClaims, claim => Assert.NotEmpty(claim));
        Assert.Empty(firstClaims[0].Intersect(firstClaims[1]));

        // Every waiting row was published exactly once: none twice, none lost, nothing else.
        var rows = published.ToList();
        var twice = rows.GroupBy(r => r.RowId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} by {string.Join(" and ", g.Select(r => r.Sweeper))}").Take(10).ToList();
        Assert.True(twice.Count == 0, "rows published more than once: " + string.Join("; ", twice));
        var lost = waiting.Except(rows.Select(r => r.RowId)).Take(10).ToList();
        Assert.True(lost.Count == 0, $"rows never published: {string.Join(", ", lost)}");
        var extra = rows.Select(r => r.RowId).Except(waiting).Take(10).ToList();
        Assert.True(extra.Count == 0, $"rows published that were not waiting: {string.Join(", ", extra)}");
        Assert.Equal(waiting.Count, counts.Sum());
        Assert.Empty(await UnpublishedRowIdsAsync());
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
            var key = CacheKeys.For(prefix, fixture.LedgerIdentity, account);
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
        }, sweeperFails: true);

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
        }, sweeperFails: false);
    }

    /// <summary>Posts from 4 callers over 8 accounts with the sweeper running every 250 ms, in three phases that each
    /// wait for events, not for a length of time (a slow machine only makes them longer): once posts were made and the
    /// sweeper published, <paramref name="fault"/> strikes; once posts and reads went on through the fault (and, with
    /// <paramref name="sweeperFails"/>, the sweeper failed against it twice: a retry after a pause), the action it
    /// returned restores Redis; once posts went on after that and the sweeper published again, the posts stop. No post
    /// may fail; reads during the fault are answered (their sources are returned); then every account's cached balance
    /// and version come to equal the database's.</summary>
    private async Task<IReadOnlyCollection<BalanceSource>> RunThroughAnOutageAsync(
        StoppableRedis redis, Func<Task<Func<Task>>> fault, bool sweeperFails)
    {
        const int PostsPerPhase = 20;
        const int ReadsDuringFault = 10;
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
        using var metrics = new MetricsRecorder(services.GetRequiredService<IMeterFactory>());
        var ledger = services.GetRequiredService<ILedger>();
        var sweeper = Sweeper(services);
        await sweeper.StartAsync(CancellationToken.None);
        var failures = new ConcurrentBag<string>();
        var readSources = new ConcurrentBag<BalanceSource>();
        var outage = false;
        var posted = 0;
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

                Interlocked.Increment(ref posted);
                if (Volatile.Read(ref outage))
                {
                    var read = await ledger.GetBalanceAsync(source);
                    // Only a read that began and ended within the fault counts as one made during it: the flag is
                    // cleared before Redis is restored.
                    if (Volatile.Read(ref outage))
                    {
                        readSources.Add(read.Value!.Source);
                    }
                }
            }
        }

        long Published() => metrics.Sum("ledger.outbox.published");
        long SweepFailures() => metrics.Sum("ledger.outbox.sweep_failures");
        string State() => $"{Volatile.Read(ref posted)} posts, {readSources.Count} reads during the fault, {Published()} rows published, " +
                          $"{SweepFailures()} failed sweeps, {failures.Count} failed posts";

        var callers = Enumerable.Range(0, 4).Select(c => Task.Run(() => PostLoopAsync(c))).ToArray();
        try
        {
            await Eventually.UntilAsync(() => Volatile.Read(ref posted) >= PostsPerPhase && Published() > 0,
                "posts and a sweep that published before the fault", State);

            var postedBefore = Volatile.Read(ref posted);
            var failedBefore = SweepFailures();
            var restore = await fault();
            Volatile.Write(ref outage, true);
            await Eventually.UntilAsync(
                () => Volatile.Read(ref posted) - postedBefore >= PostsPerPhase && readSources.Count >= ReadsDuringFault &&
                      (!sweeperFails || SweepFailures() - failedBefore >= 2),
                $"{PostsPerPhase} posts, {ReadsDuringFault} reads{(sweeperFails ? " and two failed sweeps" : "")} during the fault", State);
            Volatile.Write(ref outage, false);

            await restore();
            var postedDuring = Volatile.Read(ref posted);
            var publishedDuring = Published();
            await Eventually.UntilAsync(() => Volatile.Read(ref posted) - postedDuring >= PostsPerPhase && Published() > publishedDuring,
                "posts and a sweep that published after Redis was restored", State);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(callers);
        }

        Assert.Empty(failures);
        Assert.NotEmpty(readSources);

        using var check = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var mismatches = new List<string>();
        try
        {
            await Eventually.UntilAsync(async () => (mismatches = await MismatchesAsync(check, accounts)).Count == 0,
                "the cache to equal the database after the fault", () => string.Join("; ", mismatches));
        }
        finally
        {
            await sweeper.StopAsync(CancellationToken.None);
        }

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

    private async Task<HashSet<long>> UnpublishedRowIdsAsync()
    {
        await using var connection = new MySqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT id FROM outbox WHERE published_at IS NULL", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<long>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>A ledger whose sweeper claims through a <see cref="RecordingOutboxStore"/>.</summary>
    private ServiceProvider CreateRecordingServices(string name, ClaimOverlap overlap, ConcurrentQueue<(string Sweeper, long RowId)> published) =>
        fixture.CreateServices(options => options.Outbox.BatchSize = 7, timeProvider: null, register: services =>
            services.AddSingleton<IOutboxStore>(provider =>
                new RecordingOutboxStore(new OutboxStore(provider.GetRequiredService<MySqlDataSource>()), name, overlap, published)));

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

    /// <summary>Holds the first claim of each of <c>parties</c> sweepers until all of them hold one, and keeps the row
    /// ids of those first claims.</summary>
    private sealed class ClaimOverlap(int parties)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<long[]> _firstClaims = [];

        public IReadOnlyList<long[]> FirstClaims
        {
            get
            {
                lock (_firstClaims)
                {
                    return [.. _firstClaims];
                }
            }
        }

        public async Task ArriveAsync(IReadOnlyList<long> rowIds, CancellationToken cancellationToken)
        {
            lock (_firstClaims)
            {
                _firstClaims.Add([.. rowIds]);
                if (_firstClaims.Count == parties)
                {
                    _all.TrySetResult();
                }
            }

            try
            {
                await _all.Task.WaitAsync(Eventually.DefaultTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"only {FirstClaims.Count} of {parties} sweepers held a claim within {Eventually.DefaultTimeout}");
            }
        }
    }

    /// <summary>The real outbox store, recording which rows this sweeper marked published (once the mark committed);
    /// its first claim waits at the <see cref="ClaimOverlap"/>.</summary>
    private sealed class RecordingOutboxStore(
        IOutboxStore inner, string name, ClaimOverlap overlap, ConcurrentQueue<(string Sweeper, long RowId)> published) : IOutboxStore
    {
        private bool _claimed;

        public async Task<IOutboxClaim> ClaimAsync(int limit, CancellationToken cancellationToken)
        {
            var claim = await inner.ClaimAsync(limit, cancellationToken);
            if (!_claimed)
            {
                _claimed = true;
                try
                {
                    await overlap.ArriveAsync(claim.RowIds, cancellationToken);
                }
                catch
                {
                    await claim.DisposeAsync();
                    throw;
                }
            }

            return new RecordingClaim(claim, name, published);
        }

        public Task<long> PruneAsync(DateTime cutoff, CancellationToken cancellationToken) => inner.PruneAsync(cutoff, cancellationToken);

        public Task<OutboxBacklog?> GetBacklogAsync(CancellationToken cancellationToken) => inner.GetBacklogAsync(cancellationToken);

        private sealed class RecordingClaim(IOutboxClaim inner, string name, ConcurrentQueue<(string Sweeper, long RowId)> published) : IOutboxClaim
        {
            public IReadOnlyList<long> RowIds => inner.RowIds;

            public IReadOnlyList<BalanceSnapshot> Balances => inner.Balances;

            public async Task MarkPublishedAsync(DateTime publishedAt, CancellationToken cancellationToken)
            {
                await inner.MarkPublishedAsync(publishedAt, cancellationToken);
                foreach (var id in inner.RowIds)
                {
                    published.Enqueue((name, id));
                }
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
