namespace Ledger.IntegrationTests;

/// <summary>A refusal that depends on the ledger's state is the final outcome of its transfer id.</summary>
public sealed class RefusalIdempotencyTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task PostTransfer_RetryOfAnInsufficientFundsRefusalAfterFunding_IsTheSameRefusalReplayed()
    {
        var source = await fixture.CreateFundedAccountAsync(5m);
        var destination = await fixture.CreateAccountAsync();
        var request = new PostTransferRequest
        {
            Id = Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = destination, Amount = 8m,
        };
        var first = await fixture.Ledger.PostTransferAsync(request);
        await FundAsync(source, 10m);

        var retry = await fixture.Ledger.PostTransferAsync(request);
        var changed = await fixture.Ledger.PostTransferAsync(request with { Amount = 9m });
        var fresh = await fixture.Ledger.PostTransferAsync(request with { Id = Guid.CreateVersion7() });

        Assert.Equal(LedgerErrorCode.InsufficientFunds, first.Error?.Code);
        Assert.False(first.Replayed);
        Assert.Equal(LedgerErrorCode.InsufficientFunds, retry.Error?.Code);
        Assert.True(retry.Replayed);
        Assert.Equal(LedgerErrorCode.IdempotencyConflict, changed.Error?.Code);
        Assert.True(fresh.IsSuccess, fresh.ToString());
        Assert.Equal((700L, 3L, 3L), await fixture.AccountStateAsync(source));
    }

    [Fact]
    public async Task PostTransfer_RetryOfAnUnknownAccountRefusalAfterTheAccountIsOpened_IsTheSameRefusal()
    {
        var source = await fixture.CreateFundedAccountAsync(5m);
        var later = Ids.Account("later");
        var request = new PostTransferRequest
        {
            Id = Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = later, Amount = 1m,
        };
        var first = await fixture.Ledger.PostTransferAsync(request);
        Assert.True((await fixture.Ledger.CreateAccountAsync(new CreateAccountRequest { Id = later, Currency = "USD" })).IsSuccess);

        var retry = await fixture.Ledger.PostTransferAsync(request);

        Assert.Equal(LedgerErrorCode.AccountNotFound, first.Error?.Code);
        Assert.Equal(LedgerErrorCode.AccountNotFound, retry.Error?.Code);
        Assert.True(retry.Replayed);
        Assert.Equal((0L, 0L, 0L), await fixture.AccountStateAsync(later));
    }

    [Fact]
    public async Task PostTransfer_MalformedAmountForTheCurrency_IsNotRecorded()
    {
        var source = await fixture.CreateFundedAccountAsync(5m, currency: "JPY");
        var destination = await fixture.CreateAccountAsync("JPY");
        var id = Guid.CreateVersion7();

        var refused = await fixture.Ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = 1.5m,
        });
        var corrected = await fixture.Ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = 2m,
        });

        Assert.Equal(LedgerErrorCode.ValidationFailed, refused.Error?.Code);
        Assert.True(corrected.IsSuccess, corrected.ToString());
    }

    [Fact]
    public async Task TransferRejections_UpdateOrDelete_IsRefusedByTheDatabase()
    {
        var source = await fixture.CreateAccountAsync();
        var destination = await fixture.CreateAccountAsync();
        var id = Guid.CreateVersion7();
        Assert.Equal(LedgerErrorCode.InsufficientFunds, (await fixture.Ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = 1m,
        })).Error?.Code);

        var update = await Assert.ThrowsAsync<MySqlConnector.MySqlException>(() => fixture.ExecuteAsync(
            "UPDATE transaction_rejections SET status = 0 WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true))));
        var delete = await Assert.ThrowsAsync<MySqlConnector.MySqlException>(() => fixture.ExecuteAsync(
            "DELETE FROM transaction_rejections WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true))));

        Assert.Equal(50100, update.Number);
        Assert.Equal(50100, delete.Number);
    }

    private async Task FundAsync(string account, decimal amount)
    {
        var bank = await fixture.CreateAccountAsync(overdraftLimit: 1_000_000m, label: "bank");
        Assert.True((await fixture.Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = bank, DestinationAccountId = account, Amount = amount,
        })).IsSuccess);
    }
}
