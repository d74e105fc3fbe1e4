namespace Ledger.LoadGen.Tests;

public class BaselineTargetTests
{
    [Fact]
    public void BatchJson_Transfers_ArrayOfIdAccountsAndMinorUnits()
    {
        var id = Guid.Parse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        var json = BaselineTarget.BatchJson([new TransferToPost(id, "lg1-000001", "lg1-000002", 0.07m), new TransferToPost(id, "b", "a", 1m)]);

        Assert.Equal("""[{"i":"0190a1b2c3d47e5f8a9b0c1d2e3f4a5b","s":"lg1-000001","d":"lg1-000002","a":7},{"i":"0190a1b2c3d47e5f8a9b0c1d2e3f4a5b","s":"b","d":"a","a":100}]""", json);
        using var parsed = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(2, parsed.RootElement.GetArrayLength());
    }

    [Fact]
    public void Id_BigEndianBytes_AreTheHexOfTheBatch()
    {
        // The single call sends bytes, the batch hex; both must be the same BINARY(16).
        var id = Guid.CreateVersion7();
        Assert.Equal(id.ToString("N"), Convert.ToHexStringLower(id.ToByteArray(bigEndian: true)));
    }

    [Theory]
    [InlineData("0.01", 1L)]
    [InlineData("1.00", 100L)]
    [InlineData("5000", 500_000L)]
    [InlineData("1000000000", 100_000_000_000L)]
    public void MinorUnits_Dollars_Cents(string dollars, long cents)
    {
        Assert.Equal(cents, BaselineTarget.MinorUnits(decimal.Parse(dollars, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(1, null)]
    [InlineData(2, "idempotency_conflict")]
    [InlineData(3, "account_not_found")]
    [InlineData(4, "account_not_found")]
    [InlineData(6, "insufficient_funds")]
    [InlineData(9, "status_9")]
    public void Code_Status_LedgersCodeName(int status, string? code)
    {
        Assert.Equal(code, BaselineTarget.Code(status));
    }

    [Fact]
    public void ConnectionString_LedgersWithTheBaselineDatabaseAPoolForEveryCallerAndNoReset()
    {
        var cs = new MySqlConnector.MySqlConnectionStringBuilder(
            BaselineTarget.ConnectionString("Server=127.0.0.1;Port=3306;Database=ledger;User ID=ledger;Password=ledger", "ledger_baseline", 256));
        Assert.Equal("ledger_baseline", cs.Database);
        Assert.Equal(304u, cs.MaximumPoolSize);
        Assert.Equal("ledger", cs.UserID);
        Assert.False(cs.ConnectionReset);
    }

    [Theory]
    [InlineData("Connection Reset=true", true)]
    [InlineData("ConnectionReset=True", true)]
    [InlineData("Connection Reset=false", false)]
    public void ConnectionString_ResetNamed_KeepsIt(string setting, bool reset)
    {
        var cs = new MySqlConnector.MySqlConnectionStringBuilder(
            BaselineTarget.ConnectionString($"Server=127.0.0.1;Database=ledger;{setting}", "ledger_baseline", 20));
        Assert.Equal(reset, cs.ConnectionReset);
    }
}
