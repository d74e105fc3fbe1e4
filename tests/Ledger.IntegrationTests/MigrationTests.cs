using Microsoft.Extensions.DependencyInjection;

namespace Ledger.IntegrationTests;

public sealed class MigrationTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task MigrateAsync_OnAnUpToDateDatabase_RecreatesOnlyTheProcedures()
    {
        var result = await fixture.Ledger.MigrateAsync();

        Assert.True(result.Successful);
        Assert.NotEmpty(result.ScriptsApplied);
        Assert.All(result.ScriptsApplied, name => Assert.StartsWith("procedures/", name, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Journal_AfterMigration_ListsEveryChangeScriptOnce()
    {
        var expected = LedgerMigrator.GetScriptNames().Where(n => n.StartsWith("migrations/", StringComparison.Ordinal)).ToList();

        var journaled = await fixture.ScalarAsync<string>(
            "SELECT GROUP_CONCAT(script_name ORDER BY script_name SEPARATOR ',') FROM ledger_schema_journal");

        Assert.Equal(string.Join(',', expected.Order(StringComparer.Ordinal)), journaled);
        Assert.Contains("migrations/0001_create_currencies.sql", expected);
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

            Assert.True(result.Successful);
            Assert.Contains("migrations/0005_create_entries.sql", result.ScriptsApplied);
            Assert.Equal(7L, await fixture.ScalarAsync<long>(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = @db AND table_name IN " +
                "('currencies','accounts','transfers','entries','outbox','audit_log','ledger_schema_journal')",
                ("@db", name)));
        }
        finally
        {
            await fixture.ExecuteAsync($"DROP DATABASE IF EXISTS `{name}`");
        }
    }
}
