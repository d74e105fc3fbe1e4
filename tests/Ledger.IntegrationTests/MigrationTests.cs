using Microsoft.Extensions.DependencyInjection;

namespace Ledger.IntegrationTests;

public sealed class MigrationTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task MigrateAsync_OnAnUpToDateDatabase_AppliesNothingAndLeavesTheProceduresInPlace()
    {
        var created = await fixture.ScalarAsync<string>(
            "SELECT MAX(CREATED) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()");

        var result = await fixture.Ledger.MigrateAsync();

        Assert.Empty(result.ScriptsApplied);
        Assert.Equal(created, await fixture.ScalarAsync<string>(
            "SELECT MAX(CREATED) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"));
    }

    [Fact]
    public async Task Journal_AfterMigration_ListsEveryScriptOnceWithProceduresByContent()
    {
        var expected = LedgerMigrator.GetScriptNames().ToList();

        var journaled = await fixture.ScalarAsync<string>(
            "SELECT GROUP_CONCAT(script_name ORDER BY script_name SEPARATOR ',') FROM ledger_schema_journal");

        Assert.Equal(string.Join(',', expected.Order(StringComparer.Ordinal)), journaled);
        Assert.Contains("migrations/0001_create_currencies.sql", expected);
        Assert.Contains(expected, n => n.StartsWith("procedures/ledger_post_transactions.sql@", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MigrateAsync_OnAFreshDatabase_CreatesItAndEveryTable()
    {
        var name = $"ledger_it_fresh_{Guid.NewGuid():N}"[..40];
        var builder = new MySqlConnector.MySqlConnectionStringBuilder(fixture.ConnectionString) { Database = name };
        await using var provider = fixture.CreateServices(options => options.ConnectionString = builder.ConnectionString);
        try
        {
            var result = await provider.GetRequiredService<ILedger>().MigrateAsync();

            Assert.Contains("migrations/0005_create_entries.sql", result.ScriptsApplied);
            Assert.Equal(7L, await fixture.ScalarAsync<long>(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = @db AND table_name IN " +
                "('currencies','accounts','transfers','entries','outbox','audit_log','ledger_schema_journal')",
                ("@db", name)));
            // Its own ledger identity, which the cache's keys carry: 128 random bits, not the fixture database's.
            var identity = await CacheKeys.LedgerIdentityAsync(builder.ConnectionString);
            Assert.Matches("^[0-9a-f]{32}$", identity);
            Assert.NotEqual(fixture.LedgerIdentity, identity);
        }
        finally
        {
            await fixture.ExecuteAsync($"DROP DATABASE IF EXISTS `{name}`");
        }
    }
}
