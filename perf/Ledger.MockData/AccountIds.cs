using System.Globalization;
using System.Text.RegularExpressions;

namespace Ledger.MockData;

/// <summary>How mock account ids are spelled: <c>prefix-00000042</c>, and the funding bank <c>prefix-bank</c>.
/// The width is fixed (not derived from the count) so that a CSV for the first N accounts names the same ids
/// whatever number of accounts was created.</summary>
internal static partial class AccountIds
{
    /// <summary>Digits of the account number.</summary>
    public const int NumberWidth = 8;

    /// <summary>The most accounts one prefix can hold.</summary>
    public const int MaxAccounts = 99_999_999;

    /// <summary>The longest prefix that leaves room for "-" and the number within the ledger's 64 characters.</summary>
    public const int MaxPrefixLength = 64 - 1 - NumberWidth;

    /// <summary>The id of account <paramref name="number"/> (1-based).</summary>
    public static string Of(string prefix, int number) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-{number:D8}");

    /// <summary>The account every mock account is funded from.</summary>
    public static string Bank(string prefix) => prefix + "-bank";

    /// <summary>Bounds of the ids that start with <c>prefix-</c>, for <c>id &gt;= From AND id &lt; To</c> under a
    /// binary collation ('.' is the byte after '-'), which uses the primary key and needs no LIKE escaping.</summary>
    public static (string From, string To) Range(string prefix) => (prefix + "-", prefix + ".");

    /// <summary>Throws <see cref="ArgumentException"/> unless the prefix is usable in account ids.</summary>
    public static void ValidatePrefix(string prefix)
    {
        if (!PrefixPattern().IsMatch(prefix))
        {
            throw new ArgumentException(
                $"--prefix '{prefix}': 1 to {MaxPrefixLength} of A-Za-z0-9._- (account ids are at most 64 characters).");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,55}$")]
    private static partial Regex PrefixPattern();
}
