namespace Ledger.IntegrationTests;

public sealed class EntriesTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task ListEntries_PagedWithCursor_ReturnsEveryEntryOnceNewestFirst()
    {
        var source = await fixture.CreateFundedAccountAsync(100m);
        var destination = await fixture.CreateAccountAsync();
        for (var i = 1; i <= 4; i++)
        {
            Assert.True((await fixture.Ledger.PostTransferAsync(new PostTransferRequest
            {
                SourceAccountId = source, DestinationAccountId = destination, Amount = i,
            })).IsSuccess);
        }

        var pages = new List<EntryPage>();
        long? before = null;
        do
        {
            var page = await fixture.Ledger.ListEntriesAsync(source, 2, before);
            Assert.True(page.IsSuccess, page.ToString());
            pages.Add(page.Value);
            before = page.Value.NextBefore;
        }
        while (before is not null);

        var entries = pages.SelectMany(p => p.Items).ToList();
        Assert.Equal([2, 2, 1], pages.Select(p => p.Items.Count));
        Assert.Equal([5L, 4L, 3L, 2L, 1L], entries.Select(e => e.Version));
        Assert.Equal([-4m, -3m, -2m, -1m, 100m], entries.Select(e => e.Amount.Amount));
        Assert.Equal([90m, 94m, 97m, 99m, 100m], entries.Select(e => e.BalanceAfter.Amount));
    }

    [Fact]
    public async Task ListEntries_UnknownAccount_IsAccountNotFound()
    {
        var result = await fixture.Ledger.ListEntriesAsync(Ids.Account("ghost"), 10, null);

        Assert.Equal(LedgerErrorCode.AccountNotFound, result.Error?.Code);
    }

    [Fact]
    public async Task ListEntries_NewAccount_IsEmptyWithoutCursor()
    {
        var account = await fixture.CreateAccountAsync();

        var result = await fixture.Ledger.ListEntriesAsync(account, 10, null);

        Assert.Empty(result.Value!.Items);
        Assert.Null(result.Value.NextBefore);
    }
}
