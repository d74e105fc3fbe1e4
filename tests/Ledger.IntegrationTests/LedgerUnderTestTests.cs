namespace Ledger.IntegrationTests;

/// <summary>The ledger the tests exercise runs as a deployment does: connected as the application's user
/// (<c>ledger_app</c>, SELECT and EXECUTE only) against a schema the owner (<c>ledger_migrator</c>) applied, so every
/// test also proves the grants of db/grants.sql suffice.</summary>
public sealed class LedgerUnderTestTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task FixtureLedger_ConnectsAsTheApplicationUser_ToProceduresTheOwnerDefined()
    {
        await fixture.CreateFundedAccountAsync(1m);

        // The ledger's pooled connections stay open after the calls: the server names their user.
        Assert.True(await fixture.ScalarAsync<long>(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'ledger_app' AND DB = DATABASE()") > 0);
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND DEFINER NOT LIKE 'ledger\\_migrator@%'"));
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND DEFINER NOT LIKE 'ledger\\_migrator@%'"));
    }
}
