using Ledger.Storage;

namespace Ledger.Posting;

/// <summary>One leg to post: an account and a signed amount in major units, with the version the caller expects.</summary>
internal sealed record LegCommand(string AccountId, decimal Amount, long? ExpectedVersion = null);

/// <summary>One transaction for <c>ledger_post_transactions</c>: legs (empty for a reversal, whose legs the procedure
/// derives from <see cref="ReversalOf"/>), and what is recorded with it. <see cref="ReversedLegs"/>, for a reversal,
/// is the number of legs the transaction it reverses must have (2 for the transfer API), else any.</summary>
internal sealed record PostingCommand(
    Guid Id,
    IReadOnlyList<LegCommand> Legs,
    string? Currency,
    DateTime? ClientTimestamp,
    string? Reference,
    Guid? ReversalOf,
    string PostedBy,
    string? CorrelationId,
    int? ReversedLegs = null)
{
    /// <summary>What two batches in flight at once must not share: the accounts of the legs, and for a reversal the
    /// transaction it reverses (account ids hold no ':', so the two never collide).</summary>
    public IEnumerable<string> Keys =>
        ReversalOf is { } original ? [$"reversal:{original:N}"] : Legs.Select(leg => leg.AccountId);
}

/// <summary>A posted leg as the procedure answers it (minor units).</summary>
internal sealed record LegRow(string AccountId, long Amount, long BalanceAfter, long Version);

/// <summary>A posted transaction as the procedure or a read answers it; <see cref="Legs"/> in account order.</summary>
internal sealed record TransactionRow(
    Guid Id,
    string Currency,
    int Scale,
    DateTime? ClientTimestamp,
    DateTime PostedAt,
    string PostedBy,
    string? CorrelationId,
    string? Reference,
    Guid? ReversalOf,
    IReadOnlyList<LegRow> Legs)
{
    /// <summary>The balances this transaction left, for the cache.</summary>
    public IEnumerable<BalanceSnapshot> Snapshots =>
        Legs.Select(leg => new BalanceSnapshot(leg.AccountId, leg.BalanceAfter, leg.Version, Currency, Scale));
}

/// <summary>The procedure's answer for one transaction: its status, whether it is the recorded outcome of an earlier
/// request, the account a refusal is about, and the transaction for status 0 and 1.</summary>
internal sealed record PostingOutcome(ProcedureStatus Status, bool Replayed, string? Account, TransactionRow? Transaction);
