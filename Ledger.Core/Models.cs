namespace Ledger;

/// <summary>An account: its currency, balance, overdraft limit and version.</summary>
/// <param name="Id">The account id: 1 to 64 characters of <c>A-Za-z0-9._-</c>, case-sensitive.</param>
/// <param name="Balance">The current balance.</param>
/// <param name="OverdraftLimit">How far below zero the balance may go; zero means it may not go negative.</param>
/// <param name="Version">Goes up by one with every balance change; 0 for a new account.</param>
/// <param name="CreatedAt">When the account was created (UTC).</param>
public sealed record Account(string Id, Money Balance, Money OverdraftLimit, long Version, DateTimeOffset CreatedAt)
{
    /// <summary>The account's currency.</summary>
    public string Currency => Balance.Currency;
}

/// <summary>Where a balance was read from.</summary>
public enum BalanceSource
{
    /// <summary>The Redis cache, kept current by write-through after every commit.</summary>
    Cache = 0,

    /// <summary>The database, because the cache had no entry or was unavailable.</summary>
    Database = 1,
}

/// <summary>A balance as of a version of the account.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="Amount">The balance.</param>
/// <param name="Version">The account version this balance belongs to.</param>
/// <param name="Source">Whether it came from the cache or the database.</param>
public sealed record Balance(string AccountId, Money Amount, long Version, BalanceSource Source);

/// <summary>A posted transfer.</summary>
/// <param name="Id">The transfer id (a UUID; UUIDv7 when the ledger assigned it).</param>
/// <param name="SourceAccountId">The debited account.</param>
/// <param name="DestinationAccountId">The credited account.</param>
/// <param name="Amount">The amount moved; always positive.</param>
/// <param name="Timestamp">The caller's timestamp when it gave one, otherwise <paramref name="PostedAt"/>.</param>
/// <param name="PostedAt">When the ledger committed the transfer (UTC).</param>
/// <param name="PostedBy">Who posted it (the API key's name for HTTP callers).</param>
/// <param name="CorrelationId">The correlation id of the request that posted it, when there was one.</param>
/// <param name="Reference">The caller's free-text reference, when given.</param>
/// <param name="ReversalOf">For a reversal, the id of the transfer it compensates.</param>
public sealed record Transfer(
    Guid Id,
    string SourceAccountId,
    string DestinationAccountId,
    Money Amount,
    DateTimeOffset Timestamp,
    DateTimeOffset PostedAt,
    string PostedBy,
    string? CorrelationId,
    string? Reference,
    Guid? ReversalOf);

/// <summary>One side of a transfer on one account.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="Version">The account version this entry produced.</param>
/// <param name="TransferId">The transfer.</param>
/// <param name="Amount">Negative for a debit, positive for a credit.</param>
/// <param name="BalanceAfter">The account's balance right after this entry.</param>
/// <param name="PostedAt">When it was posted (UTC).</param>
public sealed record Entry(string AccountId, long Version, Guid TransferId, Money Amount, Money BalanceAfter, DateTimeOffset PostedAt);

/// <summary>A page of an account's entries, newest first.</summary>
/// <param name="Items">The entries, newest (highest version) first.</param>
/// <param name="NextBefore">Pass as <c>before</c> to get the next (older) page; null when this is the last page.</param>
public sealed record EntryPage(IReadOnlyList<Entry> Items, long? NextBefore);
