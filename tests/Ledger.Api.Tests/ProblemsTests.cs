using Ledger.Api.Infrastructure;

namespace Ledger.Api.Tests;

/// <summary>The one table from a ledger refusal to its answer (<see cref="Problems.StatusOf"/>, <see cref="Problems.Codes"/>),
/// row by row, so that a new code cannot fall through to a 500 or to the generic title. No servers.</summary>
public sealed class ProblemsTests
{
    /// <summary>Every <see cref="LedgerErrorCode"/>, with the status it is answered with when an account it names was in
    /// the path (a GET) and in the body (a post).</summary>
    public static TheoryData<LedgerErrorCode, int, int> Statuses => new()
    {
        { LedgerErrorCode.ValidationFailed, 400, 400 },
        { LedgerErrorCode.AccountNotFound, 404, 422 },
        { LedgerErrorCode.TransferNotFound, 404, 404 },
        { LedgerErrorCode.InsufficientFunds, 422, 422 },
        { LedgerErrorCode.CurrencyMismatch, 422, 422 },
        { LedgerErrorCode.IdempotencyConflict, 409, 409 },
        { LedgerErrorCode.ConcurrencyConflict, 409, 409 },
        { LedgerErrorCode.AccountExists, 409, 409 },
        { LedgerErrorCode.AlreadyReversed, 409, 409 },
        { LedgerErrorCode.Overloaded, 503, 503 },
        { LedgerErrorCode.BalanceOutOfRange, 422, 422 },
        { LedgerErrorCode.VersionMismatch, 409, 409 },
        { LedgerErrorCode.TransactionNotFound, 404, 404 },
        { LedgerErrorCode.PreconditionFailed, 412, 412 },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public void StatusOf_Code_IsItsDocumentedStatus(LedgerErrorCode code, int inPath, int inBody)
    {
        Assert.Equal(inPath, Problems.StatusOf(code));
        Assert.Equal(inBody, Problems.StatusOf(code, accountInBody: true));
    }

    [Fact]
    public void StatusOf_EveryLedgerErrorCode_HasARow()
    {
        Assert.Equal(
            Enum.GetValues<LedgerErrorCode>().Order(),
            Statuses.Select(row => (LedgerErrorCode)row[0]).Order());
    }

    [Fact]
    public void Codes_EveryLedgerErrorCode_HasATitleOfItsOwn()
    {
        var generic = Problems.TitleOf("no such code");

        Assert.All(Enum.GetValues<LedgerErrorCode>(), code =>
            Assert.NotEqual(generic, Problems.TitleOf(LedgerError.ToCodeName(code))));
        Assert.Equal(Problems.Codes.Count, Problems.Codes.Select(c => c.Title).Distinct(StringComparer.Ordinal).Count());
    }
}
