using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>
/// The verifier's last version check: an account with as many entries as its version says, but numbered with a gap
/// (1, 3 instead of 1, 2). Entries can only be renumbered with the append-only triggers gone, so this runs in a
/// database of its own, <c>ledger_it_verify_gap</c>, whose triggers it drops (as <c>VerifierTests</c> does in its raw
/// database).
/// </summary>
public sealed class VerifierVersionGapTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    private const string GapDatabase = "ledger_it_verify_gap";

    [Fact]
    public async Task VerifyAsync_EntryVersionsWithAGap_ReportsVersionNotEntryCountWithTheHighestEntryVersion()
    {
        var connectionString = await TestDatabase.GetAsync(GapDatabase);
        await DropAppendOnlyTriggersAsync(connectionString);
        await using var provider = fixture.CreateServices(options =>
        {
            options.ConnectionString = connectionString;
            options.Cache.KeyPrefix = $"test:{GapDatabase}:{Guid.NewGuid():N}:";
        });
        var ledger = provider.GetRequiredService<ILedger>();
        var bank = await LedgerCalls.OpenAccountAsync(ledger, Ids.Account("gap-bank"), 1_000m);
        var account = await LedgerCalls.OpenAccountAsync(ledger, Ids.Account("gap"), 0m);
        await LedgerCalls.PostAsync(ledger, bank, account, 5m);
        await LedgerCalls.PostAsync(ledger, bank, account, 2m);
        Assert.DoesNotContain((await ledger.VerifyAsync(10_000)).Mismatches, m => m.AccountId == account);

        // Versions 1 and 2 become 1 and 3: the account is still at version 2 with two entries whose sum is its balance.
        await using (var connection = new MySqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var renumber = new MySqlCommand(
                "UPDATE entries SET account_version = 3 WHERE account_id = @a AND account_version = 2", connection);
            renumber.Parameters.AddWithValue("@a", account);
            Assert.Equal(1, await renumber.ExecuteNonQueryAsync());
        }

        var report = await ledger.VerifyAsync(10_000);

        Assert.False(report.Ok);
        var gap = Assert.Single(report.Mismatches, m => m.AccountId == account);
        Assert.Equal("version_not_entry_count", gap.Kind);
        Assert.Equal(("USD", "3", "2"), (gap.Currency, gap.Expected, gap.Actual));
        Assert.Contains("gap", gap.Detail, StringComparison.Ordinal);
    }

    private static async Task DropAppendOnlyTriggersAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        Assert.StartsWith(GapDatabase, connection.Database, StringComparison.Ordinal);
        await using var command = new MySqlCommand("DROP TRIGGER IF EXISTS trg_entries_no_update", connection);
        await command.ExecuteNonQueryAsync();
    }
}
