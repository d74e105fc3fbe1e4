using MySqlConnector;

namespace Ledger.IntegrationTests;

public sealed class AppendOnlyTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    public static TheoryData<string> Tampering => new()
    {
        "UPDATE transactions SET reference = 'changed' WHERE id IN (SELECT transfer_id FROM entries WHERE account_id = @account)",
        "DELETE FROM transactions WHERE id IN (SELECT transfer_id FROM entries WHERE account_id = @account)",
        "UPDATE entries SET amount = 0 WHERE account_id = @account",
        "DELETE FROM entries WHERE account_id = @account",
        "UPDATE audit_log SET actor = 'someone else' WHERE entity_id = @account",
        "DELETE FROM audit_log WHERE entity_id = @account",
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task History_UpdateOrDelete_IsRefusedByTheDatabase(string sql)
    {
        var account = await fixture.CreateFundedAccountAsync(1m);
        var entriesBefore = await fixture.ScalarAsync<long>(
            "SELECT COALESCE(SUM(amount), 0) + COUNT(*) FROM entries WHERE account_id = @a", ("@a", account));

        var exception = await Assert.ThrowsAsync<MySqlException>(() => fixture.ExecuteAsync(sql, ("@account", account)));

        Assert.Equal(50100, exception.Number);
        Assert.Contains("append-only", exception.Message, StringComparison.Ordinal);
        Assert.Equal(entriesBefore, await fixture.ScalarAsync<long>(
            "SELECT COALESCE(SUM(amount), 0) + COUNT(*) FROM entries WHERE account_id = @a", ("@a", account)));
    }
}
