using Ledger.MockData;

namespace Ledger.MockData.Tests;

public class TransferCsvTests
{
    [Theory]
    [InlineData(1234, 2, "12.34")]
    [InlineData(5, 2, "0.05")]
    [InlineData(700, 2, "7.00")]
    [InlineData(42, 0, "42")]
    [InlineData(12345, 3, "12.345")]
    public void Amounts_Format_WritesExactlyTheCurrencyDigits(long minor, int digits, string expected) =>
        Assert.Equal(expected, Amounts.Format(minor, digits));

    [Fact]
    public void Amounts_ToMinor_MoreFractionDigitsThanTheCurrency_Throws()
    {
        Assert.Equal(123_450, Amounts.ToMinor(1234.5m, 2));
        Assert.Throws<ArgumentException>(() => Amounts.ToMinor(1.234m, 2));
    }

    [Fact]
    public void Line_FormatsIdAccountsAndAmount()
    {
        var line = TransferCsv.Line(Guid.Parse("0193a6f2-7c4e-7d2a-9b1e-3f5c8a2d4e61"), "mock-00000001", "mock-00000002", 12_550, 2);
        Assert.Equal("0193a6f2-7c4e-7d2a-9b1e-3f5c8a2d4e61,mock-00000001,mock-00000002,125.50", line);
        Assert.Equal("id,source,destination,amount", TransferCsv.Header);
    }

    [Fact]
    public void Planner_SameSeed_SameTransfers()
    {
        var a = new TransferPlanner(42, 1000, 0.5, 10, 100, 2000);
        var b = new TransferPlanner(42, 1000, 0.5, 10, 100, 2000);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(a.Next(), b.Next());
        }
    }

    [Fact]
    public void Planner_Hot_ShareTouchesHotAccountsAndSidesDifferAndAmountsInRange()
    {
        var planner = new TransferPlanner(1, 1000, 0.5, 10, 100, 2000);
        const int N = 20_000;
        var hot = 0;
        for (var i = 0; i < N; i++)
        {
            var t = planner.Next();
            Assert.NotEqual(t.Source, t.Destination);
            Assert.InRange(t.Source, 1, 1000);
            Assert.InRange(t.Destination, 1, 1000);
            Assert.InRange(t.Amount, 100, 2000);
            hot += t.Source <= 10 || t.Destination <= 10 ? 1 : 0;
        }

        // 50 % chosen hot, plus about 2 % that hit a hot account by chance among the rest.
        Assert.InRange(hot / (double)N, 0.49, 0.54);
    }

    [Fact]
    public void Planner_Uniform_RarelyTouchesTheFirstAccounts()
    {
        var planner = new TransferPlanner(1, 1000, 0, 10, 1, 1);
        var hot = Enumerable.Range(0, 10_000).Select(_ => planner.Next()).Count(t => t.Source <= 10 || t.Destination <= 10);
        Assert.InRange(hot / 10_000.0, 0.01, 0.03);
    }

    [Fact]
    public void TransfersOptions_Parse_DefaultsAndErrors()
    {
        var o = TransfersOptions.Parse(["--accounts", "50", "--hot", "0.5", "--out", "x.csv"]);
        Assert.Equal(("mock", 50, 0.5, 10, "x.csv", 2), (o.AccountsPrefix, o.Accounts, o.Hot, o.HotAccounts, o.Out, o.Decimals));
        Assert.Throws<ArgumentException>(() => TransfersOptions.Parse(["--bogus"]));
        Assert.Throws<ArgumentException>(() => TransfersOptions.Parse(["--accounts"]));
        Assert.Throws<ArgumentException>(() => TransfersOptions.Parse(["--hot", "1.5"]));
        Assert.Throws<ArgumentException>(() => TransfersOptions.Parse(["--min-amount", "0.001"]));
        Assert.Throws<ArgumentException>(() => TransfersOptions.Parse(["--accounts", "5", "--hot-accounts", "6"]));
    }

    [Fact]
    public void AccountsOptions_Parse_NoConnection_Throws()
    {
        Assert.Throws<ArgumentException>(() => AccountsOptions.Parse([], connectionFromEnvironment: null));
        var o = AccountsOptions.Parse(["--currency", "eur"], "Server=x");
        Assert.Equal(("EUR", "Server=x", 1000, 2000), (o.Currency, o.Connection, o.Count, o.Batch));
    }
}
