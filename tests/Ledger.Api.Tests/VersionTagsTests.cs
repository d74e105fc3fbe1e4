using Ledger.Api.Infrastructure;

namespace Ledger.Api.Tests;

/// <summary>The account's version as an entity tag, and If-Match read as RFC 9110 says (sections 8.8.3 and 13.1.1):
/// <c>*</c> or a list of tags, compared strongly. No servers.</summary>
public sealed class VersionTagsTests
{
    [Theory]
    [InlineData(0L, "\"0\"")]
    [InlineData(7L, "\"7\"")]
    [InlineData(long.MaxValue, "\"9223372036854775807\"")]
    public void Format_Version_IsTheDecimalBetweenDoubleQuotes(long version, string expected)
    {
        Assert.Equal(expected, VersionTags.Format(version));
    }

    [Theory]
    [InlineData("\"7\"", new long[] { 7 })]
    [InlineData("\"0\"", new long[] { 0 })]
    [InlineData("\"9223372036854775807\"", new long[] { long.MaxValue })]
    [InlineData("\"7\", \"8\"", new long[] { 7, 8 })]
    [InlineData("\"7\",\"8\" ,  \"9\"", new long[] { 7, 8, 9 })]
    [InlineData("W/\"7\"", new long[0])]
    [InlineData("W/\"7\", \"8\"", new long[] { 8 })]
    [InlineData("\"07\"", new long[0])]
    [InlineData("\"+7\"", new long[0])]
    [InlineData("\"-1\"", new long[0])]
    [InlineData("\"9223372036854775808\"", new long[0])]
    [InlineData("\"abc\"", new long[0])]
    [InlineData("\"\"", new long[0])]
    public void TryParseIfMatch_Tags_NamesTheVersionsOfTheStrongOnesWrittenAsThisHostWritesThem(string value, long[] expected)
    {
        Assert.True(VersionTags.TryParseIfMatch(value, out var versions));

        Assert.Equal(expected, versions);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("*")]
    public void TryParseIfMatch_AbsentOrStar_IsNoCondition(string? value)
    {
        Assert.True(VersionTags.TryParseIfMatch(value, out var versions));

        Assert.Null(versions);
    }

    [Theory]
    [InlineData("7")]
    [InlineData("\"7")]
    [InlineData("W/7")]
    [InlineData("*, \"7\"")]
    [InlineData("\"7\" \"8\"")]
    [InlineData("")]
    [InlineData(" ")]
    public void TryParseIfMatch_NotAnIfMatch_IsFalse(string value)
    {
        Assert.False(VersionTags.TryParseIfMatch(value, out _));
    }
}
