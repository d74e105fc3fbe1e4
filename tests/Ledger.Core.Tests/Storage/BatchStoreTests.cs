using System.Text.Json;
using Ledger.Storage;

namespace Ledger.Core.Tests.Storage;

public sealed class BatchStoreTests
{
    [Fact]
    public void ToJson_Transfer_WritesEveryFieldTheProcedureReadsWithAmountsAndTimesAsStrings()
    {
        var id = Guid.Parse("0193a6f2-7c4e-7d2a-9b1e-3f5c8a2d4e61");
        var transfer = new PostTransferCommand(
            id, "alice", "bob", 125.50m, "USD", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234560),
            "café 😀 \"quoted\"", null, "poster", "corr-1", DateTime.UnixEpoch);

        var json = BatchStore.ToJson([transfer]);
        using var document = JsonDocument.Parse(json);
        var item = document.RootElement[0];

        Assert.Equal("0193A6F27C4E7D2A9B1E3F5C8A2D4E61", item.GetProperty("i").GetString());
        Assert.Equal("alice", item.GetProperty("s").GetString());
        Assert.Equal("bob", item.GetProperty("d").GetString());
        Assert.Equal("125.50", item.GetProperty("a").GetString());
        Assert.Equal("USD", item.GetProperty("c").GetString());
        Assert.Equal("2026-01-02 03:04:05.123456", item.GetProperty("t").GetString());
        Assert.Equal("café 😀 \"quoted\"", item.GetProperty("r").GetString());
        Assert.False(item.TryGetProperty("v", out _));
        Assert.Equal("poster", item.GetProperty("p").GetString());
        Assert.Equal("corr-1", item.GetProperty("k").GetString());
        Assert.Contains("café", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_OptionalFieldsAbsent_WritesNulls()
    {
        var transfer = new PostTransferCommand(
            Guid.CreateVersion7(), "a", "b", 1m, null, null, null, null, "system", null, DateTime.UnixEpoch);

        using var document = JsonDocument.Parse(BatchStore.ToJson([transfer, transfer]));

        Assert.Equal(2, document.RootElement.GetArrayLength());
        foreach (var name in new[] { "c", "t", "r", "k" })
        {
            Assert.Equal(JsonValueKind.Null, document.RootElement[0].GetProperty(name).ValueKind);
        }
    }

    [Fact]
    public void ToJson_Reversal_IsRefused()
    {
        var reversal = new PostTransferCommand(
            Guid.CreateVersion7(), "b", "a", 1m, null, null, null, Guid.CreateVersion7(), "system", null, DateTime.UnixEpoch);

        Assert.Throws<ArgumentException>(() => BatchStore.ToJson([reversal]));
    }
}
