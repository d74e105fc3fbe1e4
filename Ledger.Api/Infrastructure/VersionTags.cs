using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// An account's version as an HTTP entity tag (RFC 9110, section 8.8.3): the strong tag <c>"&lt;version&gt;"</c>, the
/// version in decimal between double quotes. <c>GET /v1/accounts/{id}</c> sends it as <c>ETag</c>; <c>PATCH</c> reads
/// it back from <c>If-Match</c>.
/// </summary>
internal static class VersionTags
{
    public const string ETagHeader = "ETag";
    public const string IfMatchHeader = "If-Match";

    public static string Format(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>Reads an If-Match field value: null (no condition) when absent or <c>*</c>, which asks only that the
    /// account exists; otherwise the versions its strong tags name. A weak tag never matches in If-Match (RFC 9110,
    /// section 13.1.1, strong comparison), nor does a strong tag that is not a version in the form this host writes
    /// (<c>"07"</c>, <c>"abc"</c>), so the list may be empty: no version can satisfy it. False when the value is not an
    /// If-Match at all (<c>7</c> without quotes, for example).</summary>
    public static bool TryParseIfMatch(string? value, out IReadOnlyList<long>? versions)
    {
        versions = null;
        if (value is null)
        {
            return true;
        }

        if (!EntityTagHeaderValue.TryParseStrictList([value], out var tags) || tags is null || tags.Count == 0)
        {
            return false;
        }

        if (tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any)))
        {
            // "*" stands alone (If-Match = "*" / #entity-tag).
            return tags.Count == 1;
        }

        var named = new List<long>(tags.Count);
        foreach (var tag in tags)
        {
            if (!tag.IsWeak && TryParseVersion(tag.Tag.AsSpan(), out var version))
            {
                named.Add(version);
            }
        }

        versions = named;
        return true;
    }

    /// <summary>The version of a strong tag written by <see cref="Format"/>: quoted decimal digits without a sign or
    /// leading zeros, so that strong comparison of the texts and comparison of the numbers agree.</summary>
    private static bool TryParseVersion(ReadOnlySpan<char> quoted, out long version)
    {
        version = 0;
        if (quoted.Length < 3 || quoted[0] != '"' || quoted[^1] != '"')
        {
            return false;
        }

        var digits = quoted[1..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out version) &&
               (digits.Length == 1 || digits[0] != '0');
    }
}
