using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// Reads every decimal of a request (amounts, overdraft limits) from the number's own text, as a JSON number or a
/// numeric string, and refuses one that a <see cref="decimal"/> cannot hold exactly (more than 28 decimal places, or
/// more significant digits than 96 bits hold) instead of rounding it, as <c>decimal.Parse</c> would:
/// <c>1.000000000000000000000000000001</c> is refused, never posted as 1. Trailing zeros cost nothing
/// (<c>1.50000000000000000000000000000000</c> is 1.5). Writes decimals as JSON numbers, as the default does.
/// </summary>
internal sealed class ExactDecimalConverter : JsonConverter<decimal>
{
    // 2^96 - 1: the largest coefficient a decimal holds.
    private static readonly BigInteger MaxCoefficient = (BigInteger.One << 96) - 1;

    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType is not (JsonTokenType.Number or JsonTokenType.String))
        {
            throw new JsonException("The JSON value could not be converted to System.Decimal: a number is expected.");
        }

        var text = reader.HasValueSequence
            ? Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence))
            : reader.TokenType == JsonTokenType.String ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);
        return Parse(text);
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteNumberValue(value);

    /// <summary>The exact value of a JSON number's text; <see cref="InexactNumberException"/> when a decimal cannot
    /// hold it exactly, <see cref="JsonException"/> when it is not a number.</summary>
    internal static decimal Parse(string text)
    {
        if (!TryDecompose(text, out var coefficient, out var exponent))
        {
            throw new JsonException("The JSON value could not be converted to System.Decimal: it is not a number.");
        }

        var negative = text.StartsWith('-');
        if (coefficient.IsZero)
        {
            return 0m;
        }

        // Move trailing zeros of the coefficient into the exponent, then see whether a decimal holds it.
        while (exponent < 0 && coefficient % 10 == 0)
        {
            coefficient /= 10;
            exponent++;
        }

        if (exponent > 28)
        {
            coefficient = MaxCoefficient + 1;
        }
        else if (exponent > 0)
        {
            coefficient *= BigInteger.Pow(10, exponent);
            exponent = 0;
        }

        if (exponent >= 0 && coefficient > MaxCoefficient)
        {
            throw new InexactNumberException("The number is too large.");
        }

        if (-exponent > 28 || coefficient > MaxCoefficient)
        {
            throw new InexactNumberException(
                "The number has more digits than can be held exactly (at most 28 decimal places and 28 significant digits); it is refused, never rounded.");
        }

        var bits = coefficient.ToByteArray(isUnsigned: true, isBigEndian: false);
        Array.Resize(ref bits, 12);
        return new decimal(BitConverter.ToInt32(bits, 0), BitConverter.ToInt32(bits, 4), BitConverter.ToInt32(bits, 8), negative, (byte)-exponent);
    }

    /// <summary>JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? as coefficient × 10^exponent.</summary>
    private static bool TryDecompose(string text, out BigInteger coefficient, out int exponent)
    {
        coefficient = BigInteger.Zero;
        exponent = 0;
        var i = 0;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        var integerStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        var integer = text[integerStart..i];
        if (integer.Length == 0 || (integer.Length > 1 && integer[0] == '0'))
        {
            return false;
        }

        var fraction = string.Empty;
        if (i < text.Length && text[i] == '.')
        {
            var fractionStart = ++i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            fraction = text[fractionStart..i];
            if (fraction.Length == 0)
            {
                return false;
            }
        }

        var power = 0;
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            var exponentStart = i;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var digitsStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            // An exponent this large could only overflow or underflow; it is not a number a person means as money.
            if (i == digitsStart || i - digitsStart > 4 ||
                !int.TryParse(text.AsSpan(exponentStart, i - exponentStart), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out power))
            {
                return false;
            }
        }

        if (i != text.Length)
        {
            return false;
        }

        // Trailing zeros of the fraction do not change the value (1.50000... is 1.5).
        fraction = fraction.TrimEnd('0');
        var digits = (integer + fraction).TrimStart('0');
        if (digits.Length > 100)
        {
            // Far beyond any decimal: no need to build the number to refuse it.
            coefficient = MaxCoefficient + 1;
            exponent = 0;
            return true;
        }

        coefficient = digits.Length == 0 ? BigInteger.Zero : BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        exponent = power - fraction.Length;
        return true;
    }
}

/// <summary>A number a decimal cannot hold exactly: refused rather than rounded.</summary>
internal sealed class InexactNumberException(string message) : JsonException(message);
