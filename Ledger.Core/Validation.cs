using System.Text.RegularExpressions;

namespace Ledger;

/// <summary>Collects field errors of a request; field names are the camelCase names of the HTTP contract.</summary>
internal sealed partial class Validation
{
    public const int MaxAccountIdLength = 64;
    public const int MaxReferenceLength = 256;
    public const int MaxActorLength = 100;
    public const int MaxCorrelationIdLength = 64;

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public static bool IsAccountId(string? value) => value is not null && AccountIdPattern().IsMatch(value);

    public static bool IsCurrencyCode(string? value) => value is not null && CurrencyPattern().IsMatch(value);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            list = [];
            _errors[field] = list;
        }

        list.Add(message);
    }

    public void AccountId(string field, string? value, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, "The account id is required.");
            }

            return;
        }

        if (!IsAccountId(value))
        {
            Add(field, $"An account id is 1 to {MaxAccountIdLength} characters of A-Z, a-z, 0-9, '.', '_' and '-'.");
        }
    }

    public void Currency(string field, string? value, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, "The currency is required.");
            }

            return;
        }

        if (!IsCurrencyCode(value))
        {
            Add(field, "A currency is a three-letter ISO 4217 code in capitals, for example USD.");
        }
    }

    /// <summary>
    /// Free text a person will read back (a reference): normalised to Unicode NFC by <see cref="NormalizeText"/>, then
    /// at most <paramref name="maxLength"/> characters, with no control character (NUL, CR, LF, TAB, ...), no
    /// bidirectional formatting character (which can make a statement line read other than it is stored, U+202E
    /// among them) and no unpaired surrogate.
    /// </summary>
    public void Text(string field, string? value, int maxLength)
    {
        if (value is null)
        {
            return;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c))
            {
                Add(field, $"Control characters are not allowed (U+{(int)c:X4} at position {i + 1}).");
                return;
            }

            if (IsBidiFormatting(c))
            {
                Add(field, $"Bidirectional formatting characters are not allowed (U+{(int)c:X4} at position {i + 1}).");
                return;
            }

            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])))
            {
                Add(field, $"The text is not valid Unicode (an unpaired surrogate at position {i + 1}).");
                return;
            }

            if (char.IsHighSurrogate(c))
            {
                i++;
            }
        }

        MaxLength(field, NormalizeText(value), maxLength);
    }

    /// <summary>Free text as the ledger stores and compares it: Unicode NFC, so the same words typed on two systems
    /// are the same reference (and a replay of a request is recognised as the same content).</summary>
    public static string? NormalizeText(string? value) =>
        value is null || value.IsNormalized(System.Text.NormalizationForm.FormC) ? value : value.Normalize(System.Text.NormalizationForm.FormC);

    private static bool IsBidiFormatting(char c) =>
        c is '؜' or '‎' or '‏' or (>= '‪' and <= '‮') or (>= '⁦' and <= '⁩');

    public void MaxLength(string field, string? value, int maxLength)
    {
        if (value is not null && value.Length > maxLength)
        {
            Add(field, $"At most {maxLength} characters.");
        }
    }

    /// <summary>Who asks and the request's correlation id: both recorded, both bounded by their columns.</summary>
    public void Attribution(string actorField, string? actor, string? correlationId)
    {
        MaxLength(actorField, actor, MaxActorLength);
        MaxLength("correlationId", correlationId, MaxCorrelationIdLength);
    }

    public LedgerError ToError() => new(
        LedgerErrorCode.ValidationFailed,
        "The request is not valid: " + string.Join(" ", _errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")),
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^[A-Z]{3}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();
}
