namespace Ledger.IntegrationTests;

public sealed class AccountTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task CreateAccount_New_StartsAtZeroAndIsAudited()
    {
        var id = Ids.Account("audited");

        var result = await fixture.Ledger.CreateAccountAsync(new CreateAccountRequest
        {
            Id = id, Currency = "EUR", OverdraftLimit = 12.5m, Actor = "ops-key", CorrelationId = "corr-42",
        });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(id, result.Value.Id);
        Assert.Equal(new Money(0, "EUR", 2), result.Value.Balance);
        Assert.Equal(1250, result.Value.OverdraftLimit.MinorUnits);
        Assert.Equal(0, result.Value.Version);
        Assert.Equal(result.Value, (await fixture.Ledger.GetAccountAsync(id)).Value);
        Assert.Equal("ops-key|corr-42|account.created", await fixture.ScalarAsync<string>(
            "SELECT CONCAT(actor, '|', correlation_id, '|', action) FROM audit_log WHERE entity_type = 'account' AND entity_id = @id",
            ("@id", id)));
    }

    [Fact]
    public async Task CreateAccount_WithoutId_AssignsUuidVersion7()
    {
        var result = await fixture.Ledger.CreateAccountAsync(new CreateAccountRequest { Currency = "USD" });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(7, Guid.Parse(result.Value.Id).Version);
    }

    [Fact]
    public async Task CreateAccount_ExistingId_IsAccountExistsAndChangesNothing()
    {
        var id = await fixture.CreateFundedAccountAsync(5m);

        var result = await fixture.Ledger.CreateAccountAsync(new CreateAccountRequest { Id = id, Currency = "EUR" });

        Assert.Equal(LedgerErrorCode.AccountExists, result.Error?.Code);
        Assert.Equal((500L, 1L, 1L), await fixture.AccountStateAsync(id));
        Assert.Equal("USD", (await fixture.Ledger.GetAccountAsync(id)).Value?.Currency);
    }

    [Fact]
    public async Task AccountIds_DifferingOnlyInCase_AreDifferentAccounts()
    {
        var lower = Ids.Account("case").ToLowerInvariant();
        var upper = lower.ToUpperInvariant();

        var first = await fixture.Ledger.CreateAccountAsync(new CreateAccountRequest { Id = lower, Currency = "USD", OverdraftLimit = 10m });
        var second = await fixture.Ledger.CreateAccountAsync(new CreateAccountRequest { Id = upper, Currency = "USD" });
        var transfer = await fixture.Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = lower, DestinationAccountId = upper, Amount = 1m,
        });

        Assert.True(first.IsSuccess && second.IsSuccess && transfer.IsSuccess, $"{first} {second} {transfer}");
        Assert.Equal((-100L, 1L, 1L), await fixture.AccountStateAsync(lower));
        Assert.Equal((100L, 1L, 1L), await fixture.AccountStateAsync(upper));
    }

    [Fact]
    public async Task CreateAccount_CurrencyNotInTable_IsValidationFailed()
    {
        var result = await fixture.Ledger.CreateAccountAsync(new CreateAccountRequest { Id = Ids.Account(), Currency = "XYZ" });

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error?.Code);
        Assert.Contains("currency", result.Error!.FieldErrors.Keys);
    }

    [Fact]
    public async Task CreateAccount_OverdraftLimitFinerThanCurrency_IsValidationFailed()
    {
        var result = await fixture.Ledger.CreateAccountAsync(new CreateAccountRequest { Id = Ids.Account(), Currency = "JPY", OverdraftLimit = 0.5m });

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error?.Code);
        Assert.Contains("overdraftLimit", result.Error!.FieldErrors.Keys);
    }

    [Fact]
    public async Task GetAccount_Unknown_IsAccountNotFound()
    {
        Assert.Equal(LedgerErrorCode.AccountNotFound, (await fixture.Ledger.GetAccountAsync(Ids.Account("ghost"))).Error?.Code);
        Assert.Equal(LedgerErrorCode.AccountNotFound, (await fixture.Ledger.GetBalanceAsync(Ids.Account("ghost"))).Error?.Code);
    }
}
