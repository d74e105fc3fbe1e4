namespace Ledger.IntegrationTests;

public sealed class ConcurrencyTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task PostTransfer_OpposingTransfersFromTwoReplicas_LoseNoUpdateAndNeverDeadlock()
    {
        // Two ledger instances stand for two API replicas: their posts meet only in the database.
        var replicas = new[]
        {
            fixture.CreateLedger(options => options.Retry.MaxRetries = 10),
            fixture.CreateLedger(options => options.Retry.MaxRetries = 10),
        };
        var a = await fixture.CreateFundedAccountAsync(1000m, label: "conc-a");
        var b = await fixture.CreateFundedAccountAsync(1000m, label: "conc-b");
        var before = (A: await fixture.AccountStateAsync(a), B: await fixture.AccountStateAsync(b));

        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() =>
            replicas[i % 2].PostTransferAsync(new PostTransferRequest
            {
                SourceAccountId = i % 3 == 0 ? b : a,
                DestinationAccountId = i % 3 == 0 ? a : b,
                Amount = 1m + (i % 7),
            }))));

        Assert.All(results, r => Assert.True(
            r.IsSuccess || r.Error.Code == LedgerErrorCode.ConcurrencyConflict, r.ToString()));
        var posted = results.Where(r => r.IsSuccess).Select(r => r.Value!).ToList();
        Assert.NotEmpty(posted);
        var netToA = posted.Sum(t => t.DestinationAccountId == a ? t.Amount.MinorUnits : -t.Amount.MinorUnits);

        var after = (A: await fixture.AccountStateAsync(a), B: await fixture.AccountStateAsync(b));
        Assert.Equal(before.A.Balance + netToA, after.A.Balance);
        Assert.Equal(before.B.Balance - netToA, after.B.Balance);
        Assert.Equal(before.A.Version + posted.Count, after.A.Version);
        Assert.Equal(before.B.Version + posted.Count, after.B.Version);
        Assert.Equal(after.A.Version, after.A.Entries);
        Assert.Equal(after.B.Version, after.B.Entries);
    }

    [Fact]
    public async Task PostTransfer_SameIdFiftyTimesAtOnce_PostsOnceAndReplaysTheRest()
    {
        var replicas = new[] { fixture.CreateLedger(), fixture.CreateLedger(), fixture.Ledger };
        var source = await fixture.CreateFundedAccountAsync(100m);
        var destination = await fixture.CreateAccountAsync();
        var request = new PostTransferRequest
        {
            Id = Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = destination, Amount = 10m,
        };

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() =>
            replicas[i % replicas.Length].PostTransferAsync(request))));

        Assert.All(results, r => Assert.True(r.IsSuccess, r.ToString()));
        Assert.Single(results, r => !r.Replayed);
        Assert.All(results, r => Assert.Equal(results[0].Value, r.Value));
        Assert.Equal((9000L, 2L, 2L), await fixture.AccountStateAsync(source));
        Assert.Equal((1000L, 1L, 1L), await fixture.AccountStateAsync(destination));
    }
}
