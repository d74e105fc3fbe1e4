using Ledger.Testing;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Ledger.Cache;
using StackExchange.Redis;

namespace Ledger.IntegrationTests;

/// <summary>The ledger against a real 3-node Redis Cluster (scripts/redis-cluster-up.sh): write-through, reads and the
/// hash-tag placement of each account's keys. Accounts are created through the fixture's single-node Redis; the
/// cluster-configured ledger finds them in the database.</summary>
public sealed class RedisClusterTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task PostTransfer_ClusterCache_BalancesAreCacheHitsAndHashesMatchTheDatabase()
    {
        await using var cluster = await ClusterLedger.CreateAsync(fixture);
        var source = await fixture.CreateFundedAccountAsync(100m, label: "cl-src");
        var destination = await fixture.CreateAccountAsync(label: "cl-dst");

        foreach (var amount in new[] { 10m, 2.5m, 0.25m })
        {
            var posted = await cluster.Ledger.PostTransferAsync(new PostTransferRequest
            {
                SourceAccountId = source, DestinationAccountId = destination, Amount = amount,
            });
            Assert.True(posted.IsSuccess, posted.ToString());
        }

        foreach (var (account, expectedAmount, expectedVersion) in new[] { (source, 87.25m, 4L), (destination, 12.75m, 3L) })
        {
            var first = await cluster.Ledger.GetBalanceAsync(account);
            var second = await cluster.Ledger.GetBalanceAsync(account);
            var database = await fixture.AccountStateAsync(account);
            var hash = await cluster.ReadHashAsync(account);

            Assert.True(first.IsSuccess, first.ToString());
            Assert.True(second.IsSuccess, second.ToString());
            Assert.Equal(BalanceSource.Cache, second.Value!.Source);
            Assert.Equal(expectedAmount, second.Value.Amount.Amount);
            Assert.Equal(expectedVersion, second.Value.Version);
            Assert.Equal(database.Version, second.Value.Version);
            Assert.Equal(database.Version.ToString(CultureInfo.InvariantCulture), hash["v"]);
            Assert.Equal(database.Balance.ToString(CultureInfo.InvariantCulture), hash["b"]);
            Assert.Equal("USD", hash["c"]);
        }
    }

    [Fact]
    public async Task CacheKeys_ManyAccounts_EachAccountOnOneNodeAndAccountsSpreadOverNodes()
    {
        await using var cluster = await ClusterLedger.CreateAsync(fixture);
        var accounts = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            accounts.Add(await fixture.CreateAccountAsync(label: "cl-slot"));
        }

        // A read misses, fills from the database and writes the account's hash into the cluster. A write the cache's
        // time bound cut short (a loaded machine) leaves the key absent, and the next read fills it again.
        foreach (var account in accounts)
        {
            RedisKey key = cluster.Key(account);
            var owner = cluster.Redis.GetServer(key);
            await Eventually.UntilAsync(
                async () => (await cluster.Ledger.GetBalanceAsync(account)).IsSuccess && (long)await owner.ExecuteAsync("EXISTS", (string)key!) == 1,
                $"the balance of {account} cached on its node");
        }

        var owners = new HashSet<string>(StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            RedisKey key = cluster.Key(account);
            var slot = cluster.Redis.HashSlot(key);
            var owner = cluster.Redis.GetServer(key);
            var ownerSlot = (long)await owner.ExecuteAsync("CLUSTER", "KEYSLOT", (string)key!);
            var existsOnOwner = (long)await owner.ExecuteAsync("EXISTS", (string)key!);

            Assert.Equal(cluster.Redis.HashSlot($"{{{account}}}"), slot);
            Assert.Equal(slot, ownerSlot);
            Assert.Equal(1L, existsOnOwner);
            Assert.Equal(owner.EndPoint, owner.ClusterConfiguration!.GetBySlot(slot)!.EndPoint);
            owners.Add(owner.EndPoint.ToString()!);
        }

        Assert.True(owners.Count >= 2, $"all {accounts.Count} accounts landed on one node: {string.Join(", ", owners)}");
    }

    [Fact]
    public async Task PostTransfer_ManyConcurrentPosts_CachedVersionsAndBalancesEqualTheDatabase()
    {
        await using var cluster = await ClusterLedger.CreateAsync(fixture, options => options.Retry.MaxRetries = 10);
        var accounts = new string[10];
        for (var i = 0; i < accounts.Length; i++)
        {
            accounts[i] = await fixture.CreateFundedAccountAsync(1000m, label: "cl-conc");
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() =>
            cluster.Ledger.PostTransferAsync(new PostTransferRequest
            {
                SourceAccountId = accounts[i % 10],
                DestinationAccountId = accounts[(i + 1 + (i / 10 % 9)) % 10],
                Amount = 1m + (i % 5),
            }))));

        Assert.All(results, r => Assert.True(
            r.IsSuccess || r.Error!.Code == LedgerErrorCode.ConcurrencyConflict, r.ToString()));
        Assert.Contains(results, r => r.IsSuccess);
        long total = 0;
        foreach (var account in accounts)
        {
            var database = await fixture.AccountStateAsync(account);
            var hash = await cluster.ReadHashAsync(account);
            var balance = await cluster.Ledger.GetBalanceAsync(account);

            Assert.Equal(database.Version.ToString(CultureInfo.InvariantCulture), hash["v"]);
            Assert.Equal(database.Balance.ToString(CultureInfo.InvariantCulture), hash["b"]);
            Assert.Equal(BalanceSource.Cache, balance.Value?.Source);
            Assert.Equal(database.Version, balance.Value!.Version);
            Assert.Equal(database.Balance, balance.Value.Amount.MinorUnits);
            total += database.Balance;
        }

        Assert.Equal(accounts.Length * 100_000L, total);
    }

    /// <summary>A ledger whose cache is the cluster, under a key prefix of its own, and a connection of the test's own
    /// to the cluster for looking at what the ledger wrote.</summary>
    private sealed class ClusterLedger : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;

        private ClusterLedger(ServiceProvider provider, ILedger ledger, IConnectionMultiplexer redis, string prefix, string ledgerIdentity)
        {
            _provider = provider;
            Ledger = ledger;
            Redis = redis;
            Prefix = prefix;
            LedgerIdentity = ledgerIdentity;
        }

        public ILedger Ledger { get; }

        public IConnectionMultiplexer Redis { get; }

        public string Prefix { get; }

        public string LedgerIdentity { get; }

        public static async Task<ClusterLedger> CreateAsync(LedgerFixture fixture, Action<LedgerOptions>? configure = null)
        {
            var clusterString = await RedisClusterServer.GetAsync();
            var prefix = $"cluster-test:{Guid.NewGuid():N}:";
            var provider = fixture.CreateServices(options =>
            {
                options.RedisConnectionString = clusterString;
                options.Cache.KeyPrefix = prefix;
                configure?.Invoke(options);
            });
            // allowAdmin: the placement test asks the nodes CLUSTER KEYSLOT.
            var redis = await ConnectionMultiplexer.ConnectAsync($"{clusterString},allowAdmin=true");
            Assert.Equal(ServerType.Cluster, redis.GetServer(redis.GetEndPoints()[0]).ServerType);
            Assert.True(redis.GetEndPoints().Length >= 3, $"expected a cluster of 3 nodes at {clusterString}");

            // Connect the ledger's cache before the test acts, so no write-through meets a connection still opening.
            var cache = provider.GetRequiredService<IBalanceCache>();
            Assert.True(cache.IsEnabled);
            Assert.True(await cache.PingAsync(CancellationToken.None), $"the ledger's cache does not reach the cluster at {clusterString}");
            return new ClusterLedger(provider, provider.GetRequiredService<ILedger>(), redis, prefix, fixture.LedgerIdentity);
        }

        public string Key(string accountId) => CacheKeys.For(Prefix, LedgerIdentity, accountId);

        public async Task<Dictionary<string, string>> ReadHashAsync(string accountId)
        {
            var entries = await Redis.GetDatabase().HashGetAllAsync(Key(accountId));
            Assert.NotEmpty(entries);
            return entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        }

        public async ValueTask DisposeAsync()
        {
            await Redis.DisposeAsync();
            await _provider.DisposeAsync();
        }
    }
}
