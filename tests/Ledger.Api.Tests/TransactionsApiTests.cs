namespace Ledger.Api.Tests;

/// <summary>
/// POST /v1/transactions, GET /v1/transactions/{id} and POST /v1/transactions/{id}/reversal: a transaction of several
/// legs is posted once with every leg's balance and version, a retry is a replay, the same id with other legs is a
/// conflict, a stale expectedVersion changes nothing, a reversal negates every leg once, and the roles and the reversal
/// rule of transfers hold. The ledger validates the legs; the host only maps them and names the field at fault.
/// </summary>
public sealed class TransactionsApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Validation = "validation_failed";

    /// <summary>A payer holding 100 USD (version 1), a merchant and a fees account holding nothing (version 0), a EUR
    /// account, and a fresh transaction id.</summary>
    private sealed record Split(string Payer, string Merchant, string Fees, string Euro, Guid Id)
    {
        /// <summary>The payer pays <paramref name="amount"/>: 97 % to the merchant, 3 % to the fees account.</summary>
        public (string AccountId, decimal Amount)[] Legs(decimal amount = 100m) =>
            [(Payer, -amount), (Merchant, amount * 0.97m), (Fees, amount * 0.03m)];
    }

    private async Task<Split> SplitAsync() => new(
        await factory.CreateFundedAccountAsync(100m, label: "tx-payer"),
        await factory.CreateAccountAsync(label: "tx-merchant"),
        await factory.CreateAccountAsync(label: "tx-fees"),
        await factory.CreateAccountAsync("EUR", label: "tx-euro"),
        Guid.CreateVersion7());

    /// <summary>Posts <see cref="Split.Legs"/> as tester-poster and returns the transaction.</summary>
    private async Task<JsonElement> PostSplitAsync(Split split)
    {
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var response = await ApiCalls.PostTransactionAsync(client, split.Id, split.Legs());
        return await ApiCalls.AssertTransactionAsync(response, HttpStatusCode.Created);
    }

    private async Task AssertUnchangedAsync(Split split)
    {
        Assert.Equal((100m, 1L), await factory.GetBalanceAsync(split.Payer));
        Assert.Equal((0m, 0L), await factory.GetBalanceAsync(split.Merchant));
        Assert.Equal((0m, 0L), await factory.GetBalanceAsync(split.Fees));
    }

    private async Task AssertNotPostedAsync(Guid id)
    {
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);
        using var response = await reader.GetAsync(new Uri($"/v1/transactions/{id}", UriKind.Relative));
        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.NotFound, "transaction_not_found");
    }

    // ---- validation: the host names the field the framework or the ledger found at fault ----

    /// <summary>Bodies the host refuses before the ledger sees them: what it cannot read or cannot hand over.</summary>
    public static TheoryData<string, string, string> UnreadableBodies => new()
    {
        { "body is JSON null", "null", "body" },
        { "a leg is null", """{"legs":[null,{"accountId":"b","amount":1}]}""", "legs[0]" },
        { "a leg has no amount", """{"legs":[{"accountId":"a","amount":-1},{"accountId":"b"}]}""", "legs[1].amount" },
        { "an amount is not a number", """{"legs":[{"accountId":"a","amount":"abc"},{"accountId":"b","amount":1}]}""", "legs[0].amount" },
        { "an amount a decimal cannot hold exactly", """{"legs":[{"accountId":"a","amount":-1.000000000000000000000000000001},{"accountId":"b","amount":1}]}""", "legs[0].amount" },
        { "an expectedVersion is not an integer", """{"legs":[{"accountId":"a","amount":-1,"expectedVersion":1.5},{"accountId":"b","amount":1}]}""", "legs[0].expectedVersion" },
        { "legs is not an array", """{"legs":{"accountId":"a","amount":1}}""", "legs" },
        { "a leg has a property it does not have", """{"legs":[{"accountId":"a","amount":-1,"metadata":{}},{"accountId":"b","amount":1}]}""", "legs[0].metadata" },
    };

    [Theory]
    [MemberData(nameof(UnreadableBodies))]
    public async Task PostTransaction_UnreadableBody_Returns400NamingTheField(string name, string json, string field)
    {
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.PostTransactionAsync(client, json);

        var problem = await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, Validation, field);
        Assert.True(response.Headers.Contains(ApiFactory.CorrelationHeader), name);
        Assert.False(ApiCalls.IsReplayed(response));
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }

    /// <summary>Requests the ledger refuses as invalid (needs the engine): the legs' count, an account twice, a zero
    /// amount, a sum other than zero, no legs.</summary>
    [Theory]
    [InlineData("one leg", "legs")]
    [InlineData("101 legs", "legs")]
    [InlineData("no legs", "legs")]
    [InlineData("legs missing", "legs")]
    [InlineData("an account twice", "legs[2].accountId")]
    [InlineData("a zero amount", "legs[2].amount")]
    [InlineData("legs that do not sum to zero", "legs")]
    public async Task PostTransaction_InvalidLegs_Returns400NamingTheFieldAndChangesNothing(string name, string field)
    {
        var split = await SplitAsync();
        object? legs = name switch
        {
            "one leg" => Legs((split.Payer, -1m)),
            "101 legs" => Legs([(split.Payer, -100m), .. Enumerable.Range(0, 100).Select(i => (Ids.Account("tx-many"), 1m))]),
            "no legs" => Legs(),
            "legs missing" => null,
            "an account twice" => Legs((split.Payer, -2m), (split.Merchant, 1m), (split.Merchant, 1m)),
            "a zero amount" => Legs((split.Payer, -1m), (split.Merchant, 1m), (split.Fees, 0m)),
            "legs that do not sum to zero" => Legs((split.Payer, -1m), (split.Merchant, 0.5m), (split.Fees, 0.49m)),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
        var json = legs is null
            ? JsonSerializer.Serialize(new { id = split.Id })
            : JsonSerializer.Serialize(new { id = split.Id, legs });
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.PostTransactionAsync(client, json);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, Validation, field);
        await AssertUnchangedAsync(split);
        await AssertNotPostedAsync(split.Id);
    }

    // ---- posting ----

    [Fact]
    public async Task PostTransaction_ThreeLegSplit_Returns201WithEveryLegsBalanceAndVersion()
    {
        var split = await SplitAsync();
        var json = JsonSerializer.Serialize(new
        {
            id = split.Id,
            legs = Legs(split.Legs()),
            currency = "USD",
            reference = "order 2026-1187",
        });
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.PostTransactionAsync(client, json);

        var body = await ApiCalls.AssertTransactionAsync(response, HttpStatusCode.Created);
        Assert.False(ApiCalls.IsReplayed(response));
        Assert.Equal($"/v1/transactions/{split.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(split.Id, body.GetProperty("id").GetGuid());
        Assert.Equal("USD", body.GetProperty("currency").GetString());
        Assert.Equal("posted", body.GetProperty("status").GetString());
        Assert.Equal(ApiFactory.PosterName, body.GetProperty("postedBy").GetString());
        Assert.Equal("order 2026-1187", body.GetProperty("reference").GetString());
        Assert.Equal(Assert.Single(response.Headers.GetValues(ApiFactory.CorrelationHeader)), body.GetProperty("correlationId").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("reversalOf").ValueKind);
        Assert.Equal(body.GetProperty("postedAt").GetDateTimeOffset(), body.GetProperty("timestamp").GetDateTimeOffset());

        var legs = LegsOf(body);
        Assert.Equal(legs.Select(l => l.AccountId).Order(StringComparer.Ordinal), legs.Select(l => l.AccountId));
        Assert.Equal((-100m, 0m, 2L), LegOf(legs, split.Payer));
        Assert.Equal((97m, 97m, 1L), LegOf(legs, split.Merchant));
        Assert.Equal((3m, 3m, 1L), LegOf(legs, split.Fees));
        // Amounts are answered with exactly the currency's digits.
        var merchantLeg = body.GetProperty("legs").EnumerateArray().Single(l => l.GetProperty("accountId").GetString() == split.Merchant);
        Assert.Equal("97.00", merchantLeg.GetProperty("amount").GetRawText());
        Assert.Equal("97.00", merchantLeg.GetProperty("balanceAfter").GetRawText());

        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(split.Payer));
        Assert.Equal((97m, 1L), await factory.GetBalanceAsync(split.Merchant));
        Assert.Equal((3m, 1L), await factory.GetBalanceAsync(split.Fees));
    }

    [Fact]
    public async Task PostTransaction_SameIdAndLegsAgain_Returns200ReplayedAndChangesNothing()
    {
        var split = await SplitAsync();
        var posted = await PostSplitAsync(split);
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var again = await ApiCalls.PostTransactionAsync(client, split.Id, split.Legs());

        var replay = await ApiCalls.AssertTransactionAsync(again, HttpStatusCode.OK);
        Assert.True(ApiCalls.IsReplayed(again), "Idempotent-Replayed: true is missing");
        AssertSameTransaction(posted, replay);
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(split.Payer));
        Assert.Equal((97m, 1L), await factory.GetBalanceAsync(split.Merchant));
        Assert.Equal((3m, 1L), await factory.GetBalanceAsync(split.Fees));
    }

    [Fact]
    public async Task PostTransaction_SameIdOtherLegs_Returns409IdempotencyConflictAndChangesNothing()
    {
        var split = await SplitAsync();
        await PostSplitAsync(split);
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var conflict = await ApiCalls.PostTransactionAsync(client, split.Id, (split.Merchant, -10m), (split.Fees, 10m));

        await ApiCalls.AssertProblemAsync(conflict, HttpStatusCode.Conflict, "idempotency_conflict");
        Assert.False(ApiCalls.IsReplayed(conflict));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(split.Payer));
        Assert.Equal((97m, 1L), await factory.GetBalanceAsync(split.Merchant));
        Assert.Equal((3m, 1L), await factory.GetBalanceAsync(split.Fees));
    }

    [Fact]
    public async Task PostTransaction_StaleExpectedVersion_Returns409VersionMismatchChangesNothingAndTheIdMayBePostedAgain()
    {
        var split = await SplitAsync();
        string Body(long payerVersion) => JsonSerializer.Serialize(new
        {
            id = split.Id,
            legs = new object[]
            {
                new { accountId = split.Payer, amount = -100m, expectedVersion = payerVersion },
                new { accountId = split.Merchant, amount = 97m, expectedVersion = 0L },
                new { accountId = split.Fees, amount = 3m },
            },
        });
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        // The payer was funded, so it is at version 1, not 0.
        using var stale = await ApiCalls.PostTransactionAsync(client, Body(payerVersion: 0));

        await ApiCalls.AssertProblemAsync(stale, HttpStatusCode.Conflict, "version_mismatch");
        Assert.False(ApiCalls.IsReplayed(stale));
        await AssertUnchangedAsync(split);
        await AssertNotPostedAsync(split.Id);

        // Not final for the id: read again, decide anew, post the same id with the version read.
        using var fresh = await ApiCalls.PostTransactionAsync(client, Body(payerVersion: 1));

        var body = await ApiCalls.AssertTransactionAsync(fresh, HttpStatusCode.Created);
        Assert.Equal((-100m, 0m, 2L), LegOf(LegsOf(body), split.Payer));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(split.Payer));
    }

    /// <summary>Refusals that depend on the ledger's state, with the status of the one code table.</summary>
    [Theory]
    [InlineData("an unknown account", HttpStatusCode.UnprocessableEntity, "account_not_found")]
    [InlineData("an account in another currency", HttpStatusCode.UnprocessableEntity, "currency_mismatch")]
    [InlineData("a currency other than the accounts'", HttpStatusCode.UnprocessableEntity, "currency_mismatch")]
    [InlineData("a debit beyond the balance", HttpStatusCode.UnprocessableEntity, "insufficient_funds")]
    public async Task PostTransaction_RefusedByTheLedgersState_ReturnsItsCodeAndChangesNothing(string name, HttpStatusCode status, string code)
    {
        var split = await SplitAsync();
        var json = name switch
        {
            "an unknown account" => ApiCalls.TransactionJson(split.Id, (split.Payer, -1m), (Ids.Account("tx-nobody"), 1m)),
            "an account in another currency" => ApiCalls.TransactionJson(split.Id, (split.Payer, -1m), (split.Euro, 1m)),
            "a currency other than the accounts'" => JsonSerializer.Serialize(new
            {
                id = split.Id,
                legs = Legs((split.Payer, -1m), (split.Merchant, 1m)),
                currency = "EUR",
            }),
            "a debit beyond the balance" => ApiCalls.TransactionJson(split.Id, (split.Payer, -100.01m), (split.Merchant, 100.01m)),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.PostTransactionAsync(client, json);

        await ApiCalls.AssertProblemAsync(response, status, code);
        await AssertUnchangedAsync(split);
        await AssertNotPostedAsync(split.Id);
    }

    // ---- reading ----

    [Fact]
    public async Task GetTransaction_Posted_Returns200TheTransactionToAReader()
    {
        var split = await SplitAsync();
        var posted = await PostSplitAsync(split);
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await reader.GetAsync(new Uri($"/v1/transactions/{split.Id}", UriKind.Relative));

        var read = await ApiCalls.AssertTransactionAsync(response, HttpStatusCode.OK);
        AssertSameTransaction(posted, read);
        Assert.Equal((97m, 97m, 1L), LegOf(LegsOf(read), split.Merchant));
    }

    [Fact]
    public async Task GetTransaction_ATransfersId_Returns200ItsTwoLegs()
    {
        var account = await factory.CreateAccountAsync(label: "tx-funded");
        var transferId = await factory.FundAsync(account, 12.5m);
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await reader.GetAsync(new Uri($"/v1/transactions/{transferId}", UriKind.Relative));

        var read = await ApiCalls.AssertTransactionAsync(response, HttpStatusCode.OK);
        Assert.Equal(transferId, read.GetProperty("id").GetGuid());
        var legs = LegsOf(read);
        Assert.Equal(2, legs.Count);
        Assert.Equal((12.5m, 12.5m, 1L), LegOf(legs, account));
        Assert.Equal(-12.5m, Assert.Single(legs, l => l.AccountId != account).Amount);
    }

    [Fact]
    public async Task GetTransaction_Unknown_Returns404TransactionNotFound()
    {
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await reader.GetAsync(new Uri($"/v1/transactions/{Guid.CreateVersion7()}", UriKind.Relative));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.NotFound, "transaction_not_found");
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("0193a6f2-7c4e-7d2a-9b1e-3f5c8a2d4e6")]
    public async Task GetTransaction_PathIdNotAUuid_Returns400NamingId(string id)
    {
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await reader.GetAsync(new Uri($"/v1/transactions/{id}", UriKind.Relative));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, Validation, "id");
    }

    // ---- reversal ----

    [Fact]
    public async Task ReverseTransaction_Posted_Returns201EveryLegNegatedAndRestoresTheBalances()
    {
        var split = await SplitAsync();
        await PostSplitAsync(split);
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.ReverseTransactionAsync(client, split.Id);

        var reversal = await ApiCalls.AssertTransactionAsync(response, HttpStatusCode.Created);
        Assert.False(ApiCalls.IsReplayed(response));
        var reversalId = reversal.GetProperty("id").GetGuid();
        Assert.NotEqual(split.Id, reversalId);
        Assert.Equal($"/v1/transactions/{reversalId}", response.Headers.Location?.OriginalString);
        Assert.Equal(split.Id, reversal.GetProperty("reversalOf").GetGuid());
        Assert.Equal(ApiFactory.PosterName, reversal.GetProperty("postedBy").GetString());
        var legs = LegsOf(reversal);
        Assert.Equal((100m, 100m, 3L), LegOf(legs, split.Payer));
        Assert.Equal((-97m, 0m, 2L), LegOf(legs, split.Merchant));
        Assert.Equal((-3m, 0m, 2L), LegOf(legs, split.Fees));
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(split.Payer));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(split.Merchant));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(split.Fees));

        using var read = await client.GetAsync(new Uri($"/v1/transactions/{reversalId}", UriKind.Relative));
        Assert.Equal(split.Id, (await ApiCalls.AssertTransactionAsync(read, HttpStatusCode.OK)).GetProperty("reversalOf").GetGuid());
    }

    [Fact]
    public async Task ReverseTransaction_RepeatedThenAnotherId_Returns200ReplayedThen409AlreadyReversed()
    {
        var split = await SplitAsync();
        await PostSplitAsync(split);
        var reversalId = Guid.CreateVersion7();
        var json = $$"""{"id":"{{reversalId}}","reference":"duplicate order"}""";
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var first = await ApiCalls.ReverseTransactionAsync(client, split.Id, json);
        var reversal = await ApiCalls.AssertTransactionAsync(first, HttpStatusCode.Created);
        Assert.Equal(reversalId, reversal.GetProperty("id").GetGuid());
        Assert.Equal("duplicate order", reversal.GetProperty("reference").GetString());

        using var again = await ApiCalls.ReverseTransactionAsync(client, split.Id, json);
        var secondId = Guid.CreateVersion7();
        using var second = await ApiCalls.ReverseTransactionAsync(client, split.Id, $$"""{"id":"{{secondId}}"}""");

        var replay = await ApiCalls.AssertTransactionAsync(again, HttpStatusCode.OK);
        Assert.True(ApiCalls.IsReplayed(again), "Idempotent-Replayed: true is missing");
        AssertSameTransaction(reversal, replay);
        await ApiCalls.AssertProblemAsync(second, HttpStatusCode.Conflict, "already_reversed");
        Assert.False(ApiCalls.IsReplayed(second));
        await AssertNotPostedAsync(secondId);
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(split.Payer));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(split.Merchant));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(split.Fees));
    }

    [Fact]
    public async Task ReverseTransaction_Unknown_Returns404TransactionNotFound()
    {
        var unknown = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.ReverseTransactionAsync(client, unknown);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.NotFound, "transaction_not_found");
    }

    [Fact]
    public async Task ReverseTransaction_PathIdNotAUuid_Returns400NamingId()
    {
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.ReverseTransactionAsync(client, "not-a-uuid");

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, Validation, "id");
    }

    // ---- roles ----

    [Fact]
    public async Task PostTransaction_ReaderKey_Returns403()
    {
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await ApiCalls.PostTransactionAsync(reader, Guid.CreateVersion7(), ("a", -1m), ("b", 1m));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task PostTransaction_NoKey_Returns401()
    {
        using var anonymous = factory.CreateClient(key: null);

        using var response = await ApiCalls.PostTransactionAsync(anonymous, Guid.CreateVersion7(), ("a", -1m), ("b", 1m));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task ReverseTransaction_ReaderKey_Returns403()
    {
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await ApiCalls.ReverseTransactionAsync(reader, Guid.CreateVersion7());

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task ReverseTransaction_ByAnotherPoster_Is403AndByAnAdminIsPosted()
    {
        var split = await SplitAsync();
        await PostSplitAsync(split);
        using var other = factory.CreateClient(ApiFactory.PosterOnlyKey);
        using var banker = factory.CreateClient(ApiFactory.BankerKey);

        using var byOther = await ApiCalls.ReverseTransactionAsync(other, split.Id);
        var afterRefusal = await factory.GetBalanceAsync(split.Payer);
        using var byAdmin = await ApiCalls.ReverseTransactionAsync(banker, split.Id);

        var problem = await ApiCalls.AssertProblemAsync(byOther, HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("transaction", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((0m, 2L), afterRefusal);
        var reversal = await ApiCalls.AssertTransactionAsync(byAdmin, HttpStatusCode.Created);
        Assert.Equal(ApiFactory.BankerName, reversal.GetProperty("postedBy").GetString());
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(split.Payer));
    }

    // ---- helpers ----

    private static object[] Legs(params (string AccountId, decimal Amount)[] legs) =>
        [.. legs.Select(l => new { accountId = l.AccountId, amount = l.Amount })];

    /// <summary>The legs of a transaction in the body, in the order given.</summary>
    private static List<Leg> LegsOf(JsonElement transaction) =>
    [
        .. transaction.GetProperty("legs").EnumerateArray().Select(leg => new Leg(
            leg.GetProperty("accountId").GetString()!,
            leg.GetProperty("amount").GetDecimal(),
            leg.GetProperty("balanceAfter").GetDecimal(),
            leg.GetProperty("version").GetInt64())),
    ];

    /// <summary>The amount, balance after and version of <paramref name="accountId"/>'s only leg.</summary>
    private static (decimal Amount, decimal BalanceAfter, long Version) LegOf(List<Leg> legs, string accountId)
    {
        var leg = Assert.Single(legs, l => l.AccountId == accountId);
        return (leg.Amount, leg.BalanceAfter, leg.Version);
    }

    private sealed record Leg(string AccountId, decimal Amount, decimal BalanceAfter, long Version);

    private static void AssertSameTransaction(JsonElement expected, JsonElement actual)
    {
        foreach (var field in new[] { "id", "currency", "status", "postedBy", "reference", "correlationId", "reversalOf" })
        {
            Assert.Equal(expected.GetProperty(field).ToString(), actual.GetProperty(field).ToString());
        }

        Assert.Equal(expected.GetProperty("timestamp").GetDateTimeOffset(), actual.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal(expected.GetProperty("postedAt").GetDateTimeOffset(), actual.GetProperty("postedAt").GetDateTimeOffset());
        Assert.Equal(LegsOf(expected), LegsOf(actual));
    }
}
