using Ledger;

namespace Ledger.Api.Contracts;

/// <summary>The result of an integrity check.</summary>
/// <param name="Ok">True when no mismatch was found.</param>
/// <param name="CheckedAccounts">How many accounts were checked.</param>
/// <param name="CheckedTransfers">How many transactions were checked, transfers and reversals included (the name dates from when every posting was a transfer).</param>
/// <param name="CheckedCurrencies">How many currencies had their balance sum checked.</param>
/// <param name="StaleCacheEntries">Cached balances at another version than the database's: older ones catch up; newer ones the database never had (logged as Warning 6004) stay until their keys are deleted.</param>
/// <param name="Truncated">True when more mismatches were found than <c>mismatches</c> holds.</param>
/// <param name="Mismatches">The mismatches found, up to <c>maxMismatches</c>.</param>
public sealed record IntegrityResponse(
    bool Ok,
    long CheckedAccounts,
    long CheckedTransfers,
    long CheckedCurrencies,
    long StaleCacheEntries,
    bool Truncated,
    IReadOnlyList<IntegrityMismatchResponse> Mismatches)
{
    internal static IntegrityResponse From(IntegrityReport report) => new(
        report.Ok,
        report.CheckedAccounts,
        report.CheckedTransfers,
        report.CheckedCurrencies,
        report.StaleCacheEntries,
        report.Truncated,
        report.Mismatches.Select(m => new IntegrityMismatchResponse(
            m.Kind, m.AccountId, m.TransferId, m.Currency, m.Expected, m.Actual, m.Detail)).ToList());
}

/// <summary>One thing that does not add up.</summary>
/// <param name="Kind">currency_sum_not_zero, balance_not_sum_of_entries, version_not_entry_count,
/// balance_after_mismatch, transfer_entry_count, transfer_entries_do_not_cancel, transfer_entries_wrong_accounts or
/// cache_disagrees. The transfer_* kinds apply to every transaction, transfers included.</param>
/// <param name="AccountId">The account concerned, when there is one.</param>
/// <param name="TransferId">The transaction (or transfer) concerned, when there is one.</param>
/// <param name="Currency">The currency concerned, when there is one.</param>
/// <param name="Expected">What the figure should be, as text (amounts in minor units).</param>
/// <param name="Actual">What it is, as text (amounts in minor units).</param>
/// <param name="Detail">A sentence for people.</param>
public sealed record IntegrityMismatchResponse(
    string Kind,
    string? AccountId,
    Guid? TransferId,
    string? Currency,
    string Expected,
    string Actual,
    string Detail);
