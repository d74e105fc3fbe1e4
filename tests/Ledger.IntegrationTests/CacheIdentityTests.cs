using Ledger.Cache;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using StackExchange.Redis;

namespace Ledger.IntegrationTests;

/// <summary>
/// The cache's keys carry the ledger's identity (<c>ledger_instance.id</c>), so two ledgers over two databases that
/// share one Redis and one key prefix never answer each other's balances, and a ledger whose identity cannot be read
/// does not use the cache at all rather than use it under a key that could be another ledger's.
/// </summary>
public sealed class CacheIdentityTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    // A second ledger: a database of its own beside the fixture's, the same Redis.
    private const string OtherDatabase = "ledger_it_other";

    // The identity row is deleted here for a while: no other test may use this database.
    private const string NoIdentityDatabase = "ledger_it_noidentity";

    [Fact]
    public async Task GetBalance_TwoLedgersShareOneRedisAndKeyPrefix_EachAnswersFromItsOwnDatabase()
    {
        // Issue 15, item 5: alice holds 125.50 in one ledger; the other ledger's alice holds nothing and must say so.
        var prefix = $"test:shared:{Guid.NewGuid():N}:";
        var otherDatabase = await TestDatabase.GetAsync(OtherDatabase);
        await using var first = fixture.CreateServices(options => options.Cache.KeyPrefix = prefix);
        await using var second = fixture.CreateServices(options =>
        {
            options.ConnectionString = otherDatabase;
            options.Cache.KeyPrefix = prefix;
        });
        var ledgerA = first.GetRequiredService<ILedger>();
        var ledgerB = second.GetRequiredService<ILedger>();
        var alice = Ids.Account("alice");
        var bankA = await LedgerCalls.OpenAccountAsync(ledgerA, Ids.Account("bank"), overdraftLimit: 1_000m);
        await LedgerCalls.OpenAccountAsync(ledgerA, alice);
        await LedgerCalls.OpenAccountAsync(ledgerB, alice);
        await LedgerCalls.PostAsync(ledgerA, bankA, alice, 125.50m);
        Assert.Equal((125.50m, 1L, BalanceSource.Cache), Describe(await ledgerA.GetBalanceAsync(alice)));

        var inB = await ledgerB.GetBalanceAsync(alice);
        var inBAgain = await ledgerB.GetBalanceAsync(alice);

        Assert.Equal((0m, 0L, BalanceSource.Database), Describe(inB));
        Assert.Equal((0m, 0L, BalanceSource.Cache), Describe(inBAgain));

        // Each ledger's changes stay its own: B's first version of alice is not refused as "older" than A's.
        var bankB = await LedgerCalls.OpenAccountAsync(ledgerB, Ids.Account("bank"), overdraftLimit: 1_000m);
        await LedgerCalls.PostAsync(ledgerB, bankB, alice, 1m);
        Assert.Equal((1m, 1L, BalanceSource.Cache), Describe(await ledgerB.GetBalanceAsync(alice)));
        Assert.Equal((125.50m, 1L, BalanceSource.Cache), Describe(await ledgerA.GetBalanceAsync(alice)));

        var identityB = await CacheKeys.LedgerIdentityAsync(otherDatabase);
        Assert.NotEqual(fixture.LedgerIdentity, identityB);
        var redis = fixture.Redis.GetDatabase();
        Assert.Equal("12550", (string?)await redis.HashGetAsync(CacheKeys.For(prefix, fixture.LedgerIdentity, alice), "b"));
        Assert.Equal("100", (string?)await redis.HashGetAsync(CacheKeys.For(prefix, identityB, alice), "b"));
    }

    [Fact]
    public async Task CacheCalls_LedgerIdentityCannotBeRead_BalancesComeFromTheDatabaseAndNoKeyIsWrittenUntilItCan()
    {
        var database = await TestDatabase.GetAsync(NoIdentityDatabase);
        var identity = await CacheKeys.LedgerIdentityAsync(database);
        await ExecuteAsync(database, "DELETE FROM ledger_instance");
        var prefix = $"test:noidentity:{Guid.NewGuid():N}:";
        await using var provider = fixture.CreateServices(options =>
        {
            options.ConnectionString = database;
            options.Cache.KeyPrefix = prefix;
            // The pause before the identity is read again after a failed read.
            options.Cache.BreakDuration = TimeSpan.FromMilliseconds(500);
        });
        var ledger = provider.GetRequiredService<ILedger>();
        var cache = provider.GetRequiredService<IBalanceCache>();
        var bank = await LedgerCalls.OpenAccountAsync(ledger, Ids.Account("bank"), overdraftLimit: 1_000m);
        var account = await LedgerCalls.OpenAccountAsync(ledger, Ids.Account("noid"));

        // Posting goes on (the write-through is skipped), and every read comes from the database.
        await LedgerCalls.PostAsync(ledger, bank, account, 2m);
        var reads = new[] { await ledger.GetBalanceAsync(account), await ledger.GetBalanceAsync(account) };

        Assert.All(reads, read => Assert.Equal((2m, 1L, BalanceSource.Database), Describe(read)));
        Assert.False(await cache.PingAsync(CancellationToken.None));
        Assert.Empty(await KeysAsync(prefix));

        // Once the identity can be read, the cache is used, under keys that carry it.
        await ExecuteAsync(database, $"INSERT INTO ledger_instance (singleton, id, created_at) VALUES (1, '{identity}', UTC_TIMESTAMP(6))");
        await Eventually.UntilAsync(
            async () => (await ledger.GetBalanceAsync(account)).Value?.Source == BalanceSource.Cache,
            "a balance read from the cache once the ledger's identity can be read");

        Assert.True(await cache.PingAsync(CancellationToken.None));
        Assert.Equal([CacheKeys.For(prefix, identity, account)], await KeysAsync(prefix));
    }

    private static (decimal Amount, long Version, BalanceSource Source) Describe(LedgerResult<Balance> result)
    {
        Assert.True(result.IsSuccess, result.ToString());
        return (result.Value.Amount.Amount, result.Value.Version, result.Value.Source);
    }

    private async Task<List<string>> KeysAsync(string prefix)
    {
        var keys = new List<string>();
        var server = fixture.Redis.GetServer(fixture.Redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            keys.Add(key!);
        }

        return keys;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
