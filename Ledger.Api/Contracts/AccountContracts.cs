using System.ComponentModel.DataAnnotations;
using Ledger;

namespace Ledger.Api.Contracts;

/// <summary>An account to open.</summary>
public sealed class CreateAccountBody
{
    /// <summary>The account id: 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'. Assigned when left out.</summary>
    /// <example>alice</example>
    public string? Id { get; init; }

    /// <summary>The ISO 4217 currency code.</summary>
    /// <example>USD</example>
    [Required]
    public string? Currency { get; init; }

    /// <summary>How far below zero the balance may go, in major units. Default 0: no overdraft.</summary>
    /// <example>1000</example>
    public decimal? OverdraftLimit { get; init; }
}

/// <summary>A change of an account's settings.</summary>
public sealed class UpdateAccountBody
{
    /// <summary>The new overdraft limit in major units, zero or more.</summary>
    /// <example>500</example>
    [Required]
    public decimal? OverdraftLimit { get; init; }
}

/// <summary>An account.</summary>
/// <param name="Id">The account id.</param>
/// <param name="Currency">The ISO 4217 currency code.</param>
/// <param name="Balance">The balance in major units.</param>
/// <param name="OverdraftLimit">How far below zero the balance may go, in major units.</param>
/// <param name="Version">Goes up by one with every balance change.</param>
/// <param name="CreatedAt">When the account was opened (UTC).</param>
public sealed record AccountResponse(string Id, string Currency, decimal Balance, decimal OverdraftLimit, long Version, DateTimeOffset CreatedAt)
{
    internal static AccountResponse From(Account account) => new(
        account.Id, account.Currency, account.Balance.Amount, account.OverdraftLimit.Amount, account.Version, account.CreatedAt);
}

/// <summary>A balance.</summary>
/// <param name="AccountId">The account id.</param>
/// <param name="Currency">The ISO 4217 currency code.</param>
/// <param name="Balance">The balance in major units.</param>
/// <param name="Version">The account version the balance belongs to.</param>
public sealed record BalanceResponse(string AccountId, string Currency, decimal Balance, long Version)
{
    internal static BalanceResponse From(Balance balance) =>
        new(balance.AccountId, balance.Amount.Currency, balance.Amount.Amount, balance.Version);
}

/// <summary>One entry of an account.</summary>
/// <param name="TransferId">The transfer the entry belongs to.</param>
/// <param name="Amount">Negative for a debit, positive for a credit, in major units.</param>
/// <param name="BalanceAfter">The balance right after this entry.</param>
/// <param name="Version">The account version this entry produced.</param>
/// <param name="PostedAt">When it was posted (UTC).</param>
public sealed record EntryResponse(Guid TransferId, decimal Amount, decimal BalanceAfter, long Version, DateTimeOffset PostedAt);

/// <summary>A page of entries, newest first.</summary>
/// <param name="Items">The entries.</param>
/// <param name="Next">Pass as <c>before</c> for the next, older page; null on the last page.</param>
public sealed record EntriesResponse(IReadOnlyList<EntryResponse> Items, string? Next)
{
    internal static EntriesResponse From(EntryPage page) => new(
        page.Items.Select(e => new EntryResponse(e.TransferId, e.Amount.Amount, e.BalanceAfter.Amount, e.Version, e.PostedAt)).ToList(),
        page.NextBefore?.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
