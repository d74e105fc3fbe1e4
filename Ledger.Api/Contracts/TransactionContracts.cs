using System.ComponentModel.DataAnnotations;
using Ledger;

namespace Ledger.Api.Contracts;

/// <summary>A transaction to post: 2 to 100 legs in one currency that sum to zero, posted together or not at all.</summary>
public sealed class PostTransactionBody
{
    /// <summary>The transaction id (a UUID) and idempotency key: posting it again with the same content returns the
    /// original transaction. Assigned (UUIDv7) when left out, but then a retry cannot be recognised.</summary>
    /// <example>0193a6f3-1d2e-7f40-8a5b-6c7d8e9f0a12</example>
    public Guid? Id { get; init; }

    /// <summary>The legs: 2 to 100, each account at most once, with amounts that sum to zero (negative debits,
    /// positive credits). The example splits a payment of 59.99 by alice between a merchant (58.19) and the fees
    /// account (1.80).</summary>
    /// <example>[{"accountId": "alice", "amount": -59.99}, {"accountId": "merchant", "amount": 58.19}, {"accountId": "fees", "amount": 1.80}]</example>
    [Required]
    public IReadOnlyList<TransactionLegBody?>? Legs { get; init; }

    /// <summary>The currency the caller expects; must be every account's currency when given.</summary>
    /// <example>USD</example>
    public string? Currency { get; init; }

    /// <summary>The caller's timestamp (ISO 8601), at most 5 minutes in the future.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>A free-text reference, at most 256 characters.</summary>
    /// <example>order 2026-1187</example>
    public string? Reference { get; init; }
}

/// <summary>One leg of a transaction to post.</summary>
public sealed class TransactionLegBody
{
    /// <summary>The account; an account appears at most once in a transaction.</summary>
    /// <example>alice</example>
    [Required]
    public string? AccountId { get; init; }

    /// <summary>The amount in major units (a JSON number or numeric string): negative debits the account, positive
    /// credits it; never zero, with no more fraction digits than the currency has.</summary>
    /// <example>-100.00</example>
    [Required]
    public decimal? Amount { get; init; }

    /// <summary>Post only if the account is still at this version (the <c>version</c> of the account or balance the
    /// caller read); otherwise 409 version_mismatch and nothing changes.</summary>
    /// <example>7</example>
    public long? ExpectedVersion { get; init; }
}

/// <summary>A posted transaction.</summary>
/// <param name="Id">The transaction id.</param>
/// <param name="Currency">The ISO 4217 currency code of every leg.</param>
/// <param name="Legs">The legs, in the order of the accounts' ids.</param>
/// <param name="Timestamp">The caller's timestamp, or when it was posted.</param>
/// <param name="PostedAt">When the ledger committed it (UTC).</param>
/// <param name="Status">Always <c>posted</c>: refused transactions change nothing and are not stored.</param>
/// <param name="PostedBy">The name of the API key that posted it.</param>
/// <param name="Reference">The caller's reference.</param>
/// <param name="CorrelationId">The correlation id of the request that posted it.</param>
/// <param name="ReversalOf">For a reversal, the transaction it compensates.</param>
public sealed record TransactionResponse(
    Guid Id,
    string Currency,
    IReadOnlyList<TransactionLegResponse> Legs,
    DateTimeOffset Timestamp,
    DateTimeOffset PostedAt,
    string Status,
    string PostedBy,
    string? Reference,
    string? CorrelationId,
    Guid? ReversalOf)
{
    internal static TransactionResponse From(Transaction transaction) => new(
        transaction.Id, transaction.Currency, [.. transaction.Legs.Select(TransactionLegResponse.From)], transaction.Timestamp,
        transaction.PostedAt, "posted", transaction.PostedBy, transaction.Reference, transaction.CorrelationId, transaction.ReversalOf);
}

/// <summary>One posted leg.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="Amount">Negative for a debit, positive for a credit, in major units.</param>
/// <param name="BalanceAfter">The account's balance right after this leg.</param>
/// <param name="Version">The account version this leg produced.</param>
public sealed record TransactionLegResponse(string AccountId, decimal Amount, decimal BalanceAfter, long Version)
{
    internal static TransactionLegResponse From(TransactionLeg leg) =>
        new(leg.AccountId, leg.Amount.Amount, leg.BalanceAfter.Amount, leg.Version);
}

/// <summary>Up to 1,000 transactions posted with one request, each with its own outcome, or all or none.</summary>
public sealed class PostTransactionsBody
{
    /// <summary>The transactions, 1 to 1,000, each with the shape of the body of <c>POST /v1/transactions</c>; posted in
    /// this order (a later one sees the balances the earlier ones left). The ids given must be distinct; give every
    /// item an id, or a retry of the request cannot be recognised. The example pays a merchant and then splits a
    /// payment between the merchant and the fees account.</summary>
    /// <example>[{"id": "0193a6f3-1d2e-7f40-8a5b-6c7d8e9f0a12", "legs": [{"accountId": "alice", "amount": -25.00}, {"accountId": "merchant", "amount": 25.00}], "reference": "order 2026-1187"}, {"id": "0193a6f3-1d2e-7f40-8a5b-6c7d8e9f0a13", "legs": [{"accountId": "alice", "amount": -59.99}, {"accountId": "merchant", "amount": 58.19}, {"accountId": "fees", "amount": 1.80}], "reference": "order 2026-1188"}]</example>
    [Required]
    public IReadOnlyList<PostTransactionBody?>? Items { get; init; }

    /// <summary>false (the default): each item is posted or refused on its own, and the answer is 200 with every item's
    /// outcome. true: every item is posted (or replayed) or none is and nothing changes; the first item at fault is
    /// answered as the problem of the whole request, with its index in <c>item</c>.</summary>
    /// <example>false</example>
    public bool? Atomic { get; init; }
}

/// <summary>Every item's outcome, in the order of the request.</summary>
/// <param name="Items">One outcome per item of the request, in the same order.</param>
public sealed record PostTransactionsResponse(IReadOnlyList<TransactionOutcomeResponse> Items);

/// <summary>One item's outcome: what <c>POST /v1/transactions</c> would have answered for it alone.</summary>
/// <param name="Status">201 posted; 200 a replay of an earlier post of the same id and content (nothing posted again);
/// or the 4xx of its refusal (400, 409, 422).</param>
/// <param name="Code">The refusal's stable code (as a problem's <c>code</c>); absent for 201 and 200.</param>
/// <param name="Detail">The refusal in words; absent for 201 and 200.</param>
/// <param name="Errors">For validation_failed: messages per field of the item (<c>legs[1].amount</c>).</param>
/// <param name="Replayed">true when this is the recorded outcome of an earlier request with the same id and content
/// (a 200, or a refusal that was final for the id), as the Idempotent-Replayed header says for a single post.</param>
/// <param name="Transaction">The posted (or replayed) transaction; absent for a refusal.</param>
public sealed record TransactionOutcomeResponse(
    int Status,
    string? Code,
    string? Detail,
    IReadOnlyDictionary<string, string[]>? Errors,
    bool Replayed,
    TransactionResponse? Transaction)
{
    internal static TransactionOutcomeResponse From(LedgerResult<Transaction> result, int refusalStatus) => result.IsSuccess
        ? new(result.Replayed ? 200 : 201, null, null, null, result.Replayed, TransactionResponse.From(result.Value))
        : new(refusalStatus, result.Error.CodeName, result.Error.Message,
            result.Error.FieldErrors.Count == 0 ? null : result.Error.FieldErrors, result.Replayed, null);
}
