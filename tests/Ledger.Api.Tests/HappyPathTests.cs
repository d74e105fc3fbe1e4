namespace Ledger.Api.Tests;

/// <summary>The HTTP contract when everything is right: status codes, headers, bodies, and balances that move
/// exactly once.</summary>
public sealed class HappyPathTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly string[] BalanceSources = ["cache", "database"];
    private static readonly string[] TransferTextFields =
        ["id", "sourceAccountId", "destinationAccountId", "currency", "status", "postedBy", "reference", "correlationId"];

    [Fact]
    public async Task CreateAccount_ValidBody_Returns201WithLocationAndAccount()
    {
        using var client = factory.CreateClient(ApiFactory.BankerKey);
        var id = Ids.Account("happy");

        using var response = await ApiFactory.PostJsonAsync(client, "/v1/accounts",
            $$"""{"id":"{{id}}","currency":"EUR","overdraftLimit":12.5}""");

        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        Assert.Equal($"/v1/accounts/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal("EUR", body.GetProperty("currency").GetString());
        Assert.Equal(0m, body.GetProperty("balance").GetDecimal());
        Assert.Equal(12.5m, body.GetProperty("overdraftLimit").GetDecimal());
        Assert.Equal(0L, body.GetProperty("version").GetInt64());
        var createdAt = body.GetProperty("createdAt").GetDateTimeOffset();
        Assert.InRange(createdAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));

        using var read = await client.GetAsync(new Uri(response.Headers.Location!.OriginalString, UriKind.Relative));
        Assert.True(read.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(read));
        var again = await ApiFactory.ReadJsonAsync(read);
        Assert.Equal(id, again.GetProperty("id").GetString());
        Assert.Equal(createdAt, again.GetProperty("createdAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task CreateAccount_WithoutId_AssignsOne()
    {
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiFactory.PostJsonAsync(client, "/v1/accounts", """{"currency":"USD"}""");

        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        var id = (await ApiFactory.ReadJsonAsync(response)).GetProperty("id").GetString();
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal($"/v1/accounts/{id}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task PostTransfer_ValidBody_Returns201AndMovesBothBalances()
    {
        var source = await factory.CreateFundedAccountAsync(100m);
        var destination = await factory.CreateAccountAsync();
        var id = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiFactory.PostJsonAsync(client, "/v1/transfers",
            $$"""{"id":"{{id}}","sourceAccountId":"{{source}}","destinationAccountId":"{{destination}}","amount":40.25,"currency":"USD","reference":"rent"}""");

        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        Assert.Equal($"/v1/transfers/{id}", response.Headers.Location?.OriginalString);
        Assert.False(response.Headers.Contains("Idempotent-Replayed"));
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.Equal(id, body.GetProperty("id").GetGuid());
        Assert.Equal(source, body.GetProperty("sourceAccountId").GetString());
        Assert.Equal(destination, body.GetProperty("destinationAccountId").GetString());
        Assert.Equal(40.25m, body.GetProperty("amount").GetDecimal());
        Assert.Equal("USD", body.GetProperty("currency").GetString());
        Assert.Equal("posted", body.GetProperty("status").GetString());
        Assert.Equal(ApiFactory.PosterName, body.GetProperty("postedBy").GetString());
        Assert.Equal("rent", body.GetProperty("reference").GetString());
        Assert.Equal(JsonValueKind.String, body.GetProperty("timestamp").ValueKind);
        Assert.Equal(JsonValueKind.String, body.GetProperty("postedAt").ValueKind);

        Assert.Equal((59.75m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((40.25m, 1L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await factory.CountTransfersAsync(id));
    }

    [Fact]
    public async Task GetBalance_AfterTransfer_ReportsBalanceVersionAndSource()
    {
        var source = await factory.CreateFundedAccountAsync(10m);
        using var client = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await client.GetAsync(new Uri($"/v1/accounts/{source}/balance", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        Assert.True(response.Headers.TryGetValues("X-Balance-Source", out var sources), "X-Balance-Source is missing");
        Assert.Contains(Assert.Single(sources), BalanceSources);
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.Equal(source, body.GetProperty("accountId").GetString());
        Assert.Equal("USD", body.GetProperty("currency").GetString());
        Assert.Equal(10m, body.GetProperty("balance").GetDecimal());
        Assert.Equal(1L, body.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task GetAccount_AfterTransfer_ShowsNewBalanceAndVersion()
    {
        var account = await factory.CreateFundedAccountAsync(7.5m);
        using var client = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await client.GetAsync(new Uri($"/v1/accounts/{account}", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.Equal(account, body.GetProperty("id").GetString());
        Assert.Equal(7.5m, body.GetProperty("balance").GetDecimal());
        Assert.Equal(0m, body.GetProperty("overdraftLimit").GetDecimal());
        Assert.Equal(1L, body.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task GetTransfer_AfterPost_ReturnsTheSameTransfer()
    {
        var source = await factory.CreateFundedAccountAsync(100m);
        var destination = await factory.CreateAccountAsync();
        var id = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var posted = await ApiFactory.PostJsonAsync(client, "/v1/transfers",
            $$"""{"id":"{{id}}","sourceAccountId":"{{source}}","destinationAccountId":"{{destination}}","amount":3,"timestamp":"2026-01-02T03:04:05.123456Z","reference":"r-1"}""");
        Assert.True(posted.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(posted));
        var original = await ApiFactory.ReadJsonAsync(posted);

        using var reader = factory.CreateClient(ApiFactory.ReaderKey);
        using var response = await reader.GetAsync(new Uri($"/v1/transfers/{id}", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        var read = await ApiFactory.ReadJsonAsync(response);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_560), read.GetProperty("timestamp").GetDateTimeOffset());
        AssertSameTransfer(original, read);
    }

    [Fact]
    public async Task ListEntries_SeveralTransfers_NewestFirstAndPagedWithNext()
    {
        var account = await factory.CreateFundedAccountAsync(100m);
        var other = await factory.CreateAccountAsync();
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        var transfers = new List<Guid>();
        foreach (var amount in new[] { "1", "2", "3" })
        {
            var id = Guid.CreateVersion7();
            using var posted = await ApiFactory.PostJsonAsync(client, "/v1/transfers",
                $$"""{"id":"{{id}}","sourceAccountId":"{{account}}","destinationAccountId":"{{other}}","amount":{{amount}}}""");
            Assert.True(posted.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(posted));
            transfers.Add(id);
        }

        // Versions: 1 funding credit of 100, then debits of 1, 2, 3 (versions 2, 3, 4).
        using var first = await client.GetAsync(new Uri($"/v1/accounts/{account}/entries?limit=2", UriKind.Relative));
        Assert.True(first.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(first));
        var page1 = await ApiFactory.ReadJsonAsync(first);
        var items1 = page1.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items1.Count);
        Assert.Equal([4L, 3L], items1.Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal([transfers[2], transfers[1]], items1.Select(e => e.GetProperty("transferId").GetGuid()));
        Assert.Equal([-3m, -2m], items1.Select(e => e.GetProperty("amount").GetDecimal()));
        Assert.Equal([94m, 97m], items1.Select(e => e.GetProperty("balanceAfter").GetDecimal()));
        Assert.All(items1, e => Assert.Equal(JsonValueKind.String, e.GetProperty("postedAt").ValueKind));
        var next = page1.GetProperty("next").GetString();
        Assert.False(string.IsNullOrEmpty(next));

        using var second = await client.GetAsync(new Uri($"/v1/accounts/{account}/entries?limit=2&before={next}", UriKind.Relative));
        Assert.True(second.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(second));
        var page2 = await ApiFactory.ReadJsonAsync(second);
        var items2 = page2.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([2L, 1L], items2.Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal(transfers[0], items2[0].GetProperty("transferId").GetGuid());
        Assert.Equal([-1m, 100m], items2.Select(e => e.GetProperty("amount").GetDecimal()));
        Assert.Equal([99m, 100m], items2.Select(e => e.GetProperty("balanceAfter").GetDecimal()));
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("next").ValueKind);

        using var all = await client.GetAsync(new Uri($"/v1/accounts/{account}/entries", UriKind.Relative));
        var everything = await ApiFactory.ReadJsonAsync(all);
        Assert.Equal([4L, 3L, 2L, 1L], everything.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal(JsonValueKind.Null, everything.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task PostTransfer_ReplayWithSameIdAndBody_Returns200ReplayedAndPostsOnce()
    {
        var source = await factory.CreateFundedAccountAsync(100m);
        var destination = await factory.CreateAccountAsync();
        var id = Guid.CreateVersion7();
        var json = $$"""{"id":"{{id}}","sourceAccountId":"{{source}}","destinationAccountId":"{{destination}}","amount":25,"reference":"once"}""";
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var first = await ApiFactory.PostJsonAsync(client, "/v1/transfers", json);
        Assert.True(first.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(first));
        var original = await ApiFactory.ReadJsonAsync(first);
        var sourceAfter = await factory.GetBalanceAsync(source);
        var destinationAfter = await factory.GetBalanceAsync(destination);

        using var replay = await ApiFactory.PostJsonAsync(client, "/v1/transfers", json);

        Assert.True(replay.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(replay));
        Assert.True(replay.Headers.TryGetValues("Idempotent-Replayed", out var replayed), "Idempotent-Replayed is missing");
        Assert.Equal("true", Assert.Single(replayed));
        AssertSameTransfer(original, await ApiFactory.ReadJsonAsync(replay));
        Assert.Equal((75m, 2L), sourceAfter);
        Assert.Equal((25m, 1L), destinationAfter);
        Assert.Equal(sourceAfter, await factory.GetBalanceAsync(source));
        Assert.Equal(destinationAfter, await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await factory.CountTransfersAsync(id));
    }

    [Fact]
    public async Task PostTransfer_SameIdDifferentAmount_Returns409IdempotencyConflict()
    {
        var source = await factory.CreateFundedAccountAsync(100m);
        var destination = await factory.CreateAccountAsync();
        var id = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var first = await ApiFactory.PostJsonAsync(client, "/v1/transfers",
            $$"""{"id":"{{id}}","sourceAccountId":"{{source}}","destinationAccountId":"{{destination}}","amount":25}""");
        Assert.True(first.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(first));

        using var conflict = await ApiFactory.PostJsonAsync(client, "/v1/transfers",
            $$"""{"id":"{{id}}","sourceAccountId":"{{source}}","destinationAccountId":"{{destination}}","amount":26}""");

        Assert.True(conflict.StatusCode == HttpStatusCode.Conflict, await ApiFactory.DescribeAsync(conflict));
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
        Assert.Equal("idempotency_conflict", (await ApiFactory.ReadJsonAsync(conflict)).GetProperty("code").GetString());
        Assert.Equal((75m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((25m, 1L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await factory.CountTransfersAsync(id));
    }

    [Fact]
    public async Task PostTransfer_AmountAsNumericString_IsAccepted()
    {
        var source = await factory.CreateFundedAccountAsync(100m);
        var destination = await factory.CreateAccountAsync();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiFactory.PostJsonAsync(client, "/v1/transfers",
            $$"""{"sourceAccountId":"{{source}}","destinationAccountId":"{{destination}}","amount":"12.50"}""");

        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.Equal(12.5m, body.GetProperty("amount").GetDecimal());
        Assert.NotEqual(Guid.Empty, body.GetProperty("id").GetGuid());
        Assert.Equal(1L, await factory.CountTransfersAsync(body.GetProperty("id").GetGuid()));
        Assert.Equal((87.5m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((12.5m, 1L), await factory.GetBalanceAsync(destination));
    }

    [Fact]
    public async Task PostTransfer_WithCorrelationId_EchoesItAndStoresItOnTransfer()
    {
        var source = await factory.CreateFundedAccountAsync(10m);
        var destination = await factory.CreateAccountAsync();
        var id = Guid.CreateVersion7();
        var correlationId = $"corr-{Guid.NewGuid():N}";
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        client.DefaultRequestHeaders.Add(ApiFactory.CorrelationHeader, correlationId);

        using var response = await ApiFactory.PostJsonAsync(client, "/v1/transfers",
            $$"""{"id":"{{id}}","sourceAccountId":"{{source}}","destinationAccountId":"{{destination}}","amount":1}""");

        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        Assert.Equal(correlationId, Assert.Single(response.Headers.GetValues(ApiFactory.CorrelationHeader)));
        Assert.Equal(correlationId, (await ApiFactory.ReadJsonAsync(response)).GetProperty("correlationId").GetString());
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);
        using var read = await reader.GetAsync(new Uri($"/v1/transfers/{id}", UriKind.Relative));
        Assert.True(read.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(read));
        Assert.Equal(correlationId, (await ApiFactory.ReadJsonAsync(read)).GetProperty("correlationId").GetString());
        Assert.NotEqual(correlationId, Assert.Single(read.Headers.GetValues(ApiFactory.CorrelationHeader)));
    }

    [Fact]
    public async Task PostTransfer_WithoutCorrelationId_GeneratesOneReturnsAndStoresIt()
    {
        var source = await factory.CreateFundedAccountAsync(10m);
        var destination = await factory.CreateAccountAsync();
        var id = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiFactory.PostJsonAsync(client, "/v1/transfers",
            $$"""{"id":"{{id}}","sourceAccountId":"{{source}}","destinationAccountId":"{{destination}}","amount":1}""");

        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        var generated = Assert.Single(response.Headers.GetValues(ApiFactory.CorrelationHeader));
        Assert.False(string.IsNullOrWhiteSpace(generated));
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);
        using var read = await reader.GetAsync(new Uri($"/v1/transfers/{id}", UriKind.Relative));
        Assert.Equal(generated, (await ApiFactory.ReadJsonAsync(read)).GetProperty("correlationId").GetString());
    }

    [Fact]
    public async Task Request_WithUnsafeCorrelationId_GetsAFreshOne()
    {
        using var client = factory.CreateClient(ApiFactory.ReaderKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/health/live", UriKind.Relative));
        request.Headers.TryAddWithoutValidation(ApiFactory.CorrelationHeader, "bad id with spaces\u0007");

        using var response = await client.SendAsync(request);

        var returned = Assert.Single(response.Headers.GetValues(ApiFactory.CorrelationHeader));
        Assert.False(string.IsNullOrWhiteSpace(returned));
        Assert.DoesNotContain(" ", returned, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_WithoutKey_Answers200(string path)
    {
        using var client = factory.CreateClient(key: null);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        Assert.True(response.Headers.Contains(ApiFactory.CorrelationHeader));
    }

    [Fact]
    public async Task SwaggerUi_WithoutKey_Answers200()
    {
        using var client = factory.CreateClient(key: null);

        using var response = await client.GetAsync(new Uri("/swagger/index.html", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SwaggerDocument_WithoutKey_HasApiKeySchemeAndAmountExample()
    {
        using var client = factory.CreateClient(key: null);

        using var response = await client.GetAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        var document = await ApiFactory.ReadJsonAsync(response);
        var components = document.GetProperty("components");
        var scheme = components.GetProperty("securitySchemes").EnumerateObject()
            .Select(p => p.Value)
            .Single(s => s.GetProperty("type").GetString() == "apiKey");
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());

        var amount = components.GetProperty("schemas").GetProperty("PostTransferBody").GetProperty("properties").GetProperty("amount");
        Assert.True(amount.TryGetProperty("example", out var example), $"amount has no example: {amount}");
        var exampleValue = example.ValueKind == JsonValueKind.String
            ? decimal.Parse(example.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : example.GetDecimal();
        Assert.Equal(125.50m, exampleValue);
        Assert.True(document.GetProperty("paths").TryGetProperty("/v1/transfers", out _));
    }

    private static void AssertSameTransfer(JsonElement expected, JsonElement actual)
    {
        foreach (var name in TransferTextFields)
        {
            Assert.Equal(expected.GetProperty(name).ToString(), actual.GetProperty(name).ToString());
        }

        Assert.Equal(expected.GetProperty("amount").GetDecimal(), actual.GetProperty("amount").GetDecimal());
        Assert.Equal(expected.GetProperty("timestamp").GetDateTimeOffset(), actual.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal(expected.GetProperty("postedAt").GetDateTimeOffset(), actual.GetProperty("postedAt").GetDateTimeOffset());
    }
}
