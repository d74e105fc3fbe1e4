namespace Ledger.Core.Tests;

public sealed class ValidationTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("A")]
    [InlineData("0")]
    [InlineData("alice")]
    [InlineData("acct-1")]
    [InlineData("acct_1")]
    [InlineData("acct.1")]
    [InlineData("...")]
    [InlineData("-")]
    [InlineData("ABCxyz019._-")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")] // 64
    public void IsAccountId_Valid_ReturnsTrue(string value)
    {
        Assert.True(Validation.IsAccountId(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")] // 65
    [InlineData(" ")]
    [InlineData("alice bob")]
    [InlineData(" alice")]
    [InlineData("alice ")]
    [InlineData("alice\t")]
    [InlineData("ü")]
    [InlineData("älice")]
    [InlineData("abc\n")] // $ would match before a final newline; the pattern must not
    [InlineData("abc\r\n")]
    [InlineData("\nabc")]
    [InlineData("abc\0")]
    [InlineData("a'b")]
    [InlineData("a\"b")]
    [InlineData("'; DROP TABLE accounts; --")]
    [InlineData("a' OR '1'='1")]
    [InlineData("a/b")]
    [InlineData("a:b")]
    [InlineData("a{b}")] // braces would break the Redis hash tag
    [InlineData("a+b")]
    [InlineData("a%")]
    [InlineData("\u0661\u0662\u0663")] // Arabic-Indic digits are not 0-9
    [InlineData("\uFF41\uFF42\uFF43")] // fullwidth abc
    [InlineData("\u212A")] // Kelvin sign, a case variant of K
    [InlineData("\u0130")] // dotted capital I
    public void IsAccountId_Invalid_ReturnsFalse(string? value)
    {
        Assert.False(Validation.IsAccountId(value));
    }

    [Theory]
    [InlineData("USD")]
    [InlineData("EUR")]
    [InlineData("JPY")]
    [InlineData("XAU")]
    public void IsCurrencyCode_ThreeCapitals_ReturnsTrue(string value)
    {
        Assert.True(Validation.IsCurrencyCode(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("usd")]
    [InlineData("Usd")]
    [InlineData("US")]
    [InlineData("USDD")]
    [InlineData("US1")]
    [InlineData("USD\n")]
    [InlineData(" USD")]
    [InlineData("USD ")]
    [InlineData("U D")]
    [InlineData("\u00DCSD")] // Ü
    [InlineData("\u212ARW")] // Kelvin sign
    public void IsCurrencyCode_Invalid_ReturnsFalse(string? value)
    {
        Assert.False(Validation.IsCurrencyCode(value));
    }

    [Fact]
    public void MaxLengthConstants_MatchTheContract()
    {
        Assert.Equal(64, Validation.MaxAccountIdLength);
        Assert.Equal(256, Validation.MaxReferenceLength);
        Assert.Equal(100, Validation.MaxActorLength);
        Assert.Equal(64, Validation.MaxCorrelationIdLength);
    }

    [Fact]
    public void IsValid_NothingAdded_IsTrue()
    {
        Assert.True(new Validation().IsValid);
    }

    [Fact]
    public void AccountId_RequiredAndNull_AddsRequiredMessage()
    {
        var validation = new Validation();

        validation.AccountId("sourceAccountId", null);

        Assert.False(validation.IsValid);
        Assert.Equal(["The account id is required."], validation.ToError().FieldErrors["sourceAccountId"]);
    }

    [Fact]
    public void AccountId_OptionalAndNull_IsValid()
    {
        var validation = new Validation();

        validation.AccountId("id", null, required: false);

        Assert.True(validation.IsValid);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AccountId_Malformed_AddsFormatMessage(bool required)
    {
        var validation = new Validation();

        validation.AccountId("id", "bad id", required);

        var message = Assert.Single(validation.ToError().FieldErrors["id"]);
        Assert.Contains("1 to 64 characters", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AccountId_Valid_AddsNothing()
    {
        var validation = new Validation();

        validation.AccountId("id", "alice");

        Assert.True(validation.IsValid);
    }

    [Fact]
    public void Currency_RequiredAndNull_AddsRequiredMessage()
    {
        var validation = new Validation();

        validation.Currency("currency", null, required: true);

        Assert.Equal(["The currency is required."], validation.ToError().FieldErrors["currency"]);
    }

    [Fact]
    public void Currency_OptionalAndNull_IsValid()
    {
        var validation = new Validation();

        validation.Currency("currency", null, required: false);

        Assert.True(validation.IsValid);
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("USD\n")]
    public void Currency_Malformed_AddsFormatMessage(string value)
    {
        var validation = new Validation();

        validation.Currency("currency", value, required: false);

        var message = Assert.Single(validation.ToError().FieldErrors["currency"]);
        Assert.Contains("ISO 4217", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("abcde", true)]
    [InlineData("abcdef", false)]
    public void MaxLength_Value_AcceptsUpToTheLimit(string? value, bool expectedValid)
    {
        var validation = new Validation();

        validation.MaxLength("reference", value, 5);

        Assert.Equal(expectedValid, validation.IsValid);
        if (!expectedValid)
        {
            Assert.Equal(["At most 5 characters."], validation.ToError().FieldErrors["reference"]);
        }
    }

    [Fact]
    public void Add_SameFieldTwice_KeepsBothMessagesInOrder()
    {
        var validation = new Validation();

        validation.Add("destinationAccountId", "First.");
        validation.Add("destinationAccountId", "Second.");

        Assert.Equal(["First.", "Second."], validation.ToError().FieldErrors["destinationAccountId"]);
    }

    [Fact]
    public void ToError_SeveralFields_IsValidationFailedNamingEveryField()
    {
        var validation = new Validation();
        validation.Add("amount", "Too small.");
        validation.Add("currency", "Unknown.");

        var error = validation.ToError();

        Assert.Equal(LedgerErrorCode.ValidationFailed, error.Code);
        Assert.Equal("validation_failed", error.CodeName);
        Assert.Equal(["amount", "currency"], error.FieldErrors.Keys.Order(StringComparer.Ordinal));
        Assert.StartsWith("The request is not valid: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("amount: Too small.", error.Message, StringComparison.Ordinal);
        Assert.Contains("currency: Unknown.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToError_FieldNames_AreCaseSensitive()
    {
        var validation = new Validation();
        validation.Add("amount", "a");
        validation.Add("Amount", "b");

        var error = validation.ToError();

        Assert.Equal(2, error.FieldErrors.Count);
        Assert.False(error.FieldErrors.ContainsKey("AMOUNT"));
    }
}
