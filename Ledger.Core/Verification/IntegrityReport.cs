namespace Ledger;

/// <summary>What <see cref="ILedger.VerifyAsync"/> found.</summary>
/// <param name="Ok">True when no mismatch was found (stale cache entries do not count; a cache that failed during the
/// check leaves the cache unchecked and is logged, not reported).</param>
/// <param name="CheckedAccounts">How many accounts were checked.</param>
/// <param name="CheckedTransfers">How many transactions were checked, transfers (the two-leg transactions) and
/// reversals included. The name dates from when every posting was a transfer and is kept for compatibility.</param>
/// <param name="CheckedCurrencies">How many currencies (those that have accounts) had their balance sum checked.</param>
/// <param name="StaleCacheEntries">Cached balances whose version is not the database's at the time of the check. Older
/// ones are not a fault: a write-through that failed leaves its outbox row, which the sweeper applies; the account's
/// next posting does too. Newer ones (a version the database has still not reached when it is read again after the
/// cache) are balances the database never had, from a copy of the database that shares its identity or from before
/// a restore: nothing repairs them, reads answer them until their keys are deleted, and the check logs them as a
/// Warning (event 6004) naming the accounts. Neither kind is a mismatch, since against a replica that lags, a cached
/// version can be ahead for a moment.</param>
/// <param name="Mismatches">Every mismatch found, up to the report's limit, in the order found: currencies, then
/// accounts by id (a page's cache comparisons after its database checks), then transactions by id.</param>
/// <param name="Truncated">True when there were more mismatches than the report holds.</param>
public sealed record IntegrityReport(
    bool Ok,
    long CheckedAccounts,
    long CheckedTransfers,
    long CheckedCurrencies,
    long StaleCacheEntries,
    IReadOnlyList<IntegrityMismatch> Mismatches,
    bool Truncated);

/// <summary>One thing that does not add up.</summary>
/// <param name="Kind">A stable name: <c>currency_sum_not_zero</c>, <c>balance_not_sum_of_entries</c>,
/// <c>version_not_entry_count</c>, <c>balance_after_mismatch</c>, <c>transfer_entry_count</c>,
/// <c>transfer_entries_do_not_cancel</c>, <c>transfer_entries_wrong_accounts</c>, <c>cache_disagrees</c>. The three
/// <c>transfer_*</c> kinds keep the names they had when every posting was a transfer, and apply to every transaction
/// (2 to 100 legs; a transfer is the two-leg case): its entry count is not its legs, its entries do not sum to 0, or
/// its entries are on the wrong accounts (an account in another currency than the transaction's, or, for a reversal,
/// entries that are not its original's negated).</param>
/// <param name="AccountId">The account concerned, when there is one.</param>
/// <param name="TransferId">The transaction (or transfer) concerned, when there is one.</param>
/// <param name="Currency">The currency concerned, when there is one.</param>
/// <param name="Expected">What the figures should be (minor units or counts, as text): 0 for a currency sum; the sum of
/// the entries, their count, or the last entry's balance-after for an account; for a transaction its legs (the entry
/// count), a sum of 0, its currency (when an entry is on an account of another currency), or for a reversal the
/// original's entries negated (<c>account amount, account amount, ...</c>, by amount then account); the database's
/// balance for the cache.</param>
/// <param name="Actual">What they are: the currency's sum; the account's balance or version; the transaction's entry
/// count, sum, the entries on accounts of another currency (<c>account currency, ...</c>), or the reversal's entries
/// (in the form of <paramref name="Expected"/>); the cached balance.</param>
/// <param name="Detail">A sentence for people.</param>
public sealed record IntegrityMismatch(
    string Kind,
    string? AccountId,
    Guid? TransferId,
    string? Currency,
    string Expected,
    string Actual,
    string Detail);
