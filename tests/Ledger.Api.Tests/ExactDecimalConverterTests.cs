using System.Globalization;
using Ledger.Api.Infrastructure;

namespace Ledger.Api.Tests;

/// <summary>A request's decimals are read exactly or refused; never rounded.</summary>
public sealed class ExactDecimalConverterTests
{
    [Theory]
    [InlineData("125.50", "125.5")]
    [InlineData("-0.01", "-0.01")]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("1e2", "100")]
    [InlineData("1.5E+3", "1500")]
    [InlineData("12345e-4", "1.2345")]
    [InlineData("1.50000000000000000000000000000000000000", "1.5")]
    [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    [InlineData("-7.9228162514264337593543950335", "-7.9228162514264337593543950335")]
    public void Parse_ExactNumber_IsItsValue(string text, string expected)
    {
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), ExactDecimalConverter.Parse(text));
    }

    [Theory]
    [InlineData("1.000000000000000000000000000001")] // 31 significant digits: decimal.Parse gives 1
    [InlineData("0.00000000000000000000000000001")]  // 29 decimal places
    [InlineData("79228162514264337593543950336")]    // one above decimal.MaxValue
    [InlineData("1e29")]
    [InlineData("1e400")]
    [InlineData("7.92281625142643375935439503351")]
    public void Parse_NumberADecimalCannotHoldExactly_IsRefused(string text)
    {
        Assert.Throws<InexactNumberException>(() => ExactDecimalConverter.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("01")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("+1")]
    [InlineData("1e")]
    [InlineData("1e99999")]
    [InlineData(" 1")]
    [InlineData("0x10")]
    public void Parse_NotAJsonNumber_IsAConversionError(string text)
    {
        var error = Assert.ThrowsAny<JsonException>(() => ExactDecimalConverter.Parse(text));
        Assert.IsNotType<InexactNumberException>(error);
    }
}
