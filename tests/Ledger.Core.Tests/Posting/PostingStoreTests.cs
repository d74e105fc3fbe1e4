using System.Text.Json;
using Ledger.Posting;

namespace Ledger.Core.Tests.Posting;

public sealed class PostingStoreTests
{
    [Fact]
    public void ToJson_Transaction_WritesEveryFieldTheProcedureReadsWithAmountsAndTimesAsStrings()
    {
        var id = Guid.Parse("0193a6f2-7c4e-7d2a-9b1e-3f5c8a2d4e61");
        var command = new PostingCommand(
            id, [new LegCommand("alice", -125.50m), new LegCommand("bob", 100m, ExpectedVersion: 7), new LegCommand("carol", 25.5m)],
            "USD", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234560), "café 😀 \"quoted\"", null, "poster", "corr-1");

        var json = PostingStore.ToJson([command]);
        using var document = JsonDocument.Parse(json);
        var item = document.RootElement[0];

        Assert.Equal("0193A6F27C4E7D2A9B1E3F5C8A2D4E61", item.GetProperty("i").GetString());
        var legs = item.GetProperty("l");
        Assert.Equal(3, legs.GetArrayLength());
        Assert.Equal("alice", legs[0].GetProperty("a").GetString());
        Assert.Equal("-125.50", legs[0].GetProperty("m").GetString());
        Assert.False(legs[0].TryGetProperty("e", out _));
        Assert.Equal(7, legs[1].GetProperty("e").GetInt64());
        Assert.Equal("25.5", legs[2].GetProperty("m").GetString());
        Assert.Equal("USD", item.GetProperty("c").GetString());
        Assert.Equal("2026-01-02 03:04:05.123456", item.GetProperty("t").GetString());
        Assert.Equal("café 😀 \"quoted\"", item.GetProperty("r").GetString());
        Assert.False(item.TryGetProperty("v", out _));
        Assert.Equal("poster", item.GetProperty("p").GetString());
        Assert.Equal("corr-1", item.GetProperty("k").GetString());
        Assert.Contains("café", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ToJson_OptionalFieldsAbsent_LeavesThemOut()
    {
        var command = new PostingCommand(Guid.CreateVersion7(), [new LegCommand("a", -1m), new LegCommand("b", 1m)], null, null, null, null, "system", null);

        using var document = JsonDocument.Parse(PostingStore.ToJson([command, command]));

        Assert.Equal(2, document.RootElement.GetArrayLength());
        foreach (var name in new[] { "c", "t", "r", "k", "v" })
        {
            Assert.False(document.RootElement[0].TryGetProperty(name, out _), name);
        }
    }

    [Fact]
    public void ToJson_Reversal_NamesTheOriginalAndNoLegs()
    {
        var original = Guid.Parse("0193a6f2-7c4e-7d2a-9b1e-3f5c8a2d4e61");
        var reversal = new PostingCommand(Guid.CreateVersion7(), [], null, null, "why", original, "system", null);

        using var document = JsonDocument.Parse(PostingStore.ToJson([reversal, reversal with { ReversedLegs = 2 }]));

        Assert.Equal("0193A6F27C4E7D2A9B1E3F5C8A2D4E61", document.RootElement[0].GetProperty("v").GetString());
        Assert.False(document.RootElement[0].TryGetProperty("l", out _));
        Assert.False(document.RootElement[0].TryGetProperty("w", out _));
        Assert.Equal(2, document.RootElement[1].GetProperty("w").GetInt32());
    }
}
