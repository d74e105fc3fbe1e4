namespace Ledger.Storage;

internal sealed record AccountRow(
    string Id, string Currency, int Scale, long Balance, long OverdraftLimit, long Version, DateTime CreatedAt);

internal sealed record EntryRow(string AccountId, long Version, Guid TransferId, long Amount, long BalanceAfter, DateTime PostedAt);

/// <summary>An account's balance as of a version; what the cache holds and the outbox carries.</summary>
internal readonly record struct BalanceSnapshot(string AccountId, long Balance, long Version, string Currency, int Scale);

internal sealed record CreateAccountOutcome(ProcedureStatus Status, AccountRow? Account);
