namespace Ledger.IntegrationTests;

public sealed class OverdraftTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task SetOverdraftLimit_Raised_AllowsDebitsExactlyToTheNewLimitAndIsAudited()
    {
        var account = await fixture.CreateAccountAsync();
        var other = await fixture.CreateAccountAsync();

        var changed = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest
        {
            AccountId = account, OverdraftLimit = 20m, Actor = "risk-admin", CorrelationId = "corr-limit",
        });
        var toLimit = await Post(account, other, 20m);
        var beyond = await Post(account, other, 0.01m);

        Assert.True(changed.IsSuccess, changed.ToString());
        Assert.Equal(2000, changed.Value.OverdraftLimit.MinorUnits);
        Assert.Equal(0, changed.Value.Version);
        Assert.True(toLimit.IsSuccess, toLimit.ToString());
        Assert.Equal(LedgerErrorCode.InsufficientFunds, beyond.Error?.Code);
        Assert.Equal((-2000L, 1L, 1L), await fixture.AccountStateAsync(account));
        Assert.Equal("risk-admin|corr-limit|0|2000", await fixture.ScalarAsync<string>(
            "SELECT CONCAT(actor, '|', correlation_id, '|', JSON_VALUE(details, '$.from'), '|', JSON_VALUE(details, '$.to')) " +
            "FROM audit_log WHERE entity_id = @a AND action = 'account.overdraft_limit_changed'", ("@a", account)));
    }

    [Fact]
    public async Task SetOverdraftLimit_LoweredBelowTheCurrentOverdraft_IsAllowedAndStopsFurtherDebits()
    {
        var account = await fixture.CreateAccountAsync(overdraftLimit: 50m);
        var other = await fixture.CreateAccountAsync();
        Assert.True((await Post(account, other, 40m)).IsSuccess);

        var lowered = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest { AccountId = account, OverdraftLimit = 10m });
        var debit = await Post(account, other, 1m);
        var credit = await Post(other, account, 5m);

        Assert.True(lowered.IsSuccess, lowered.ToString());
        Assert.Equal(LedgerErrorCode.InsufficientFunds, debit.Error?.Code);
        Assert.True(credit.IsSuccess, credit.ToString());
        Assert.Equal((-3500L, 2L, 2L), await fixture.AccountStateAsync(account));
    }

    [Fact]
    public async Task OverdraftLimit_AboveItsCurrencysCap_IsRefusedAtOpeningAndOnChange()
    {
        var ledger = fixture.CreateLedger(options => options.Overdraft.Maximum["JPY"] = 100m);

        var tooHigh = await ledger.CreateAccountAsync(new CreateAccountRequest { Currency = "JPY", OverdraftLimit = 101m });
        var atCap = await ledger.CreateAccountAsync(new CreateAccountRequest { Currency = "JPY", OverdraftLimit = 100m });
        var raised = await ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest { AccountId = atCap.Value!.Id, OverdraftLimit = 101m });
        var otherCurrency = await ledger.CreateAccountAsync(new CreateAccountRequest { Currency = "USD", OverdraftLimit = 101m });

        Assert.Equal(LedgerErrorCode.ValidationFailed, tooHigh.Error?.Code);
        Assert.Contains("100 JPY", Assert.Single(tooHigh.Error!.FieldErrors["overdraftLimit"]), StringComparison.Ordinal);
        Assert.True(atCap.IsSuccess, atCap.ToString());
        Assert.Equal(LedgerErrorCode.ValidationFailed, raised.Error?.Code);
        Assert.Equal(100, (await ledger.GetAccountAsync(atCap.Value.Id)).Value!.OverdraftLimit.MinorUnits);
        Assert.True(otherCurrency.IsSuccess, "the default cap applies to the other currencies: " + otherCurrency);
    }

    [Theory]
    [InlineData("-1", "overdraftLimit")]
    [InlineData("0.001", "overdraftLimit")]
    public async Task SetOverdraftLimit_Invalid_IsValidationFailed(string limit, string field)
    {
        var account = await fixture.CreateAccountAsync();

        var result = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest
        {
            AccountId = account, OverdraftLimit = decimal.Parse(limit, System.Globalization.CultureInfo.InvariantCulture),
        });

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error?.Code);
        Assert.Contains(field, result.Error!.FieldErrors.Keys);
    }

    [Fact]
    public async Task SetOverdraftLimit_UnknownAccount_IsAccountNotFound()
    {
        var result = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest { AccountId = Ids.Account("ghost"), OverdraftLimit = 1m });

        Assert.Equal(LedgerErrorCode.AccountNotFound, result.Error?.Code);
    }

    [Fact]
    public async Task SetOverdraftLimit_ExpectedVersionIsTheCurrentOne_IsAppliedAndAudited()
    {
        var account = await fixture.CreateFundedAccountAsync(10m);
        var read = await fixture.Ledger.GetAccountAsync(account);

        var changed = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest
        {
            AccountId = account, OverdraftLimit = 20m, ExpectedVersion = read.Value!.Version,
        });

        Assert.True(changed.IsSuccess, changed.ToString());
        Assert.Equal(2000, changed.Value.OverdraftLimit.MinorUnits);
        Assert.Equal(1, changed.Value.Version);
        Assert.Equal(1L, await CountAuditRowsAsync(account));
    }

    [Fact]
    public async Task SetOverdraftLimit_ExpectedVersionStale_IsPreconditionFailedAndChangesNothing()
    {
        var account = await fixture.CreateFundedAccountAsync(10m);
        var other = await fixture.CreateAccountAsync();
        var read = await fixture.Ledger.GetAccountAsync(account);
        Assert.True((await Post(account, other, 1m)).IsSuccess);

        var stale = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest
        {
            AccountId = account, OverdraftLimit = 20m, ExpectedVersion = read.Value!.Version,
        });

        Assert.Equal(LedgerErrorCode.PreconditionFailed, stale.Error?.Code);
        Assert.Equal("precondition_failed", stale.Error!.CodeName);
        Assert.Contains("version 2, not 1", stale.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await fixture.Ledger.GetAccountAsync(account)).Value!.OverdraftLimit.MinorUnits);
        Assert.Equal((900L, 2L, 2L), await fixture.AccountStateAsync(account));
        Assert.Equal(0L, await CountAuditRowsAsync(account));
    }

    /// <summary>The version counts the account's entries (the verifier holds it to them), so changing the limit does
    /// not move it: a second change conditional on the same version applies too. The condition guards a decision about
    /// the account's balance against postings, not one limit change against another.</summary>
    [Fact]
    public async Task SetOverdraftLimit_TwoChangesExpectingTheSameVersion_BothApplyBecauseALimitChangeKeepsTheVersion()
    {
        var account = await fixture.CreateAccountAsync();

        var first = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest { AccountId = account, OverdraftLimit = 20m, ExpectedVersion = 0 });
        var second = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest { AccountId = account, OverdraftLimit = 30m, ExpectedVersion = 0 });

        Assert.True(first.IsSuccess, first.ToString());
        Assert.True(second.IsSuccess, second.ToString());
        Assert.Equal((3000L, 0L), (second.Value.OverdraftLimit.MinorUnits, second.Value.Version));
        Assert.Equal(2L, await CountAuditRowsAsync(account));
    }

    [Fact]
    public async Task SetOverdraftLimit_NegativeExpectedVersion_IsValidationFailedNamingExpectedVersion()
    {
        var account = await fixture.CreateAccountAsync();

        var result = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest { AccountId = account, OverdraftLimit = 1m, ExpectedVersion = -1 });

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error?.Code);
        Assert.Contains("expectedVersion", result.Error!.FieldErrors.Keys);
        Assert.Equal(0L, await CountAuditRowsAsync(account));
    }

    [Fact]
    public async Task SetOverdraftLimit_ExpectedVersionOfAnUnknownAccount_IsAccountNotFound()
    {
        var result = await fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest
        {
            AccountId = Ids.Account("ghost"), OverdraftLimit = 1m, ExpectedVersion = 0,
        });

        Assert.Equal(LedgerErrorCode.AccountNotFound, result.Error?.Code);
    }

    private Task<long> CountAuditRowsAsync(string account) => fixture.ScalarAsync<long>(
        "SELECT COUNT(*) FROM audit_log WHERE entity_id = @a AND action = 'account.overdraft_limit_changed'", ("@a", account));

    private Task<LedgerResult<Transfer>> Post(string source, string destination, decimal amount) =>
        fixture.Ledger.PostTransferAsync(new PostTransferRequest { SourceAccountId = source, DestinationAccountId = destination, Amount = amount });
}
