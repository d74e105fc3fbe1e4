using System.Globalization;
using CsCheck;

namespace Ledger.Core.Tests;

/// <summary>Money parsing and conversion: exact, scale-preserving, and refusing anything that would round.</summary>
public sealed class AmountsTests
{
    // Decimals cannot be attribute arguments, so rows give them as invariant strings; the string form also pins the
    // scale (trailing zeros), which decimal equality ignores.
    private static decimal D(string value) => decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);

    private static readonly long[] PowersOfTen = [1, 10, 100, 1_000, 10_000];

    [Theory]
    [InlineData(12345L, 2, "123.45")]
    [InlineData(150L, 2, "1.50")]
    [InlineData(-1L, 2, "-0.01")]
    [InlineData(-150L, 3, "-0.150")]
    [InlineData(0L, 0, "0")]
    [InlineData(0L, 2, "0.00")]
    [InlineData(5L, 0, "5")]
    [InlineData(1L, 4, "0.0001")]
    [InlineData(1000L, 3, "1.000")]
    [InlineData(long.MaxValue, 4, "922337203685477.5807")]
    [InlineData(long.MinValue, 4, "-922337203685477.5808")]
    [InlineData(long.MaxValue, 0, "9223372036854775807")]
    [InlineData(long.MinValue, 0, "-9223372036854775808")]
    [InlineData(long.MinValue + 1, 2, "-92233720368547758.07")]
    public void ToMajor_MinorUnitsAndScale_ReturnsExactDecimalKeepingScale(long minorUnits, int scale, string expected)
    {
        var major = Amounts.ToMajor(minorUnits, scale);

        Assert.Equal(D(expected), major);
        Assert.Equal(scale, major.Scale);
        Assert.Equal(expected, major.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    [InlineData(28)]
    public void ToMajor_ScaleOutOfRange_Throws(int scale)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Amounts.ToMajor(1, scale));
        Assert.Equal("scale", ex.ParamName);
    }

    [Theory]
    [InlineData("1.50", 1)]
    [InlineData("1.00", 0)]
    [InlineData("0.0001", 4)]
    [InlineData("10", 0)]
    [InlineData("0.1000000000000000000000000001", 28)]
    [InlineData("0", 0)]
    [InlineData("0.000", 0)]
    [InlineData("-1.25", 2)]
    [InlineData("-0.00001", 5)]
    [InlineData("100.10", 1)]
    [InlineData("123.4500", 2)]
    [InlineData("79228162514264337593543950335", 0)]
    [InlineData("7.9228162514264337593543950335", 28)]
    [InlineData("-7.9228162514264337593543950330", 27)]
    public void FractionDigits_Value_IgnoresTrailingZeros(string value, int expected)
    {
        Assert.Equal(expected, Amounts.FractionDigits(D(value)));
    }

    [Theory]
    [InlineData("123.45", 2, 12345L)]
    [InlineData("1.5", 2, 150L)]
    [InlineData("1.50", 2, 150L)]
    [InlineData("1.500000", 2, 150L)]
    [InlineData("5", 0, 5L)]
    [InlineData("5.000", 0, 5L)]
    [InlineData("0", 4, 0L)]
    [InlineData("0.0001", 4, 1L)]
    [InlineData("1.234", 3, 1234L)]
    [InlineData("99999999999999", 0, 99_999_999_999_999L)]
    [InlineData("99999999999999.9999", 4, 999_999_999_999_999_999L)]
    // Negative amounts are converted too: the method documents only the digit and size limits (|amount| < 10^14);
    // the sign is the caller's rule (transfer amounts and overdraft limits are checked before).
    [InlineData("-0.01", 2, -1L)]
    [InlineData("-99999999999999.9999", 4, -999_999_999_999_999_999L)]
    public void TryToMinor_FitsScaleAndRange_ReturnsMinorUnits(string amount, int scale, long expected)
    {
        Assert.True(Amounts.TryToMinor(D(amount), scale, out var minorUnits));
        Assert.Equal(expected, minorUnits);
    }

    [Theory]
    [InlineData("1.234", 2)] // more fraction digits than the currency has
    [InlineData("0.5", 0)]
    [InlineData("0.00001", 4)]
    [InlineData("0.1000000000000000000000000001", 4)]
    [InlineData("100000000000000", 0)] // == MaxMajorAmount
    [InlineData("-100000000000000", 0)]
    [InlineData("100000000000000.00", 2)]
    [InlineData("1000000000000000", 4)] // 1e15
    [InlineData("79228162514264337593543950335", 0)] // decimal.MaxValue
    [InlineData("1", -1)] // scale outside 0..MaxScale
    [InlineData("1", 5)]
    public void TryToMinor_TooManyDigitsOrTooLargeOrBadScale_ReturnsFalseAndZero(string amount, int scale)
    {
        Assert.False(Amounts.TryToMinor(D(amount), scale, out var minorUnits));
        Assert.Equal(0L, minorUnits);
    }

    [Theory]
    [InlineData("0.01")]
    [InlineData("1")]
    [InlineData("0.0001")]
    [InlineData("1.50000")] // trailing zeros do not count
    [InlineData("99999999999999.9999")]
    public void CheckTransferAmount_Valid_ReturnsNull(string amount)
    {
        Assert.Null(Amounts.CheckTransferAmount(D(amount)));
    }

    [Theory]
    [InlineData("0", "greater than zero")]
    [InlineData("0.0000", "greater than zero")]
    [InlineData("-1", "greater than zero")]
    [InlineData("-0.0001", "greater than zero")]
    [InlineData("100000000000000", "too large")]
    [InlineData("1000000000000000", "too large")]
    [InlineData("0.00001", "fraction digits")]
    [InlineData("1.12345", "fraction digits")]
    public void CheckTransferAmount_Invalid_ReturnsMessage(string amount, string expectedPart)
    {
        var message = Amounts.CheckTransferAmount(D(amount));

        Assert.NotNull(message);
        Assert.Contains(expectedPart, message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryToMinor_ToMajorOfAnyMinorInRange_RoundTripsExactly()
    {
        // |minor| < 10^(14 + scale) keeps the major amount below MaxMajorAmount.
        var gen = Gen.Int[0, Amounts.MaxScale].SelectMany(scale =>
        {
            var limit = 100_000_000_000_000L * PowersOfTen[scale] - 1;
            return Gen.Long[-limit, limit].Select(minor => (minor, scale));
        });

        gen.Sample((minor, scale) =>
        {
            var major = Amounts.ToMajor(minor, scale);
            Assert.True(Amounts.TryToMinor(major, scale, out var back), $"refused {major} at scale {scale}");
            Assert.Equal(minor, back);
        });
    }

    [Fact]
    public void TryToMinor_MoreFractionDigitsThanScale_Refuses()
    {
        // mantissa ends in a non-zero digit, so the value needs exactly `digits` fraction digits.
        var gen = Gen.Int[0, Amounts.MaxScale].SelectMany(scale =>
            Gen.Select(Gen.Long[0, 999_999_999_999_999L], Gen.Int[1, 9], Gen.Int[scale + 1, 28], Gen.Bool)
                .Select(t =>
                {
                    var mantissa = (ulong)t.Item1 * 10UL + (ulong)t.Item2;
                    var value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, t.Item4, (byte)t.Item3);
                    return (value, scale);
                }));

        gen.Sample((value, scale) =>
        {
            Assert.False(Amounts.TryToMinor(value, scale, out var minor), $"accepted {value} at scale {scale} as {minor}");
        });
    }

    [Fact]
    public void ToMajor_AnyLongAndScale_HasThatScaleAndIsExact()
    {
        Gen.Select(Gen.Long, Gen.Int[0, Amounts.MaxScale]).Sample((minor, scale) =>
        {
            var major = Amounts.ToMajor(minor, scale);
            Assert.Equal(scale, major.Scale);
            Assert.Equal((decimal)minor, major * PowersOfTen[scale]);
        });
    }

    [Fact]
    public void FractionDigits_AnyDecimal_IsMinimalDigitCount()
    {
        Gen.Decimal.Sample(value =>
        {
            var digits = Amounts.FractionDigits(value);
            Assert.InRange(digits, 0, value.Scale);
            Assert.Equal(decimal.Round(value, digits), value);
            if (digits > 0)
            {
                Assert.NotEqual(decimal.Round(value, digits - 1), value);
            }
        });
    }

    [Theory]
    [InlineData(12345L, "USD", 2, "123.45")]
    [InlineData(150L, "USD", 2, "1.50")]
    [InlineData(-1L, "USD", 2, "-0.01")]
    [InlineData(500L, "JPY", 0, "500")]
    [InlineData(1000L, "KWD", 3, "1.000")]
    [InlineData(1L, "CLF", 4, "0.0001")]
    public void Money_Amount_IsMajorUnitsWithCurrencyScale(long minorUnits, string currency, int scale, string expected)
    {
        var money = new Money(minorUnits, currency, scale);

        Assert.Equal(expected, money.Amount.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(scale, money.Amount.Scale);
    }

    [Theory]
    [InlineData(12345L, "USD", 2, "123.45 USD")]
    [InlineData(150L, "USD", 2, "1.50 USD")]
    [InlineData(-1L, "USD", 2, "-0.01 USD")]
    [InlineData(500L, "JPY", 0, "500 JPY")]
    [InlineData(-1234567L, "KWD", 3, "-1234.567 KWD")]
    public void Money_ToString_IsInvariantAmountThenCurrency(long minorUnits, string currency, int scale, string expected)
    {
        Assert.Equal(expected, new Money(minorUnits, currency, scale).ToString());
    }

    [Fact]
    public void Money_ToString_CommaDecimalCulture_StillUsesInvariantFormat()
    {
        // The test host runs with invariant globalization, so a comma culture is made by hand.
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NumberGroupSeparator = ".";
        comma.NumberFormat.NegativeSign = "\u2212";
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = comma;
        try
        {
            Assert.Equal("-1234.56 EUR", new Money(-123456, "EUR", 2).ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Money_SameFields_AreEqual()
    {
        Assert.Equal(new Money(150, "USD", 2), new Money(150, "USD", 2));
        Assert.NotEqual(new Money(150, "USD", 2), new Money(150, "EUR", 2));
    }
}
