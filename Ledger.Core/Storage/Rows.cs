namespace Ledger.Storage;

internal sealed record AccountRow(
    string Id, string Currency, int Scale, long Balance, long OverdraftLimit, long Version, DateTime CreatedAt);

internal sealed record TransferRow(
    Guid Id,
    string SourceAccountId,
    string DestinationAccountId,
    long Amount,
    string Currency,
    int Scale,
    DateTime? ClientTimestamp,
    DateTime PostedAt,
    string PostedBy,
    string? CorrelationId,
    string? Reference,
    Guid? ReversalOf);

internal sealed record EntryRow(string AccountId, long Version, Guid TransferId, long Amount, long BalanceAfter, DateTime PostedAt);

/// <summary>An account's balance as of a version; what the cache holds and the outbox carries.</summary>
internal readonly record struct BalanceSnapshot(string AccountId, long Balance, long Version, string Currency, int Scale);

internal sealed record PostTransferCommand(
    Guid Id,
    string SourceAccountId,
    string DestinationAccountId,
    decimal Amount,
    string? Currency,
    DateTime? ClientTimestamp,
    string? Reference,
    Guid? ReversalOf,
    string PostedBy,
    string? CorrelationId,
    DateTime PostedAt);

internal sealed record PostTransferOutcome(
    ProcedureStatus Status,
    bool Replayed,
    TransferRow? Transfer,
    BalanceSnapshot? Source = null,
    BalanceSnapshot? Destination = null);

internal sealed record CreateAccountOutcome(ProcedureStatus Status, AccountRow? Account);
