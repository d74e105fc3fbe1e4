using Microsoft.Extensions.DependencyInjection;
using Ledger.Cache;
using Ledger.Storage;
using StackExchange.Redis;

namespace Ledger.IntegrationTests;

public sealed class CacheTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task PostTransfer_AfterReturning_RedisHoldsTheNewBalanceAndVersion()
    {
        var source = await fixture.CreateFundedAccountAsync(20m);
        var destination = await fixture.CreateAccountAsync();

        var posted = await fixture.Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 7.5m,
        });
        Assert.True(posted.IsSuccess, posted.ToString());

        // Straight from Redis, before anything else touches it: write-through happened before the post returned.
        var cached = await fixture.Redis.GetDatabase().HashGetAllAsync(fixture.CacheKey(destination));
        var fields = cached.ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal("750", fields["b"]);
        Assert.Equal("1", fields["v"]);
        Assert.Equal("USD", fields["c"]);

        var balance = await fixture.Ledger.GetBalanceAsync(source);
        Assert.True(balance.IsSuccess, balance.ToString());
        Assert.Equal(BalanceSource.Cache, balance.Value.Source);
        Assert.Equal(12.5m, balance.Value.Amount.Amount);
        Assert.Equal(2, balance.Value.Version);
    }

    [Fact]
    public async Task GetBalance_CacheMiss_ReadsTheDatabaseThenFillsTheCache()
    {
        var account = await fixture.CreateFundedAccountAsync(3m);
        await fixture.Redis.GetDatabase().KeyDeleteAsync(fixture.CacheKey(account));

        var first = await fixture.Ledger.GetBalanceAsync(account);
        var second = await fixture.Ledger.GetBalanceAsync(account);

        Assert.Equal(BalanceSource.Database, first.Value?.Source);
        Assert.Equal(BalanceSource.Cache, second.Value?.Source);
        Assert.Equal(first.Value!.Amount, second.Value!.Amount);
        Assert.Equal(1, second.Value.Version);
    }

    [Fact]
    public async Task CacheWrite_OlderVersion_NeverReplacesNewer()
    {
        // The property is the compare-and-set, not speed: a new client's first call (connect, script load) may take
        // longer than the production bound of 250 ms on a loaded machine, and was once cut off by it.
        await using var provider = fixture.CreateServices(options => options.Cache.OperationTimeout = TimeSpan.FromSeconds(30));
        var cache = provider.GetRequiredService<IBalanceCache>();
        var account = Ids.Account("cas");

        await cache.SetAsync([new BalanceSnapshot(account, 500, 5, "USD", 2)], CancellationToken.None);
        await cache.SetAsync([new BalanceSnapshot(account, 300, 3, "USD", 2)], CancellationToken.None);
        await cache.SetAsync([new BalanceSnapshot(account, 999, 5, "USD", 2)], CancellationToken.None);
        var afterStale = await cache.GetAsync(account, CancellationToken.None);
        await cache.SetAsync([new BalanceSnapshot(account, 600, 6, "USD", 2)], CancellationToken.None);
        var afterNewer = await cache.GetAsync(account, CancellationToken.None);

        Assert.Equal(new BalanceSnapshot(account, 500, 5, "USD", 2), afterStale);
        Assert.Equal(new BalanceSnapshot(account, 600, 6, "USD", 2), afterNewer);
    }

    [Fact]
    public async Task GetBalance_RedisStopped_AnswersFromTheDatabaseAndPostingGoesOn()
    {
        await using var redis = await StoppableRedis.StartAsync();
        var ledger = fixture.CreateLedger(options => options.RedisConnectionString = redis.ConnectionString);
        var source = await fixture.CreateFundedAccountAsync(10m);
        var destination = await fixture.CreateAccountAsync();
        Assert.True((await ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 1m,
        })).IsSuccess);
        Assert.Equal(BalanceSource.Cache, (await ledger.GetBalanceAsync(destination)).Value?.Source);

        await redis.StopAsync();
        var whileDown = await ledger.GetBalanceAsync(destination);
        var postedWhileDown = await ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 2m,
        });
        var afterPostWhileDown = await ledger.GetBalanceAsync(destination);

        Assert.True(whileDown.IsSuccess, whileDown.ToString());
        Assert.Equal(BalanceSource.Database, whileDown.Value.Source);
        Assert.Equal(1m, whileDown.Value.Amount.Amount);
        Assert.True(postedWhileDown.IsSuccess, postedWhileDown.ToString());
        Assert.Equal(BalanceSource.Database, afterPostWhileDown.Value?.Source);
        Assert.Equal(3m, afterPostWhileDown.Value?.Amount.Amount);
        Assert.Equal(2, afterPostWhileDown.Value?.Version);
    }
}
