using System.Globalization;
using System.Net;
using Ledger.Cache;
using Ledger.Storage;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Ledger.IntegrationTests;

/// <summary>
/// One node of a Redis Cluster dies: the cache stops sending to it for a while (after the first failure) instead of
/// letting every later call wait out the operation timeout, and it still reads and writes the keys of the nodes that
/// are alive. A cluster of the test's own (scripts/servers-up.sh installs Redis), since a node is killed.
/// </summary>
public sealed class RedisClusterNodeFailureTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task CacheCalls_OneClusterNodeDies_ItsKeysAreSkippedAndTheOtherNodesStillServe()
    {
        var root = Path.Combine("/var/tmp", $"ledger-cluster-test-{Guid.NewGuid():N}");
        await using var nodes = await RedisNodes.StartAsync(root, 3, CancellationToken.None);
        await using var provider = fixture.CreateServices(options => options.RedisConnectionString = nodes.ConnectionString);
        var cache = (RedisBalanceCache)provider.GetRequiredService<IBalanceCache>();

        // Accounts whose keys live on node 0 (the one to die) and on the others, from the cluster's own slot map.
        var doomed = new IPEndPoint(IPAddress.Loopback, nodes.PortOf(0));
        using var probe = await ConnectionMultiplexer.ConnectAsync(nodes.ConnectionString);
        var map = probe.GetServer(doomed).ClusterConfiguration!;
        var onDoomed = new List<string>();
        var onOthers = new List<string>();
        for (var i = 0; onDoomed.Count < 2 || onOthers.Count < 8; i++)
        {
            var account = Ids.Account(string.Create(CultureInfo.InvariantCulture, $"node{i}"));
            var owner = map.GetBySlot(probe.GetHashSlot(await cache.KeyForAsync(account, CancellationToken.None)))?.EndPoint;
            var list = doomed.Equals(owner) ? onDoomed : onOthers;
            if (list.Count < (list == onDoomed ? 2 : 8))
            {
                list.Add(account);
            }
        }

        var all = onDoomed.Concat(onOthers).ToList();
        await cache.SetAsync([.. all.Select(a => new BalanceSnapshot(a, 100, 1, "USD", 2))], CancellationToken.None);
        await nodes.KillNodeAsync(0, CancellationToken.None);

        // The first call to the dead node fails (a time-out or a refused connection) and marks the node down.
        var first = await Record.ExceptionAsync(() => cache.GetAsync(onDoomed[0], CancellationToken.None));
        Assert.True(CacheFailure.Is(first!), $"expected a cache failure, got {first}");

        // The live nodes answer as before.
        foreach (var account in onOthers)
        {
            Assert.Equal(new BalanceSnapshot(account, 100, 1, "USD", 2), await cache.GetAsync(account, CancellationToken.None));
        }

        // A key of the dead node is now refused at once, without a call.
        var skippedRead = await Assert.ThrowsAsync<RedisConnectionException>(() => cache.GetAsync(onDoomed[1], CancellationToken.None));
        Assert.Contains("failed a moment ago", skippedRead.Message, StringComparison.Ordinal);

        // A write-through over all ten writes the eight live keys, skips the two, and reports the failure.
        var skippedWrite = await Assert.ThrowsAsync<RedisConnectionException>(() =>
            cache.SetAsync([.. all.Select(a => new BalanceSnapshot(a, 250, 2, "USD", 2))], CancellationToken.None));
        Assert.Contains("2 of 10 balances skipped", skippedWrite.Message, StringComparison.Ordinal);
        foreach (var account in onOthers)
        {
            Assert.Equal(new BalanceSnapshot(account, 250, 2, "USD", 2), await cache.GetAsync(account, CancellationToken.None));
        }
    }
}
