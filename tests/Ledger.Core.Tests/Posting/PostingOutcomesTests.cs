using Ledger.Posting;
using Ledger.Storage;

namespace Ledger.Core.Tests.Posting;

/// <summary>The one table from the posting procedure's status to the ledger's code, row by row (the host's test walks
/// the same rows on to HTTP).</summary>
public sealed class PostingOutcomesTests
{
    private static readonly PostingCommand Transfer = new(
        Guid.Parse("0193a6f2-7c4e-7d2a-9b1e-3f5c8a2d4e61"), [new LegCommand("alice", -5m), new LegCommand("bob", 5m)], null, null, null,
        null, "poster", null);

    public static TheoryData<int, LedgerErrorCode?> Rows => new()
    {
        { (int)ProcedureStatus.Done, null },
        { (int)ProcedureStatus.Replayed, null },
        { (int)ProcedureStatus.IdempotencyConflict, LedgerErrorCode.IdempotencyConflict },
        { (int)ProcedureStatus.DebitAccountNotFound, LedgerErrorCode.AccountNotFound },
        { (int)ProcedureStatus.CreditAccountNotFound, LedgerErrorCode.AccountNotFound },
        { (int)ProcedureStatus.CurrencyMismatch, LedgerErrorCode.CurrencyMismatch },
        { (int)ProcedureStatus.InsufficientFunds, LedgerErrorCode.InsufficientFunds },
        { (int)ProcedureStatus.AmountPrecision, LedgerErrorCode.ValidationFailed },
        { (int)ProcedureStatus.TransactionToReverseNotFound, LedgerErrorCode.TransactionNotFound },
        { (int)ProcedureStatus.AlreadyReversed, LedgerErrorCode.AlreadyReversed },
        { (int)ProcedureStatus.BalanceOutOfRange, LedgerErrorCode.BalanceOutOfRange },
        { (int)ProcedureStatus.VersionMismatch, LedgerErrorCode.VersionMismatch },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void CodeOf_EveryStatusOfTheProcedure_IsItsCode(int status, LedgerErrorCode? code)
    {
        Assert.Equal(code, PostingOutcomes.CodeOf((ProcedureStatus)status));
    }

    [Fact]
    public void Rows_CoverEveryStatusThePostingProcedureAnswers()
    {
        Assert.Equal(PostingOutcomes.Statuses.Order(), Rows.Select(row => (ProcedureStatus)(int)row[0]).Order());
    }

    [Fact]
    public void CodeOf_AStatusOfAnotherProcedure_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => PostingOutcomes.CodeOf(ProcedureStatus.AccountExists));
        Assert.Throws<InvalidOperationException>(() => PostingOutcomes.CodeOf((ProcedureStatus)13));
    }

    [Theory]
    [InlineData((int)ProcedureStatus.DebitAccountNotFound, true, "The source account 'alice' does not exist.")]
    [InlineData((int)ProcedureStatus.CreditAccountNotFound, true, "The destination account 'alice' does not exist.")]
    [InlineData((int)ProcedureStatus.DebitAccountNotFound, false, "The account 'alice' does not exist.")]
    [InlineData((int)ProcedureStatus.InsufficientFunds, false, "The account 'alice' has insufficient funds for this transaction.")]
    [InlineData((int)ProcedureStatus.VersionMismatch, false, "The account 'alice' is no longer at the expected version; nothing changed. Read it again and decide anew.")]
    public void ErrorOf_NamesTheAccountTheProcedureNamed(int status, bool transfer, string message)
    {
        var error = PostingOutcomes.ErrorOf(new PostingOutcome((ProcedureStatus)status, false, "alice", null), Transfer, transfer);

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ErrorOf_ReversalOfAMissingTransfer_IsTransferNotFoundForTheTransferApi()
    {
        var reversal = Transfer with { Legs = [], ReversalOf = Guid.CreateVersion7() };
        var outcome = new PostingOutcome(ProcedureStatus.TransactionToReverseNotFound, false, null, null);

        Assert.Equal(LedgerErrorCode.TransferNotFound, PostingOutcomes.ErrorOf(outcome, reversal, transfer: true).Code);
        Assert.Equal(LedgerErrorCode.TransactionNotFound, PostingOutcomes.ErrorOf(outcome, reversal, transfer: false).Code);
    }

    [Fact]
    public void ErrorOf_AmountTooPrecise_IsAValidationErrorNamingTheField()
    {
        var outcome = new PostingOutcome(ProcedureStatus.AmountPrecision, false, null, null);

        Assert.Contains("amount", PostingOutcomes.ErrorOf(outcome, Transfer, transfer: true).FieldErrors.Keys);
        Assert.Contains("legs", PostingOutcomes.ErrorOf(outcome, Transfer, transfer: false).FieldErrors.Keys);
    }
}
