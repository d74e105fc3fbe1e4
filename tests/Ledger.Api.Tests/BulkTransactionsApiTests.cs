namespace Ledger.Api.Tests;

/// <summary>
/// POST /v1/transactions/batch: 200 with every item's own outcome in input order (201, 200 replayed, or the 4xx and
/// code a single post would answer); the same bulk again, or twice at once, posts nothing twice; atomic: true posts all
/// or changes nothing and answers the first bad item as the problem, with its index; the limits (1 to 1,000 items,
/// distinct ids, a body larger than a single post's) and the roles and id ownership of POST /v1/transactions hold.
/// </summary>
public sealed class BulkTransactionsApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Path = "/v1/transactions/batch";

    private static object Pay(Guid id, string from, string to, decimal amount) =>
        new { id, legs = new object[] { new { accountId = from, amount = -amount }, new { accountId = to, amount } } };

    private static string Bulk(IEnumerable<object> items, bool? atomic = null) =>
        atomic is { } all ? JsonSerializer.Serialize(new { items, atomic = all }) : JsonSerializer.Serialize(new { items });

    private static async Task<JsonElement[]> AssertItemsAsync(HttpResponseMessage response, params int[] statuses)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        var items = (await ApiFactory.ReadJsonAsync(response)).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(statuses, items.Select(i => i.GetProperty("status").GetInt32()));
        return items;
    }

    private Task<long> CountAsync(string table, IEnumerable<Guid> ids) =>
        ApiCalls.ScalarAsync<long>(factory.ConnectionString,
            $"SELECT COUNT(*) FROM {table} WHERE id IN ({string.Join(",", ids.Select(id => "0x" + Convert.ToHexString(id.ToByteArray(bigEndian: true))))})");

    [Fact]
    public async Task PostBatch_MixedItems_AnswersEachItsOwnOutcomeInInputOrder()
    {
        var payer = await factory.CreateFundedAccountAsync(20m, label: "bulk-payer");
        var merchant = await factory.CreateAccountAsync(label: "bulk-merchant");
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        var earlier = Guid.CreateVersion7();
        using (var single = await ApiCalls.PostTransactionAsync(client, earlier, (payer, -5m), (merchant, 5m)))
        {
            await ApiCalls.AssertTransactionAsync(single, HttpStatusCode.Created);
        }

        var ids = Enumerable.Range(0, 6).Select(_ => Guid.CreateVersion7()).ToArray();
        object[] items =
        [
            Pay(ids[0], payer, merchant, 3m),
            Pay(earlier, payer, merchant, 5m),
            Pay(ids[2], payer, merchant, 100m),
            Pay(ids[3], payer, "no-such-account", 1m),
            new { id = ids[4], legs = new object[] { new { accountId = payer, amount = -1m }, new { accountId = merchant, amount = 2m } } },
            Pay(ids[5], payer, merchant, 12m),
        ];

        using var response = await ApiFactory.PostJsonAsync(client, Path, Bulk(items));

        var outcomes = await AssertItemsAsync(response, 201, 200, 422, 422, 400, 201);
        Assert.Equal(ids[0], outcomes[0].GetProperty("transaction").GetProperty("id").GetGuid());
        Assert.Equal(earlier, outcomes[1].GetProperty("transaction").GetProperty("id").GetGuid());
        Assert.True(outcomes[1].GetProperty("replayed").GetBoolean());
        Assert.Equal("insufficient_funds", outcomes[2].GetProperty("code").GetString());
        Assert.Equal("account_not_found", outcomes[3].GetProperty("code").GetString());
        Assert.Equal("validation_failed", outcomes[4].GetProperty("code").GetString());
        Assert.True(outcomes[4].GetProperty("errors").TryGetProperty("legs", out _), outcomes[4].ToString());
        Assert.Equal(JsonValueKind.Null, outcomes[2].GetProperty("transaction").ValueKind);
        var last = outcomes[5].GetProperty("transaction").GetProperty("legs").EnumerateArray().Single(l => l.GetProperty("accountId").GetString() == payer);
        Assert.Equal(0m, last.GetProperty("balanceAfter").GetDecimal());
        Assert.Equal(ApiFactory.PosterName, outcomes[5].GetProperty("transaction").GetProperty("postedBy").GetString());
        Assert.Equal((0m, 4L), await factory.GetBalanceAsync(payer));
    }

    [Fact]
    public async Task PostBatch_SameBulkTwiceAndTwiceAtOnce_PostsEachItemExactlyOnce()
    {
        const int count = 30;
        var payer = await factory.CreateFundedAccountAsync(count, label: "bulk-twice");
        var merchant = await factory.CreateAccountAsync(label: "bulk-twice-m");
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToList();
        var body = Bulk(ids.Select(id => Pay(id, payer, merchant, 1m)));

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            using var response = await ApiFactory.PostJsonAsync(client, Path, body);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
            return (await ApiFactory.ReadJsonAsync(response)).GetProperty("items").EnumerateArray()
                .Select(i => i.GetProperty("status").GetInt32()).ToArray();
        }));
        using var again = await ApiFactory.PostJsonAsync(client, Path, body);

        for (var i = 0; i < count; i++)
        {
            Assert.Equal([200, 201], concurrent.Select(c => c[i]).Order());
        }

        await AssertItemsAsync(again, [.. Enumerable.Repeat(200, count)]);
        Assert.Equal((0m, count + 1L), await factory.GetBalanceAsync(payer));
        Assert.Equal(count, await CountAsync("transactions", ids));
    }

    [Fact]
    public async Task PostBatch_AtomicWithABadItem_IsTheItemsProblemAndChangesNothing()
    {
        var payer = await factory.CreateFundedAccountAsync(10m, label: "bulk-atomic");
        var merchant = await factory.CreateAccountAsync(label: "bulk-atomic-m");
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.CreateVersion7()).ToArray();
        var body = Bulk([Pay(ids[0], payer, merchant, 6m), Pay(ids[1], payer, merchant, 5m), Pay(ids[2], payer, merchant, 1m)], atomic: true);

        using var response = await ApiFactory.PostJsonAsync(client, Path, body);

        var problem = await ApiCalls.AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal(1, problem.GetProperty("item").GetInt32());
        Assert.Equal((10m, 1L), await factory.GetBalanceAsync(payer));
        Assert.Equal((0m, 0L), await factory.GetBalanceAsync(merchant));
        Assert.Equal(0, await CountAsync("transactions", ids));
        Assert.Equal(0, await CountAsync("transaction_rejections", ids));
    }

    [Fact]
    public async Task PostBatch_AtomicAllGood_PostsEveryItem()
    {
        var payer = await factory.CreateFundedAccountAsync(10m, label: "bulk-all");
        var merchant = await factory.CreateAccountAsync(label: "bulk-all-m");
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        var body = Bulk([Pay(Guid.CreateVersion7(), payer, merchant, 6m), Pay(Guid.CreateVersion7(), payer, merchant, 4m)], atomic: true);

        using var response = await ApiFactory.PostJsonAsync(client, Path, body);
        using var again = await ApiFactory.PostJsonAsync(client, Path, body);

        await AssertItemsAsync(response, 201, 201);
        await AssertItemsAsync(again, 200, 200);
        Assert.Equal((0m, 3L), await factory.GetBalanceAsync(payer));
        Assert.Equal((10m, 2L), await factory.GetBalanceAsync(merchant));
    }

    [Fact]
    public async Task PostBatch_AThousandItems_AreAllPosted()
    {
        var payer = await factory.CreateFundedAccountAsync(1000m, label: "bulk-1000");
        var merchant = await factory.CreateAccountAsync(label: "bulk-1000-m");
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        var body = Bulk(Enumerable.Range(0, 1000).Select(_ => Pay(Guid.CreateVersion7(), payer, merchant, 1m)));
        Assert.True(body.Length > 64 * 1024);

        using var response = await ApiFactory.PostJsonAsync(client, Path, body);

        await AssertItemsAsync(response, [.. Enumerable.Repeat(201, 1000)]);
        Assert.Equal((1000m, 1000L), await factory.GetBalanceAsync(merchant));
    }

    [Fact]
    public async Task PostBatch_InARealServer_TakesABodyOverTheSinglePostLimitAndRefusesOneOver16MiB()
    {
        // Kestrel's body limits hold only in a real server, so this asks a real host process.
        await using var host = await ApiProcess.StartAsync("bulk-size");
        using var client = host.CreateClient();
        var large = Bulk(Enumerable.Range(0, 1000).Select(_ => Pay(Guid.CreateVersion7(), "no-such-payer", "no-such-payee", 1m)));
        var ids = Enumerable.Range(0, 800).Select(_ => Guid.CreateVersion7()).ToList();
        var oversize = JsonSerializer.Serialize(new
        {
            items = ids.Select(id => new
            {
                id, legs = new object[] { new { accountId = "a", amount = -1m }, new { accountId = "b", amount = 1m } },
                reference = new string('x', 22 * 1024),
            }),
        });
        Assert.True(large.Length > 64 * 1024);
        Assert.True(oversize.Length > TransactionsApiBodyLimit);

        using var accepted = await ApiFactory.PostJsonAsync(client, Path, large);
        // Expect: 100-continue lets the server refuse by the declared length before the client sends 17 MB (which it
        // would otherwise still be writing when the server answers and closes the connection).
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Path, UriKind.Relative))
        {
            Content = new StringContent(oversize, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.ExpectContinue = true;
        using var refused = await client.SendAsync(request);

        await AssertItemsAsync(accepted, [.. Enumerable.Repeat(422, 1000)]);
        Assert.True(refused.StatusCode == HttpStatusCode.RequestEntityTooLarge, await ApiFactory.DescribeAsync(refused));
        Assert.Equal(0L, await ApiCalls.ScalarAsync<long>(host.ConnectionString,
            $"SELECT COUNT(*) FROM transactions WHERE id IN ({string.Join(",", ids.Select(id => "0x" + Convert.ToHexString(id.ToByteArray(bigEndian: true))))})"));
    }

    /// <summary>The bulk endpoint's body limit (Ledger.Api's TransactionsApi.MaxBulkBodyBytes): 16 MiB.</summary>
    private const int TransactionsApiBodyLimit = 16 * 1024 * 1024;

    public static TheoryData<string, string, string> RefusedBodies => new()
    {
        { "no items", """{"items":[]}""", "items" },
        { "items left out", """{"atomic":true}""", "items" },
        { "an item is null", """{"items":[null]}""", "items[0]" },
        { "a leg without an amount", """{"items":[{"legs":[{"accountId":"a","amount":-1},{"accountId":"b"}]}]}""", "items[0].legs[1].amount" },
    };

    [Theory]
    [MemberData(nameof(RefusedBodies))]
    public async Task PostBatch_MalformedBody_Is400NamingTheField(string name, string json, string field)
    {
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiFactory.PostJsonAsync(client, Path, json);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", field);
        Assert.True(response.Headers.Contains(ApiFactory.CorrelationHeader), name);
    }

    [Fact]
    public async Task PostBatch_MoreThanAThousandItems_Is400AndPostsNothing()
    {
        var payer = await factory.CreateFundedAccountAsync(2000m, label: "bulk-1001");
        var merchant = await factory.CreateAccountAsync(label: "bulk-1001-m");
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiFactory.PostJsonAsync(client, Path,
            Bulk(Enumerable.Range(0, 1001).Select(_ => Pay(Guid.CreateVersion7(), payer, merchant, 1m))));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "items");
        Assert.Equal((0m, 0L), await factory.GetBalanceAsync(merchant));
    }

    [Fact]
    public async Task PostBatch_AnIdTwice_Is400NamingTheSecondItemAndPostsNothing()
    {
        var payer = await factory.CreateFundedAccountAsync(10m, label: "bulk-dup");
        var merchant = await factory.CreateAccountAsync(label: "bulk-dup-m");
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        var id = Guid.CreateVersion7();

        using var response = await ApiFactory.PostJsonAsync(client, Path,
            Bulk([Pay(id, payer, merchant, 1m), Pay(Guid.CreateVersion7(), payer, merchant, 1m), Pay(id, payer, merchant, 2m)]));

        var problem = await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "items[2].id");
        Assert.Equal(2, problem.GetProperty("item").GetInt32());
        Assert.Equal((0m, 0L), await factory.GetBalanceAsync(merchant));
    }

    [Fact]
    public async Task PostBatch_WithoutThePosterRole_Is403AndWithoutAKey401()
    {
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);
        using var anonymous = factory.CreateClient();
        var body = Bulk([Pay(Guid.CreateVersion7(), "a", "b", 1m)]);

        using var forbidden = await ApiFactory.PostJsonAsync(reader, Path, body);
        using var unauthorized = await ApiFactory.PostJsonAsync(anonymous, Path, body);

        await ApiCalls.AssertProblemAsync(forbidden, HttpStatusCode.Forbidden, "forbidden");
        await ApiCalls.AssertProblemAsync(unauthorized, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task PostBatch_AnotherKeysId_IsThatItems409AndTheOthersPost()
    {
        var payer = await factory.CreateFundedAccountAsync(10m, label: "bulk-owner");
        var merchant = await factory.CreateAccountAsync(label: "bulk-owner-m");
        using var owner = factory.CreateClient(ApiFactory.PosterKey);
        using var other = factory.CreateClient(ApiFactory.PosterOnlyKey);
        var taken = Guid.CreateVersion7();
        using (var posted = await ApiCalls.PostTransactionAsync(owner, taken, (payer, -1m), (merchant, 1m)))
        {
            await ApiCalls.AssertTransactionAsync(posted, HttpStatusCode.Created);
        }

        using var response = await ApiFactory.PostJsonAsync(other, Path,
            Bulk([Pay(taken, payer, merchant, 1m), Pay(Guid.CreateVersion7(), payer, merchant, 2m)]));

        var outcomes = await AssertItemsAsync(response, 409, 201);
        Assert.Equal("idempotency_conflict", outcomes[0].GetProperty("code").GetString());
        Assert.DoesNotContain(ApiFactory.PosterName, outcomes[0].ToString(), StringComparison.Ordinal);
        Assert.Equal(ApiFactory.PosterOnlyName, outcomes[1].GetProperty("transaction").GetProperty("postedBy").GetString());
        Assert.Equal((7m, 3L), await factory.GetBalanceAsync(payer));
    }

    [Fact]
    public async Task PostBatch_ItemsBeyondTheKeysRate_Are429AndChangeNothing()
    {
        var servers = await TestServers.GetAsync();
        await using var api = new ConfiguredApiFactory(await TestDatabase.GetAsync(ApiFactory.DatabaseName), servers.Redis,
            migrateOnStartup: false, extraSettings: new Dictionary<string, string?> { ["Api:PostsPerSecondPerKey"] = "10" });
        var payer = await api.CreateAccountAsync(overdraftLimit: 1_000m, label: "bulk-rate");
        var merchant = await api.CreateAccountAsync(label: "bulk-rate-m");
        using var client = api.CreateClient(ApiFactory.PosterKey);

        // Three bulks of ten in a row against ten posts a second: the second comes long before the bucket refills.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await ApiFactory.PostJsonAsync(client, Path,
                Bulk(Enumerable.Range(0, 10).Select(_ => Pay(Guid.CreateVersion7(), payer, merchant, 1m))));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await ApiCalls.AssertProblemAsync(response, HttpStatusCode.TooManyRequests, "overloaded");
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            }
        }

        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        using var reader = api.CreateClient(ApiFactory.ReaderKey);
        var balance = await ApiFactory.ReadJsonAsync(await reader.GetAsync(new Uri($"/v1/accounts/{merchant}/balance", UriKind.Relative)));
        Assert.Equal(10m * statuses.Count(s => s == HttpStatusCode.OK), balance.GetProperty("balance").GetDecimal());
    }
}
