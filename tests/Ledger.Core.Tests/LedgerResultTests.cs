namespace Ledger.Core.Tests;

public sealed class LedgerResultTests
{
    [Fact]
    public void Success_Value_IsSuccessWithValueAndNoError()
    {
        var result = LedgerResult<string>.Success("posted");

        Assert.True(result.IsSuccess);
        Assert.Equal("posted", result.Value);
        Assert.Null(result.Error);
        Assert.False(result.Replayed);
    }

    [Fact]
    public void Success_Replayed_IsSuccessAndReplayed()
    {
        var result = LedgerResult<string>.Success("posted", replayed: true);

        Assert.True(result.IsSuccess);
        Assert.Equal("posted", result.Value);
        Assert.True(result.Replayed);
    }

    [Fact]
    public void Success_NullValue_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => LedgerResult<string>.Success(null!));
    }

    [Fact]
    public void Failure_Error_IsNotSuccessWithErrorAndNoValue()
    {
        var error = new LedgerError(LedgerErrorCode.InsufficientFunds, "Not enough money.");

        var result = LedgerResult<string>.Failure(error);

        Assert.False(result.IsSuccess);
        Assert.Same(error, result.Error);
        Assert.Null(result.Value);
        Assert.False(result.Replayed);
    }

    [Fact]
    public void Failure_CodeAndMessage_BuildsErrorWithoutFieldErrors()
    {
        var result = LedgerResult<string>.Failure(LedgerErrorCode.TransferNotFound, "No such transfer.");

        Assert.False(result.IsSuccess);
        Assert.Equal(LedgerErrorCode.TransferNotFound, result.Error.Code);
        Assert.Equal("No such transfer.", result.Error.Message);
        Assert.Empty(result.Error.FieldErrors);
    }

    [Fact]
    public void Failure_NullError_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => LedgerResult<string>.Failure(null!));
    }

    [Fact]
    public void Failure_BlankMessage_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => LedgerResult<string>.Failure(LedgerErrorCode.AccountNotFound, " "));
    }

    [Fact]
    public void ToString_Success_ShowsValue()
    {
        Assert.Equal("Success(posted)", LedgerResult<string>.Success("posted").ToString());
    }

    [Fact]
    public void ToString_Replayed_SaysReplayed()
    {
        Assert.Equal("Success(posted, replayed)", LedgerResult<string>.Success("posted", replayed: true).ToString());
    }

    [Fact]
    public void ToString_Failure_ShowsCodeNameAndMessage()
    {
        var result = LedgerResult<string>.Failure(LedgerErrorCode.AccountNotFound, "The account 'a' does not exist.");

        Assert.Equal("Failure(account_not_found: The account 'a' does not exist.)", result.ToString());
    }

    [Fact]
    public void ToString_SuccessWithRecord_UsesRecordToString()
    {
        var balance = new Balance("alice", new Money(150, "USD", 2), 3, BalanceSource.Database);

        var text = LedgerResult<Balance>.Success(balance).ToString();

        Assert.StartsWith("Success(Balance { AccountId = alice, Amount = 1.50 USD, Version = 3", text, StringComparison.Ordinal);
    }
}
