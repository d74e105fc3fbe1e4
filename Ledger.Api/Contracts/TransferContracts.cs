using System.ComponentModel.DataAnnotations;
using Ledger;

namespace Ledger.Api.Contracts;

/// <summary>A transfer to post.</summary>
public sealed class PostTransferBody
{
    /// <summary>The transfer id (a UUID) and idempotency key: posting it again returns the original transfer.
    /// Assigned (UUIDv7) when left out, but then a retry cannot be recognised.</summary>
    /// <example>0193a6f2-7c4e-7d2a-9b1e-3f5c8a2d4e61</example>
    public Guid? Id { get; init; }

    /// <summary>The account to debit.</summary>
    /// <example>alice</example>
    [Required]
    public string? SourceAccountId { get; init; }

    /// <summary>The account to credit.</summary>
    /// <example>bob</example>
    [Required]
    public string? DestinationAccountId { get; init; }

    /// <summary>The amount in major units (a JSON number or numeric string), above zero, with no more fraction
    /// digits than the currency has.</summary>
    /// <example>125.50</example>
    [Required]
    public decimal? Amount { get; init; }

    /// <summary>The currency the caller expects; must be the accounts' currency when given.</summary>
    /// <example>USD</example>
    public string? Currency { get; init; }

    /// <summary>The caller's timestamp (ISO 8601), at most 5 minutes in the future.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>A free-text reference, at most 256 characters.</summary>
    /// <example>invoice 2026-0042</example>
    public string? Reference { get; init; }
}

/// <summary>A reversal of a posted transfer or transaction; the body may be left out.</summary>
public sealed class ReversalBody
{
    /// <summary>The reversal's own id (a UUID). When left out it is derived from the reversed transfer's or
    /// transaction's id, so a retry is recognised either way.</summary>
    public Guid? Id { get; init; }

    /// <summary>Why it is reversed, at most 256 characters.</summary>
    /// <example>duplicate payment</example>
    public string? Reference { get; init; }
}

/// <summary>A posted transfer.</summary>
/// <param name="Id">The transfer id.</param>
/// <param name="SourceAccountId">The debited account.</param>
/// <param name="DestinationAccountId">The credited account.</param>
/// <param name="Amount">The amount in major units.</param>
/// <param name="Currency">The ISO 4217 currency code.</param>
/// <param name="Timestamp">The caller's timestamp, or when it was posted.</param>
/// <param name="PostedAt">When the ledger committed it (UTC).</param>
/// <param name="Status">Always <c>posted</c>: refused transfers change nothing and are not stored.</param>
/// <param name="PostedBy">The name of the API key that posted it.</param>
/// <param name="Reference">The caller's reference.</param>
/// <param name="CorrelationId">The correlation id of the request that posted it.</param>
/// <param name="ReversalOf">For a reversal, the transfer it compensates.</param>
public sealed record TransferResponse(
    Guid Id,
    string SourceAccountId,
    string DestinationAccountId,
    decimal Amount,
    string Currency,
    DateTimeOffset Timestamp,
    DateTimeOffset PostedAt,
    string Status,
    string PostedBy,
    string? Reference,
    string? CorrelationId,
    Guid? ReversalOf)
{
    internal static TransferResponse From(Transfer transfer) => new(
        transfer.Id, transfer.SourceAccountId, transfer.DestinationAccountId, transfer.Amount.Amount, transfer.Amount.Currency,
        transfer.Timestamp, transfer.PostedAt, "posted", transfer.PostedBy, transfer.Reference, transfer.CorrelationId,
        transfer.ReversalOf);
}
