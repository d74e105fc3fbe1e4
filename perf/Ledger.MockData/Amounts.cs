using System.Globalization;

namespace Ledger.MockData;

/// <summary>Exact conversions between major units (as people and the HTTP API write them) and the integer minor
/// units the database stores.</summary>
internal static class Amounts
{
    /// <summary>10^<paramref name="digits"/> for 0 to 4 fraction digits (ISO 4217 uses at most 4).</summary>
    public static long Scale(int digits) => digits switch
    {
        0 => 1,
        1 => 10,
        2 => 100,
        3 => 1_000,
        4 => 10_000,
        _ => throw new ArgumentOutOfRangeException(nameof(digits), digits, "0 to 4 fraction digits."),
    };

    /// <summary>The amount in minor units; refuses an amount with more fraction digits than <paramref name="digits"/>
    /// rather than rounding it.</summary>
    public static long ToMinor(decimal major, int digits)
    {
        var scaled = major * Scale(digits);
        if (scaled != decimal.Truncate(scaled))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{major} has more than {digits} fraction digits."));
        }

        return (long)scaled;
    }

    /// <summary>Minor units written in major units with exactly <paramref name="digits"/> fraction digits, e.g.
    /// 12345 with 2 digits is "123.45".</summary>
    public static string Format(long minor, int digits) =>
        ((decimal)minor / Scale(digits)).ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
