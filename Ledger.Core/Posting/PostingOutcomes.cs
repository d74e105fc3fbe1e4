using Ledger.Storage;

namespace Ledger.Posting;

/// <summary>
/// The one table from the posting procedure's status to the ledger's error code (the host's <c>Problems</c> table maps
/// the code to HTTP; a test walks every row through both). Null for the two successes. A refusal that names an
/// account carries it in <see cref="PostingOutcome.Account"/>.
/// </summary>
internal static class PostingOutcomes
{
    /// <summary>Every status <c>ledger_post_transactions</c> answers.</summary>
    public static IReadOnlyList<ProcedureStatus> Statuses { get; } =
    [
        ProcedureStatus.Done, ProcedureStatus.Replayed, ProcedureStatus.IdempotencyConflict,
        ProcedureStatus.DebitAccountNotFound, ProcedureStatus.CreditAccountNotFound, ProcedureStatus.CurrencyMismatch,
        ProcedureStatus.InsufficientFunds, ProcedureStatus.AmountPrecision, ProcedureStatus.TransactionToReverseNotFound,
        ProcedureStatus.AlreadyReversed, ProcedureStatus.BalanceOutOfRange, ProcedureStatus.VersionMismatch,
    ];

    public static LedgerErrorCode? CodeOf(ProcedureStatus status) => status switch
    {
        ProcedureStatus.Done or ProcedureStatus.Replayed => null,
        ProcedureStatus.IdempotencyConflict => LedgerErrorCode.IdempotencyConflict,
        ProcedureStatus.DebitAccountNotFound or ProcedureStatus.CreditAccountNotFound => LedgerErrorCode.AccountNotFound,
        ProcedureStatus.CurrencyMismatch => LedgerErrorCode.CurrencyMismatch,
        ProcedureStatus.InsufficientFunds => LedgerErrorCode.InsufficientFunds,
        ProcedureStatus.AmountPrecision => LedgerErrorCode.ValidationFailed,
        ProcedureStatus.TransactionToReverseNotFound => LedgerErrorCode.TransactionNotFound,
        ProcedureStatus.AlreadyReversed => LedgerErrorCode.AlreadyReversed,
        ProcedureStatus.BalanceOutOfRange => LedgerErrorCode.BalanceOutOfRange,
        ProcedureStatus.VersionMismatch => LedgerErrorCode.VersionMismatch,
        _ => throw new InvalidOperationException($"ledger_post_transactions returned the unknown status {(int)status}."),
    };

    /// <summary>The refusal for <paramref name="outcome"/> (which is not a success), in the words of a transfer or of a
    /// transaction.</summary>
    public static LedgerError ErrorOf(PostingOutcome outcome, PostingCommand command, bool transfer)
    {
        var code = CodeOf(outcome.Status) ?? throw new ArgumentException("A success is not a refusal.", nameof(outcome));
        var kind = transfer ? "transfer" : "transaction";
        var account = outcome.Account;
        var message = outcome.Status switch
        {
            ProcedureStatus.IdempotencyConflict =>
                $"The {kind} id {command.Id} was used before for a request with different content.",
            ProcedureStatus.DebitAccountNotFound => transfer
                ? $"The source account '{account}' does not exist."
                : $"The account '{account}' does not exist.",
            ProcedureStatus.CreditAccountNotFound => transfer
                ? $"The destination account '{account}' does not exist."
                : $"The account '{account}' does not exist.",
            ProcedureStatus.CurrencyMismatch => command.Currency is { } currency
                ? $"The accounts are not all in {currency}."
                : transfer ? "The source and destination accounts are in different currencies." : "The accounts are in different currencies.",
            ProcedureStatus.InsufficientFunds => transfer
                ? $"The source account '{account}' has insufficient funds for this transfer."
                : $"The account '{account}' has insufficient funds for this {(command.ReversalOf is null ? "transaction" : "reversal")}.",
            ProcedureStatus.BalanceOutOfRange => transfer
                ? $"The destination account '{account}' cannot hold a balance this large."
                : $"The account '{account}' cannot hold a balance this large.",
            ProcedureStatus.TransactionToReverseNotFound => $"No {kind} has the id {command.ReversalOf}.",
            ProcedureStatus.AlreadyReversed =>
                $"The {kind} {command.ReversalOf} has been reversed already; a {kind} is reversed at most once.",
            ProcedureStatus.VersionMismatch =>
                $"The account '{account}' is no longer at the expected version; nothing changed. Read it again and decide anew.",
            _ => null,
        };

        if (outcome.Status == ProcedureStatus.AmountPrecision)
        {
            var validation = new Validation();
            validation.Add(transfer ? "amount" : "legs", "An amount has more fraction digits than the currency allows.");
            return validation.ToError();
        }

        return new LedgerError(transfer && code == LedgerErrorCode.TransactionNotFound ? LedgerErrorCode.TransferNotFound : code, message!);
    }
}
