namespace Ledger.Verification;

/// <summary>The stable names of <see cref="IntegrityMismatch.Kind"/>. They are part of the contract (operators
/// alert and runbooks branch on them): never rename one. The three <c>transfer_*</c> kinds date from when every
/// posting was a transfer; they keep their names and apply to every transaction (2 to 100 legs), transfers being the
/// two-leg ones.</summary>
internal static class IntegrityKinds
{
    public const string CurrencySumNotZero = "currency_sum_not_zero";
    public const string BalanceNotSumOfEntries = "balance_not_sum_of_entries";
    public const string VersionNotEntryCount = "version_not_entry_count";
    public const string BalanceAfterMismatch = "balance_after_mismatch";

    /// <summary>A transaction's number of entries is not its <c>legs</c>.</summary>
    public const string TransferEntryCount = "transfer_entry_count";

    /// <summary>A transaction's entries do not sum to zero.</summary>
    public const string TransferEntriesDoNotCancel = "transfer_entries_do_not_cancel";

    /// <summary>A transaction has an entry on an account of another currency, or a reversal's entries are not its
    /// original's negated.</summary>
    public const string TransferEntriesWrongAccounts = "transfer_entries_wrong_accounts";

    public const string CacheDisagrees = "cache_disagrees";
}
