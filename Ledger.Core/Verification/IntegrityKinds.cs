namespace Ledger.Verification;

/// <summary>The stable names of <see cref="IntegrityMismatch.Kind"/>. They are part of the contract (operators
/// alert and runbooks branch on them): never rename one.</summary>
internal static class IntegrityKinds
{
    public const string CurrencySumNotZero = "currency_sum_not_zero";
    public const string BalanceNotSumOfEntries = "balance_not_sum_of_entries";
    public const string VersionNotEntryCount = "version_not_entry_count";
    public const string BalanceAfterMismatch = "balance_after_mismatch";
    public const string TransferEntryCount = "transfer_entry_count";
    public const string TransferEntriesDoNotCancel = "transfer_entries_do_not_cancel";
    public const string TransferEntriesWrongAccounts = "transfer_entries_wrong_accounts";
    public const string CacheDisagrees = "cache_disagrees";
}
