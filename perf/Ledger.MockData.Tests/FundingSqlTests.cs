using System.Text;
using System.Text.RegularExpressions;
using Ledger.MockData;

namespace Ledger.MockData.Tests;

public class FundingSqlTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 30, 0, 123, TimeSpan.Zero);

    [Fact]
    public void AccountIds_Of_PadsTheNumberToEightDigits()
    {
        Assert.Equal("mock-00000042", AccountIds.Of("mock", 42));
        Assert.Equal("mock-bank", AccountIds.Bank("mock"));
        Assert.Equal(("mock-", "mock."), AccountIds.Range("mock"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("x'; DROP TABLE accounts; --")]
    [InlineData("p1234567890123456789012345678901234567890123456789012345")]
    public void AccountIds_ValidatePrefix_BadPrefix_Throws(string prefix) =>
        Assert.Throws<ArgumentException>(() => AccountIds.ValidatePrefix(prefix));

    [Fact]
    public void SeededBalances_SameSeed_SameBalancesWithinBounds()
    {
        var a = new SeededBalances(7, 100_000, 1_000_000);
        var b = new SeededBalances(7, 100_000, 1_000_000);
        var first = Enumerable.Range(0, 1000).Select(_ => a.Next()).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 1000).Select(_ => b.Next()).ToArray());
        Assert.All(first, x => Assert.InRange(x, 100_000, 1_000_000));
        Assert.NotEqual(first, Enumerable.Range(0, 1000).Select(_ => new SeededBalances(8, 100_000, 1_000_000).Next()).ToArray());
    }

    [Fact]
    public void Inserts_Chunk_BankEntriesRunOnFromItsVersionAndTheLedgerSumsToZero()
    {
        var sql = new FundingSql("mock", "USD");
        var accounts = new[]
        {
            new FundedAccount("mock-00000001", 1_000, Guid.CreateVersion7(Now)),
            new FundedAccount("mock-00000002", 250, Guid.CreateVersion7(Now)),
        };
        var before = new BankState(Version: 10, Balance: -5_000);

        var (text, after) = sql.Inserts(accounts, before, Now);

        Assert.Equal(new BankState(12, -6_250), after);
        Assert.Equal(-after.Balance, accounts.Sum(a => a.Balance) - before.Balance);
        Assert.Contains("('mock-bank',11,", text, StringComparison.Ordinal);
        Assert.Contains(",-1000,-6000,'2026-11-24 10:30:00.123000')", text, StringComparison.Ordinal);
        Assert.Contains("('mock-bank',12,", text, StringComparison.Ordinal);
        Assert.Contains(",-250,-6250,", text, StringComparison.Ordinal);
        Assert.Contains("('mock-00000002',1,", text, StringComparison.Ordinal);
        Assert.Contains("('mock-00000001','USD',1000,0,1,'2026-11-24 10:30:00.123000','mockdata',", text, StringComparison.Ordinal);
        Assert.Equal(4, Regex.Count(text, "^INSERT INTO ", RegexOptions.Multiline));
    }

    [Fact]
    public void MoveBank_IsGuardedByTheVersionAndBalanceBefore()
    {
        var text = new FundingSql("mock", "USD").MoveBank(new BankState(10, -5_000), new BankState(12, -6_250), Now);

        Assert.Equal(
            "UPDATE accounts SET balance = -6250, version = 12, updated_at = '2026-11-24 10:30:00.123000' WHERE id = 'mock-bank' AND version = 10 AND balance = -5000;",
            text);
    }

    [Fact]
    public void AppendId_WritesTheUuidBigEndian()
    {
        var sb = new StringBuilder();
        FundingSql.AppendId(sb, Guid.Parse("01234567-89ab-7cde-8f01-23456789abcd"));
        Assert.Equal("X'0123456789AB7CDE8F0123456789ABCD'", sb.ToString());
    }

    [Fact]
    public void Constructor_CurrencyNotThreeCapitals_Throws() =>
        Assert.Throws<ArgumentException>(() => new FundingSql("mock", "usd'"));
}
