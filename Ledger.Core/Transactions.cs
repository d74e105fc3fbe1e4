namespace Ledger;

/// <summary>One leg of a transaction to post: an account and the signed amount it moves.</summary>
public sealed record TransactionLegRequest
{
    /// <summary>The account. Required; an account appears at most once in a transaction.</summary>
    public string? AccountId { get; init; }

    /// <summary>The amount in major units: negative debits the account, positive credits it; never zero, with no more
    /// fraction digits than the currency has.</summary>
    public decimal Amount { get; init; }

    /// <summary>Client-side optimistic locking: when set, the transaction posts only if the account is still at this
    /// version (the <see cref="Account.Version"/> or <see cref="Balance.Version"/> the caller read), else it is refused
    /// with <see cref="LedgerErrorCode.VersionMismatch"/> and nothing changes. Not part of the content compared on a
    /// replay, and a refusal for it is not final: the same id may be posted again with a fresh version.</summary>
    public long? ExpectedVersion { get; init; }
}

/// <summary>A transaction to post: 2 to 100 legs in one currency that sum to zero. A transfer is the two-leg case.</summary>
public sealed record PostTransactionRequest
{
    /// <summary>The transaction id, the idempotency key: the same id with the same content returns the original outcome;
    /// with other content (other legs included) it is <see cref="LedgerErrorCode.IdempotencyConflict"/>. When null the
    /// ledger assigns a UUIDv7.</summary>
    public Guid? Id { get; init; }

    /// <summary>The legs: 2 to 100, each account at most once, summing to zero. Required.</summary>
    public IReadOnlyList<TransactionLegRequest>? Legs { get; init; }

    /// <summary>The currency the caller expects; when given it must be every account's currency.</summary>
    public string? Currency { get; init; }

    /// <summary>The caller's timestamp of the transaction; at most <see cref="LedgerOptions.MaxClockSkew"/> in the future.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>A free-text reference of at most 256 characters.</summary>
    public string? Reference { get; init; }

    /// <summary>Who posts it (recorded on the transaction). Defaults to <see cref="LedgerOptions.DefaultActor"/>.</summary>
    public string? PostedBy { get; init; }

    /// <summary>The correlation id of the calling request, recorded on the transaction.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>A reversal: the compensating transaction of a posted one (every leg negated), linked to it; at most one
/// per transaction.</summary>
public sealed record ReverseTransactionRequest
{
    /// <summary>The transaction (or transfer) to reverse. Required.</summary>
    public Guid TransactionId { get; init; }

    /// <summary>The reversal's own id. When null it is derived from <see cref="TransactionId"/>, so a retry without an id
    /// is the same reversal; a second reversal of the same transaction is refused either way.</summary>
    public Guid? Id { get; init; }

    /// <summary>A free-text reference of at most 256 characters, for example why it was reversed.</summary>
    public string? Reference { get; init; }

    /// <summary>Who reverses it. Defaults to <see cref="LedgerOptions.DefaultActor"/>.</summary>
    public string? PostedBy { get; init; }

    /// <summary>The correlation id of the calling request.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>One posted leg: the account, the signed amount, and the balance and version it left.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="Amount">Negative for a debit, positive for a credit.</param>
/// <param name="BalanceAfter">The account's balance right after this leg.</param>
/// <param name="Version">The account version this leg produced.</param>
public sealed record TransactionLeg(string AccountId, Money Amount, Money BalanceAfter, long Version);

/// <summary>A posted transaction: legs in one currency that sum to zero, committed together.</summary>
/// <param name="Id">The transaction id.</param>
/// <param name="Currency">The currency of every leg.</param>
/// <param name="Legs">The legs, in the order of the accounts' ids (byte order).</param>
/// <param name="Timestamp">The caller's timestamp when it gave one, otherwise <paramref name="PostedAt"/>.</param>
/// <param name="PostedAt">When the ledger committed it (UTC).</param>
/// <param name="PostedBy">Who posted it (the API key's name for HTTP callers).</param>
/// <param name="CorrelationId">The correlation id of the request that posted it, when there was one.</param>
/// <param name="Reference">The caller's free-text reference, when given.</param>
/// <param name="ReversalOf">For a reversal, the id of the transaction it compensates.</param>
public sealed record Transaction(
    Guid Id,
    string Currency,
    IReadOnlyList<TransactionLeg> Legs,
    DateTimeOffset Timestamp,
    DateTimeOffset PostedAt,
    string PostedBy,
    string? CorrelationId,
    string? Reference,
    Guid? ReversalOf);

/// <summary>Several transactions posted with one call (at most <see cref="MaxItems"/>): each item is a
/// <see cref="PostTransactionRequest"/>, validated and posted exactly as <see cref="ILedger.PostTransactionAsync"/>
/// would, and gets its own outcome; or, with <see cref="Atomic"/>, all are posted or none.</summary>
public sealed record PostTransactionsRequest
{
    /// <summary>The most transactions one request carries: 1,000.</summary>
    public const int MaxItems = 1000;

    /// <summary>The transactions, 1 to <see cref="MaxItems"/>, posted in this order (a later one sees the balances the
    /// earlier ones left). The ids that are given must be distinct. Required.</summary>
    public IReadOnlyList<PostTransactionRequest>? Items { get; init; }

    /// <summary>False (the default): each item is posted or refused on its own. True: every item is posted (or
    /// replayed), or none is and nothing changes (no balance, no transaction, no recorded refusal); the refusal then
    /// names the first item at fault in <see cref="LedgerError.Item"/>.</summary>
    public bool Atomic { get; init; }
}

/// <summary>The outcome of every item of a <see cref="PostTransactionsRequest"/>, in input order: each the result a
/// single <see cref="ILedger.PostTransactionAsync"/> of that item would have answered (posted, replayed, or refused
/// with its code).</summary>
public sealed class PostTransactionsResult
{
    internal PostTransactionsResult(IReadOnlyList<LedgerResult<Transaction>> items) => Items = items;

    /// <summary>One result per item of the request, in the same order.</summary>
    public IReadOnlyList<LedgerResult<Transaction>> Items { get; }
}
