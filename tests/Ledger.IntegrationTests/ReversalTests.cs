using MySqlConnector;

namespace Ledger.IntegrationTests;

public sealed class ReversalTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    private ILedger Ledger => fixture.Ledger;

    /// <summary>A transaction of three legs is reversed as a whole: every leg moved back once, linked to it.</summary>
    [Fact]
    public async Task ReverseTransaction_ThreeLegs_MovesEveryLegBackOnce()
    {
        var payer = await fixture.CreateFundedAccountAsync(100m, label: "rev3-payer");
        var shop = await fixture.CreateAccountAsync(label: "rev3-shop");
        var fee = await fixture.CreateAccountAsync(label: "rev3-fee");
        var posted = await Ledger.PostTransactionAsync(new PostTransactionRequest
        {
            Legs =
            [
                new TransactionLegRequest { AccountId = payer, Amount = -30m },
                new TransactionLegRequest { AccountId = shop, Amount = 29m },
                new TransactionLegRequest { AccountId = fee, Amount = 1m },
            ],
        });
        Assert.True(posted.IsSuccess, posted.ToString());

        var reversal = await Ledger.ReverseTransactionAsync(new ReverseTransactionRequest { TransactionId = posted.Value.Id });
        var again = await Ledger.ReverseTransactionAsync(new ReverseTransactionRequest { TransactionId = posted.Value.Id, Id = Guid.CreateVersion7() });

        Assert.True(reversal.IsSuccess, reversal.ToString());
        Assert.Equal(posted.Value.Id, reversal.Value.ReversalOf);
        Assert.Equal(
            posted.Value.Legs.Select(l => (l.AccountId, -l.Amount.MinorUnits)).Order(),
            reversal.Value.Legs.Select(l => (l.AccountId, l.Amount.MinorUnits)).Order());
        Assert.Equal(LedgerErrorCode.AlreadyReversed, again.Error?.Code);
        Assert.Equal((10000L, 3L, 3L), await fixture.AccountStateAsync(payer));
        Assert.Equal((0L, 2L, 2L), await fixture.AccountStateAsync(shop));
        Assert.Equal((0L, 2L, 2L), await fixture.AccountStateAsync(fee));
    }

    /// <summary>The transfer API reverses transfers only: a transaction of three legs is not found there (the procedure
    /// checks, without a read first), and nothing is recorded, so it is reversed as a transaction afterwards.</summary>
    [Fact]
    public async Task ReverseTransfer_OfATransactionOfThreeLegs_IsTransferNotFoundAndItReversesAsATransaction()
    {
        var payer = await fixture.CreateFundedAccountAsync(10m, label: "rev3t-payer");
        var a = await fixture.CreateAccountAsync(label: "rev3t-a");
        var b = await fixture.CreateAccountAsync(label: "rev3t-b");
        var posted = await Ledger.PostTransactionAsync(new PostTransactionRequest
        {
            Legs =
            [
                new TransactionLegRequest { AccountId = payer, Amount = -3m },
                new TransactionLegRequest { AccountId = a, Amount = 2m },
                new TransactionLegRequest { AccountId = b, Amount = 1m },
            ],
        });
        Assert.True(posted.IsSuccess, posted.ToString());
        var reversalId = Guid.CreateVersion7();

        var asTransfer = await Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = posted.Value.Id, Id = reversalId });
        var asTransaction = await Ledger.ReverseTransactionAsync(new ReverseTransactionRequest { TransactionId = posted.Value.Id, Id = reversalId });

        Assert.Equal(LedgerErrorCode.TransferNotFound, asTransfer.Error?.Code);
        Assert.True(asTransaction.IsSuccess && !asTransaction.Replayed, asTransaction.ToString());
        Assert.Equal((1000L, 3L, 3L), await fixture.AccountStateAsync(payer));
    }

    /// <summary>A reversal that starts while the transaction it names is still being posted (another writer's open
    /// transaction) reads no entries to reverse; it waits for that writer, which then commits, and is refused as not
    /// found, with nothing recorded under its id: the same reversal posts when sent again. (Before, it was posted with
    /// no legs and failed on the transaction's currency.)</summary>
    [Fact]
    public async Task ReverseTransaction_WhileItsTransactionIsBeingPosted_IsNotFoundAndTheSameReversalPostsWhenSentAgain()
    {
        var source = await fixture.CreateFundedAccountAsync(10m, label: "rev-inflight-src");
        var destination = await fixture.CreateAccountAsync(label: "rev-inflight-dst");
        var original = Guid.CreateVersion7();
        await using var writer = new MySqlConnection(fixture.ConnectionString);
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        await OtherWriter.PostInOpenTransactionAsync(writer, transaction, source, destination, original, amount: 4m);

        var reversalId = Guid.CreateVersion7();
        var early = Ledger.ReverseTransactionAsync(new ReverseTransactionRequest { TransactionId = original, Id = reversalId });
        await OtherWriter.WaitUntilSomeoneWaitsOnAsync(fixture, await OtherWriter.CurrentTransactionAsync(writer, transaction), early);
        await transaction.CommitAsync();
        var refused = await early;
        var later = await Ledger.ReverseTransactionAsync(new ReverseTransactionRequest { TransactionId = original, Id = reversalId });

        Assert.Equal(LedgerErrorCode.TransactionNotFound, refused.Error?.Code);
        Assert.False(refused.Replayed);
        Assert.True(later.IsSuccess && !later.Replayed, later.ToString());
        Assert.Equal((1000L, 3L, 3L), await fixture.AccountStateAsync(source));
        Assert.Equal((0L, 2L, 2L), await fixture.AccountStateAsync(destination));
    }

    [Fact]
    public async Task ReverseTransfer_Posted_PostsTheMirrorLinkedToTheOriginal()
    {
        var (original, source, destination) = await PostAsync(25m);

        var reversal = await Ledger.ReverseTransferAsync(new ReverseTransferRequest
        {
            TransferId = original.Id, Reference = "refund", PostedBy = "ops", CorrelationId = "corr-rev",
        });

        Assert.True(reversal.IsSuccess, reversal.ToString());
        Assert.False(reversal.Replayed);
        Assert.Equal(original.Id, reversal.Value.ReversalOf);
        Assert.Equal(destination, reversal.Value.SourceAccountId);
        Assert.Equal(source, reversal.Value.DestinationAccountId);
        Assert.Equal(original.Amount, reversal.Value.Amount);
        Assert.Equal("refund", reversal.Value.Reference);
        Assert.Equal((10000L, 3L, 3L), await fixture.AccountStateAsync(source));
        Assert.Equal((0L, 2L, 2L), await fixture.AccountStateAsync(destination));
        Assert.Equal(reversal.Value, (await Ledger.GetTransferAsync(reversal.Value.Id)).Value);
    }

    [Fact]
    public async Task ReverseTransfer_RetriedWithoutId_ReplaysTheSameReversal()
    {
        var (original, source, _) = await PostAsync(10m);

        var first = await Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = original.Id });
        var second = await Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = original.Id });

        Assert.True(first.IsSuccess && second.IsSuccess, $"{first} {second}");
        Assert.True(second.Replayed);
        Assert.Equal(first.Value, second.Value);
        Assert.Equal((10000L, 3L, 3L), await fixture.AccountStateAsync(source));
    }

    [Fact]
    public async Task ReverseTransfer_SecondReversalWithAnotherId_IsAlreadyReversedAndChangesNothing()
    {
        var (original, source, _) = await PostAsync(10m);
        Assert.True((await Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = original.Id, Id = Guid.CreateVersion7() })).IsSuccess);

        var again = await Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = original.Id, Id = Guid.CreateVersion7() });

        Assert.Equal(LedgerErrorCode.AlreadyReversed, again.Error?.Code);
        Assert.Equal((10000L, 3L, 3L), await fixture.AccountStateAsync(source));
    }

    [Fact]
    public async Task ReverseTransfer_ConcurrentReversalsWithDifferentIds_PostExactlyOne()
    {
        var (original, source, destination) = await PostAsync(10m);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() =>
            fixture.CreateLedger().ReverseTransferAsync(new ReverseTransferRequest { TransferId = original.Id, Id = Guid.CreateVersion7() }))));

        Assert.Single(results, r => r.IsSuccess);
        Assert.All(results.Where(r => !r.IsSuccess), r => Assert.Equal(LedgerErrorCode.AlreadyReversed, r.Error!.Code));
        Assert.Equal((10000L, 3L, 3L), await fixture.AccountStateAsync(source));
        Assert.Equal((0L, 2L, 2L), await fixture.AccountStateAsync(destination));
    }

    [Fact]
    public async Task ReverseTransfer_Unknown_IsTransferNotFound()
    {
        var result = await Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = Guid.CreateVersion7() });

        Assert.Equal(LedgerErrorCode.TransferNotFound, result.Error?.Code);
    }

    [Fact]
    public async Task ReverseTransfer_DestinationSpentTheMoney_IsInsufficientFunds()
    {
        var (original, _, destination) = await PostAsync(10m);
        var elsewhere = await fixture.CreateAccountAsync();
        Assert.True((await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = destination, DestinationAccountId = elsewhere, Amount = 5m,
        })).IsSuccess);

        var reversal = await Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = original.Id });

        Assert.Equal(LedgerErrorCode.InsufficientFunds, reversal.Error?.Code);
        Assert.Equal((500L, 2L, 2L), await fixture.AccountStateAsync(destination));
    }

    [Fact]
    public async Task ReverseTransfer_OfAReversal_PostsTheOriginalMovementAgain()
    {
        var (original, source, destination) = await PostAsync(10m);
        var reversal = await Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = original.Id });

        var again = await Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = reversal.Value!.Id });

        Assert.True(again.IsSuccess, again.ToString());
        Assert.Equal(reversal.Value.Id, again.Value.ReversalOf);
        Assert.Equal((9000L, 4L, 4L), await fixture.AccountStateAsync(source));
        Assert.Equal((1000L, 3L, 3L), await fixture.AccountStateAsync(destination));
    }

    private async Task<(Transfer Transfer, string Source, string Destination)> PostAsync(decimal amount)
    {
        var source = await fixture.CreateFundedAccountAsync(100m);
        var destination = await fixture.CreateAccountAsync();
        var posted = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = amount,
        });
        Assert.True(posted.IsSuccess, posted.ToString());
        return (posted.Value, source, destination);
    }
}
