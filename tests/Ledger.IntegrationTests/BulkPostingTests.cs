namespace Ledger.IntegrationTests;

/// <summary>
/// <see cref="ILedger.PostTransactionsAsync"/>: every item gets the outcome a single post of it would have had, in input
/// order and with the sequential semantics of the procedure (a later item sees the balances earlier ones left); a bulk
/// sent again, or twice at once, posts nothing twice; an atomic bulk posts all or changes nothing at all.
/// </summary>
public sealed class BulkPostingTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    private static PostTransactionRequest Pay(string from, string to, decimal amount, Guid? id = null) => new()
    {
        Id = id ?? Guid.CreateVersion7(),
        Legs = [new TransactionLegRequest { AccountId = from, Amount = -amount }, new TransactionLegRequest { AccountId = to, Amount = amount }],
        PostedBy = "test",
    };

    private async Task<long> CountAsync(string table, IEnumerable<Guid> ids)
    {
        var list = string.Join(",", ids.Select(id => "0x" + Convert.ToHexString(id.ToByteArray(bigEndian: true))));
        return await fixture.ScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE id IN ({list})");
    }

    // Batching on, the items go through the batcher, which keeps their order on the accounts they share; off, they are
    // procedure batches (of two here, so the sequential semantics must also hold across batches).
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PostTransactions_MixedItems_AnswersEachInInputOrderAsSinglePostsWould(bool batching)
    {
        var ledger = fixture.CreateLedger(options =>
        {
            options.Batching.Enabled = batching;
            options.Batching.MaxBatchSize = 2;
        });
        var payer = await fixture.CreateFundedAccountAsync(20m);
        var merchant = await fixture.CreateAccountAsync();
        var earlier = Pay(payer, merchant, 5m);
        Assert.True((await fixture.Ledger.PostTransactionAsync(earlier)).IsSuccess);

        PostTransactionRequest[] items =
        [
            Pay(payer, merchant, 3m),                              // posted: 15 -> 12
            earlier,                                               // replayed
            Pay(payer, merchant, 100m),                            // insufficient funds
            Pay(payer, Ids.Account("missing"), 1m),                // unknown account
            Pay(payer, merchant, 1m) with { Legs = [new TransactionLegRequest { AccountId = payer, Amount = -1m }, new TransactionLegRequest { AccountId = merchant, Amount = 2m }] },
            Pay(payer, merchant, 12m),                             // posted: exactly what the earlier items left
            Pay(payer, merchant, 0.01m),                           // insufficient funds: nothing is left
        ];

        var result = await ledger.PostTransactionsAsync(new PostTransactionsRequest { Items = items });

        Assert.True(result.IsSuccess, result.ToString());
        var outcomes = result.Value.Items;
        Assert.Equal(items.Length, outcomes.Count);
        Assert.True(outcomes[0] is { IsSuccess: true, Replayed: false }, outcomes[0].ToString());
        Assert.Equal(items[0].Id, outcomes[0].Value!.Id);
        Assert.True(outcomes[1] is { IsSuccess: true, Replayed: true }, outcomes[1].ToString());
        Assert.Equal(earlier.Id, outcomes[1].Value!.Id);
        Assert.Equal(LedgerErrorCode.InsufficientFunds, outcomes[2].Error?.Code);
        Assert.Equal(LedgerErrorCode.AccountNotFound, outcomes[3].Error?.Code);
        Assert.Equal(LedgerErrorCode.ValidationFailed, outcomes[4].Error?.Code);
        Assert.Contains("legs", outcomes[4].Error!.FieldErrors.Keys);
        Assert.True(outcomes[5] is { IsSuccess: true, Replayed: false }, outcomes[5].ToString());
        Assert.Equal(0m, outcomes[5].Value!.Legs.Single(l => l.AccountId == payer).BalanceAfter.Amount);
        Assert.Equal(LedgerErrorCode.InsufficientFunds, outcomes[6].Error?.Code);
        Assert.All(outcomes, outcome => Assert.Null(outcome.Error?.Item));
        Assert.Equal((0L, 4L, 4L), await fixture.AccountStateAsync(payer));
        Assert.Equal((2000L, 3L, 3L), await fixture.AccountStateAsync(merchant));
    }

    [Fact]
    public async Task PostTransactions_SameBulkTwice_SecondIsAllReplaysAndPostsNothing()
    {
        var payer = await fixture.CreateFundedAccountAsync(10m);
        var merchant = await fixture.CreateAccountAsync();
        var request = new PostTransactionsRequest
        {
            Items = [Pay(payer, merchant, 4m), Pay(payer, merchant, 50m), Pay(payer, merchant, 6m)],
        };

        var first = await fixture.Ledger.PostTransactionsAsync(request);
        var second = await fixture.Ledger.PostTransactionsAsync(request);

        Assert.True(first.IsSuccess && second.IsSuccess);
        Assert.Equal([false, false, false], first.Value.Items.Select(i => i.Replayed));
        Assert.Equal([true, true, true], second.Value.Items.Select(i => i.Replayed));
        Assert.True(second.Value.Items[0].IsSuccess && second.Value.Items[2].IsSuccess);
        Assert.Equal(LedgerErrorCode.InsufficientFunds, second.Value.Items[1].Error?.Code);
        Assert.Equal(first.Value.Items[2].Value!.PostedAt, second.Value.Items[2].Value!.PostedAt);
        Assert.Equal((0L, 3L, 3L), await fixture.AccountStateAsync(payer));
    }

    [Fact]
    public async Task PostTransactions_TwoIdenticalBulksAtOnceThroughSmallBatches_PostEachItemExactlyOnce()
    {
        const int count = 40;
        var payer = await fixture.CreateFundedAccountAsync(count);
        var merchants = new[] { await fixture.CreateAccountAsync(), await fixture.CreateAccountAsync() };
        var request = new PostTransactionsRequest
        {
            Items = [.. Enumerable.Range(0, count).Select(i => Pay(payer, merchants[i % 2], 1m))],
        };
        // Two ledgers (as two replicas), each cutting the bulk into procedure batches of 7.
        var one = fixture.CreateLedger(options => options.Batching.MaxBatchSize = 7);
        var other = fixture.CreateLedger(options => options.Batching.MaxBatchSize = 7);

        var results = await Task.WhenAll(one.PostTransactionsAsync(request), other.PostTransactionsAsync(request));

        for (var i = 0; i < count; i++)
        {
            var pair = results.Select(r => r.Value!.Items[i]).ToList();
            Assert.All(pair, item => Assert.True(item.IsSuccess, item.ToString()));
            Assert.Equal(1, pair.Count(item => !item.Replayed));
        }

        Assert.Equal((0L, count + 1L, count + 1L), await fixture.AccountStateAsync(payer));
        Assert.Equal(count, await CountAsync("transactions", request.Items!.Select(i => i.Id!.Value)));
    }

    [Fact]
    public async Task PostTransactions_AtomicWithOneBadItem_RefusesNamingItAndChangesNothing()
    {
        var payer = await fixture.CreateFundedAccountAsync(10m);
        var merchant = await fixture.CreateAccountAsync();
        PostTransactionRequest[] items = [Pay(payer, merchant, 4m), Pay(payer, merchant, 5m), Pay(payer, merchant, 2m), Pay(payer, merchant, 1m)];
        var before = (Payer: await fixture.AccountStateAsync(payer), Merchant: await fixture.AccountStateAsync(merchant));

        var result = await fixture.Ledger.PostTransactionsAsync(new PostTransactionsRequest { Items = items, Atomic = true });

        Assert.False(result.IsSuccess);
        Assert.Equal(LedgerErrorCode.InsufficientFunds, result.Error.Code);
        Assert.Equal(2, result.Error.Item);
        Assert.StartsWith("items[2]", result.Error.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await fixture.AccountStateAsync(payer), await fixture.AccountStateAsync(merchant)));
        var ids = items.Select(i => i.Id!.Value).ToList();
        Assert.Equal(0, await CountAsync("transactions", ids));
        Assert.Equal(0, await CountAsync("transaction_rejections", ids));
        // Nothing was recorded: the bad item alone, posted after funding, is decided afresh.
        await LedgerCalls.PostAsync(fixture.Ledger, await fixture.CreateFundedAccountAsync(10m), payer, 10m);
        var again = await fixture.Ledger.PostTransactionsAsync(new PostTransactionsRequest { Items = items, Atomic = true });
        Assert.True(again.IsSuccess, again.ToString());
        Assert.All(again.Value.Items, item => Assert.True(item is { IsSuccess: true, Replayed: false }, item.ToString()));
    }

    [Fact]
    public async Task PostTransactions_AtomicAllGood_PostsAllAndReplaysAllWhenSentAgain()
    {
        var payer = await fixture.CreateFundedAccountAsync(10m);
        var merchant = await fixture.CreateAccountAsync();
        var fees = await fixture.CreateAccountAsync();
        var split = new PostTransactionRequest
        {
            Id = Guid.CreateVersion7(),
            Legs =
            [
                new TransactionLegRequest { AccountId = payer, Amount = -5m },
                new TransactionLegRequest { AccountId = merchant, Amount = 4.5m },
                new TransactionLegRequest { AccountId = fees, Amount = 0.5m },
            ],
        };
        var request = new PostTransactionsRequest { Items = [split, Pay(payer, merchant, 5m)], Atomic = true };

        var first = await fixture.Ledger.PostTransactionsAsync(request);
        var second = await fixture.Ledger.PostTransactionsAsync(request);

        Assert.True(first.IsSuccess, first.ToString());
        Assert.All(first.Value.Items, item => Assert.True(item is { IsSuccess: true, Replayed: false }, item.ToString()));
        Assert.True(second.IsSuccess, second.ToString());
        Assert.All(second.Value.Items, item => Assert.True(item is { IsSuccess: true, Replayed: true }, item.ToString()));
        Assert.Equal((0L, 3L, 3L), await fixture.AccountStateAsync(payer));
        Assert.Equal((950L, 2L, 2L), await fixture.AccountStateAsync(merchant));
        var cached = await fixture.Ledger.GetBalanceAsync(merchant);
        Assert.Equal(9.5m, cached.Value!.Amount.Amount);
    }

    [Fact]
    public async Task PostTransactions_AtomicWithAnInvalidItem_RefusesNamingItsFieldAndPostsNothing()
    {
        var payer = await fixture.CreateFundedAccountAsync(10m);
        var merchant = await fixture.CreateAccountAsync();
        var bad = Pay(payer, merchant, 1m) with { Legs = [new TransactionLegRequest { AccountId = payer, Amount = -1m }] };

        var result = await fixture.Ledger.PostTransactionsAsync(new PostTransactionsRequest { Items = [Pay(payer, merchant, 1m), bad], Atomic = true });

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error?.Code);
        Assert.Equal(1, result.Error!.Item);
        Assert.Contains("items[1].legs", result.Error.FieldErrors.Keys);
        Assert.Equal((1000L, 1L, 1L), await fixture.AccountStateAsync(payer));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task PostTransactions_NoneOrMoreThanAThousandItems_IsRefusedAsInvalid(int count)
    {
        var items = Enumerable.Range(0, count).Select(_ => Pay("a", "b", 1m)).ToList();

        var result = await fixture.Ledger.PostTransactionsAsync(new PostTransactionsRequest { Items = items });

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error?.Code);
        Assert.Contains("items", result.Error!.FieldErrors.Keys);
        Assert.Null(result.Error.Item);
    }

    [Fact]
    public async Task PostTransactions_AnIdTwice_IsRefusedNamingTheSecondAndPostsNothing()
    {
        var payer = await fixture.CreateFundedAccountAsync(10m);
        var merchant = await fixture.CreateAccountAsync();
        var first = Pay(payer, merchant, 1m);

        var result = await fixture.Ledger.PostTransactionsAsync(new PostTransactionsRequest
        {
            Items = [first, Pay(payer, merchant, 2m), Pay(payer, merchant, 3m, first.Id)],
        });

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error?.Code);
        Assert.Equal(2, result.Error!.Item);
        Assert.Contains("items[2].id", result.Error.FieldErrors.Keys);
        Assert.Equal((1000L, 1L, 1L), await fixture.AccountStateAsync(payer));
    }
}
