using System.Text.RegularExpressions;

namespace Ledger.Core.Tests;

/// <summary>The error codes are a wire contract: names and numbers never change.</summary>
public sealed partial class LedgerErrorTests
{
    public static TheoryData<LedgerErrorCode, string> CodeNames => new()
    {
        { LedgerErrorCode.ValidationFailed, "validation_failed" },
        { LedgerErrorCode.AccountNotFound, "account_not_found" },
        { LedgerErrorCode.TransferNotFound, "transfer_not_found" },
        { LedgerErrorCode.InsufficientFunds, "insufficient_funds" },
        { LedgerErrorCode.CurrencyMismatch, "currency_mismatch" },
        { LedgerErrorCode.IdempotencyConflict, "idempotency_conflict" },
        { LedgerErrorCode.ConcurrencyConflict, "concurrency_conflict" },
        { LedgerErrorCode.AccountExists, "account_exists" },
        { LedgerErrorCode.AlreadyReversed, "already_reversed" },
        { LedgerErrorCode.Overloaded, "overloaded" },
        { LedgerErrorCode.BalanceOutOfRange, "balance_out_of_range" },
        { LedgerErrorCode.VersionMismatch, "version_mismatch" },
        { LedgerErrorCode.TransactionNotFound, "transaction_not_found" },
        { LedgerErrorCode.PreconditionFailed, "precondition_failed" },
    };

    public static TheoryData<LedgerErrorCode, int> CodeNumbers => new()
    {
        { LedgerErrorCode.ValidationFailed, 1 },
        { LedgerErrorCode.AccountNotFound, 2 },
        { LedgerErrorCode.TransferNotFound, 3 },
        { LedgerErrorCode.InsufficientFunds, 4 },
        { LedgerErrorCode.CurrencyMismatch, 5 },
        { LedgerErrorCode.IdempotencyConflict, 6 },
        { LedgerErrorCode.ConcurrencyConflict, 7 },
        { LedgerErrorCode.AccountExists, 8 },
        { LedgerErrorCode.AlreadyReversed, 9 },
        { LedgerErrorCode.Overloaded, 10 },
        { LedgerErrorCode.BalanceOutOfRange, 11 },
        { LedgerErrorCode.VersionMismatch, 12 },
        { LedgerErrorCode.TransactionNotFound, 14 },
        { LedgerErrorCode.PreconditionFailed, 13 },
    };

    [Theory]
    [MemberData(nameof(CodeNames))]
    public void ToCodeName_Code_ReturnsDocumentedSnakeCaseName(LedgerErrorCode code, string expected)
    {
        Assert.Equal(expected, LedgerError.ToCodeName(code));
        Assert.Equal(expected, new LedgerError(code, "Something went wrong.").CodeName);
    }

    [Theory]
    [MemberData(nameof(CodeNumbers))]
    public void LedgerErrorCode_Value_IsPinned(LedgerErrorCode code, int expected)
    {
        Assert.Equal(expected, (int)code);
    }

    [Fact]
    public void LedgerErrorCode_EveryValue_IsPinnedByTheTables()
    {
        // A new code must be added to both tables above, so its name and number are pinned too.
        var values = Enum.GetValues<LedgerErrorCode>().Order().ToArray();

        Assert.Equal(values, CodeNames.Select(row => (LedgerErrorCode)row[0]).Order());
        Assert.Equal(values, CodeNumbers.Select(row => (LedgerErrorCode)row[0]).Order());
    }

    [Fact]
    public void ToCodeName_EveryEnumValue_HasDistinctSnakeCaseName()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var code in Enum.GetValues<LedgerErrorCode>())
        {
            var name = LedgerError.ToCodeName(code);
            Assert.Matches(SnakeCase(), name);
            Assert.True(names.Add(name), $"{code} shares the name {name}");
        }
    }

    [Fact]
    public void LedgerErrorCode_Values_AreDistinctAndNeverZero()
    {
        var numbers = Enum.GetValues<LedgerErrorCode>().Select(code => (int)code).ToArray();

        Assert.Equal(numbers.Length, numbers.Distinct().Count());
        Assert.DoesNotContain(0, numbers);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void ToCodeName_UnknownValue_ThrowsArgumentOutOfRange(int value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => LedgerError.ToCodeName((LedgerErrorCode)value));
        Assert.Equal("code", ex.ParamName);
    }

    [Fact]
    public void Constructor_NoFieldErrors_HasEmptyFieldErrors()
    {
        var error = new LedgerError(LedgerErrorCode.InsufficientFunds, "Not enough money.");

        Assert.Equal(LedgerErrorCode.InsufficientFunds, error.Code);
        Assert.Equal("Not enough money.", error.Message);
        Assert.Empty(error.FieldErrors);
    }

    [Fact]
    public void Constructor_FieldErrors_KeepsThem()
    {
        var fields = new Dictionary<string, string[]>(StringComparer.Ordinal) { ["amount"] = ["Too small."] };

        var error = new LedgerError(LedgerErrorCode.ValidationFailed, "Invalid.", fields);

        Assert.Equal(["Too small."], error.FieldErrors["amount"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public void Constructor_BlankMessage_ThrowsArgumentException(string message)
    {
        Assert.Throws<ArgumentException>(() => new LedgerError(LedgerErrorCode.AccountNotFound, message));
    }

    [Fact]
    public void Constructor_NullMessage_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => new LedgerError(LedgerErrorCode.AccountNotFound, null!));
    }

    [Fact]
    public void ToString_Error_IsCodeNameColonMessage()
    {
        var error = new LedgerError(LedgerErrorCode.CurrencyMismatch, "The accounts are not both in USD.");

        Assert.Equal("currency_mismatch: The accounts are not both in USD.", error.ToString());
    }

    [GeneratedRegex("^[a-z]+(_[a-z]+)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SnakeCase();
}
