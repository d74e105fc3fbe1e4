namespace Ledger;

/// <summary>Exact conversions between major-unit decimals at the edge and minor-unit integers inside.</summary>
internal static class Amounts
{
    /// <summary>No ISO 4217 currency has more than four minor-unit digits (CLF, UYW).</summary>
    public const int MaxScale = 4;

    /// <summary>Amounts must be below 10^14 major units; with at most four digits that fits a 64-bit integer with room
    /// for sums, and anything larger is a mistake.</summary>
    public static readonly decimal MaxMajorAmount = 100_000_000_000_000m;

    private static readonly decimal[] PowersOfTen = [1m, 10m, 100m, 1_000m, 10_000m];

    public static decimal ToMajor(long minorUnits, int scale)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, MaxScale);
        // Built from the integer and the scale directly: exact, and it keeps the currency's digits (150 cents is
        // 1.50, not 1.5).
        var magnitude = minorUnits < 0 ? (ulong)(-(minorUnits + 1)) + 1UL : (ulong)minorUnits;
        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, minorUnits < 0, (byte)scale);
    }

    /// <summary>The number of fraction digits the value needs, ignoring trailing zeros (1.50 needs 1).</summary>
    public static int FractionDigits(decimal value)
    {
        // value * 10^(digits-1) cannot overflow: a decimal with scale s is below 7.9e28 / 10^s.
        int digits = value.Scale;
        while (digits > 0)
        {
            var shifted = value * Pow10(digits - 1);
            if (decimal.Truncate(shifted) != shifted)
            {
                break;
            }

            digits--;
        }

        return digits;
    }

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10m;
        }

        return result;
    }

    /// <summary>Converts to minor units when the amount has no more fraction digits than the scale allows and fits.</summary>
    public static bool TryToMinor(decimal amount, int scale, out long minorUnits)
    {
        minorUnits = 0;
        if (scale is < 0 or > MaxScale || FractionDigits(amount) > scale || Math.Abs(amount) >= MaxMajorAmount)
        {
            return false;
        }

        minorUnits = (long)(amount * PowersOfTen[scale]);
        return true;
    }

    /// <summary>Checks a transfer amount before the currency is known: positive, below the maximum, and with no
    /// more than <see cref="MaxScale"/> fraction digits. Returns the message for the caller, or null when valid.</summary>
    public static string? CheckTransferAmount(decimal amount)
    {
        if (amount <= 0m)
        {
            return "The amount must be greater than zero.";
        }

        if (amount >= MaxMajorAmount)
        {
            return "The amount is too large.";
        }

        return FractionDigits(amount) > MaxScale
            ? "The amount has more fraction digits than any currency allows."
            : null;
    }
}
