using System.Globalization;

namespace Ledger.Api.Tests;

/// <summary>
/// One row per bad request. Each row checks the status, that the body is problem+json with the stable
/// <c>code</c> (and, for validation, an <c>errors</c> entry naming the field), that the response carries
/// X-Correlation-ID and is never a 500, and that nothing changed: the balances and versions of the accounts in
/// play are as before and no transfer row has the id that was sent.
/// </summary>
public sealed class BadInputTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string ProblemJson = "application/problem+json";
    private const string Validation = "validation_failed";
    private const string Transfers = "/v1/transfers";
    private const string Accounts = "/v1/accounts";

    private static readonly string SixtyFiveChars = new('a', 65);

    /// <summary>The accounts a transfer row plays with: a source holding 100 USD, a USD destination, a EUR account
    /// and the transfer id the body carries.</summary>
    public sealed record TransferScene(string Source, string Destination, string Euro, Guid TransferId);

    /// <summary>A bad transfer request and the answer it must get. <paramref name="Statuses"/> lists the acceptable
    /// statuses (one, except where the contract leaves the choice to the host).</summary>
    public sealed record TransferCase(
        Func<TransferScene, string> Body, HttpStatusCode[] Statuses, string Code, string? Field, string MediaType = "application/json");

    /// <summary>An existing USD account (overdraft limit 5) and a fresh, valid, unused id.</summary>
    public sealed record AccountScene(string Existing, string FreshId);

    /// <summary>A bad account request; <paramref name="MustNotExist"/> is the id that must still be unknown after it.</summary>
    public sealed record AccountCase(
        Func<AccountScene, string> Body, HttpStatusCode Status, string Code, string? Field, Func<AccountScene, string>? MustNotExist);

    /// <summary>An account with one entry (10 USD) and a transfer into it.</summary>
    public sealed record ReadScene(string Account, Guid TransferId);

    public sealed record ReadCase(Func<ReadScene, string> Path, HttpStatusCode Status, string Code, string? Field);

    /// <summary>A request with the wrong (or no) key, or a key whose roles do not allow it.</summary>
    public sealed record AuthCase(string? Key, bool Post, HttpStatusCode Status, string Code);

    private static readonly Dictionary<string, TransferCase> TransferCases = new(StringComparer.Ordinal)
    {
        ["negative amount"] = Bad(s => TransferJson(s, ("amount", "-5")), "amount"),
        ["zero amount"] = Bad(s => TransferJson(s, ("amount", "0")), "amount"),
        ["amount not numeric string"] = Bad(s => TransferJson(s, ("amount", "\"abc\"")), "amount"),
        ["amount NaN string"] = Bad(s => TransferJson(s, ("amount", "\"NaN\"")), "amount"),
        ["amount JSON true"] = Bad(s => TransferJson(s, ("amount", "true")), "amount"),
        ["amount with more decimals than USD has"] = Bad(s => TransferJson(s, ("amount", "1.001")), "amount"),
        ["amount with more decimals than any currency has"] = Bad(s => TransferJson(s, ("amount", "1.00001")), "amount"),
        ["amount 1e20"] = Bad(s => TransferJson(s, ("amount", "1e20")), "amount"),
        ["amount 1e400"] = Bad(s => TransferJson(s, ("amount", "1e400")), "amount"),
        ["amount missing"] = Bad(s => TransferJson(s, ("amount", null)), "amount"),
        ["amount with 31 significant digits (rounds to 1)"] = Bad(s => TransferJson(s, ("amount", "1.000000000000000000000000000001")), "amount"),
        ["amount string with 31 significant digits"] = Bad(s => TransferJson(s, ("amount", "\"1.000000000000000000000000000001\"")), "amount"),
        ["amount with 29 decimal places"] = Bad(s => TransferJson(s, ("amount", "0.00000000000000000000000000001")), "amount"),
        ["amount given twice (the last would win)"] = Bad(s => TransferJson(s, ("amount", "0.01"))[..^1] + ",\"amount\":7}", "amount"),
        ["amount given twice in other case"] = Bad(s => TransferJson(s, ("amount", "0.01"))[..^1] + ",\"Amount\":7}", "amount"),
        ["unknown property (misspelt reference)"] = Bad(s => TransferJson(s)[..^1] + ",\"refrence\":\"invoice 7\"}", "refrence"),
        ["reference with NUL"] = Bad(s => TransferJson(s, ("reference", Quote("invoice\u00007"))), "reference"),
        ["reference with CR LF"] = Bad(s => TransferJson(s, ("reference", Quote("invoice 7\r\nApproved: yes"))), "reference"),
        ["reference with a right-to-left override"] = Bad(s => TransferJson(s, ("reference", Quote("invoice \u202Efdp.exe"))), "reference"),
        ["reference with an unpaired surrogate"] = Bad(s => TransferJson(s, ("reference", "\"invoice \\ud800\"")), "reference"),
        ["amount null"] = Bad(s => TransferJson(s, ("amount", "null")), "amount"),
        ["sourceAccountId missing"] = Bad(s => TransferJson(s, ("sourceAccountId", null)), "sourceAccountId"),
        ["destinationAccountId missing"] = Bad(s => TransferJson(s, ("destinationAccountId", null)), "destinationAccountId"),
        ["same source and destination"] = Bad(s => TransferJson(s, ("destinationAccountId", Quote(s.Source))), "destinationAccountId"),
        ["unknown source"] = Refused(s => TransferJson(s, ("sourceAccountId", Quote(Ids.Account("ghost")))), HttpStatusCode.UnprocessableEntity, "account_not_found"),
        ["unknown destination"] = Refused(s => TransferJson(s, ("destinationAccountId", Quote(Ids.Account("ghost")))), HttpStatusCode.UnprocessableEntity, "account_not_found"),
        ["accounts in different currencies"] = Refused(s => TransferJson(s, ("destinationAccountId", Quote(s.Euro))), HttpStatusCode.UnprocessableEntity, "currency_mismatch"),
        ["currency differs from the accounts"] = Refused(s => TransferJson(s, ("currency", "\"EUR\"")), HttpStatusCode.UnprocessableEntity, "currency_mismatch"),
        ["unknown currency XYZ"] = Bad(s => TransferJson(s, ("currency", "\"XYZ\"")), "currency"),
        ["lowercase currency"] = Bad(s => TransferJson(s, ("currency", "\"usd\"")), "currency"),
        ["insufficient funds"] = Refused(s => TransferJson(s, ("amount", "1000")), HttpStatusCode.UnprocessableEntity, "insufficient_funds"),
        ["insufficient funds by one cent"] = Refused(s => TransferJson(s, ("amount", "100.01")), HttpStatusCode.UnprocessableEntity, "insufficient_funds"),
        ["malformed JSON"] = Bad(s => TransferJson(s)[..^1] + ",", "body"),
        ["truncated JSON"] = Bad(s => $$"""{"id":"{{s.TransferId}}","amount": 1,""", "body"),
        ["empty body"] = Bad(_ => string.Empty, "body"),
        ["body is JSON null"] = Bad(_ => "null", "body"),
        ["body is a JSON array"] = Bad(s => "[" + TransferJson(s) + "]", "body"),
        ["id not a UUID"] = Bad(s => TransferJson(s, ("id", "\"not-a-uuid\"")), "id"),
        ["id the empty UUID"] = Bad(s => TransferJson(s, ("id", Quote(Guid.Empty.ToString()))), "id"),
        ["id a number"] = Bad(s => TransferJson(s, ("id", "42")), "id"),
        ["source id with a space"] = Bad(s => TransferJson(s, ("sourceAccountId", "\"a b\"")), "sourceAccountId"),
        ["source id with a non-ASCII letter"] = Bad(s => TransferJson(s, ("sourceAccountId", "\"ü\"")), "sourceAccountId"),
        ["destination id with a quote"] = Bad(s => TransferJson(s, ("destinationAccountId", Quote("x' OR '1'='1"))), "destinationAccountId"),
        ["source id of 65 characters"] = Bad(s => TransferJson(s, ("sourceAccountId", Quote(SixtyFiveChars))), "sourceAccountId"),
        ["source id empty"] = Bad(s => TransferJson(s, ("sourceAccountId", "\"\"")), "sourceAccountId"),
        ["reference of 257 characters"] = Bad(s => TransferJson(s, ("reference", Quote(new string('r', 257)))), "reference"),
        ["timestamp malformed"] = Bad(s => TransferJson(s, ("timestamp", "\"yesterday\"")), "timestamp"),
        ["timestamp 10 minutes in the future"] = Bad(
            s => TransferJson(s, ("timestamp", Quote(DateTimeOffset.UtcNow.AddMinutes(10).ToString("O", CultureInfo.InvariantCulture)))), "timestamp"),
        ["content type text/plain"] = new(
            s => TransferJson(s), [HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType], Validation, "body", "text/plain"),
    };

    private static readonly Dictionary<string, AccountCase> AccountCases = new(StringComparer.Ordinal)
    {
        ["unknown currency"] = new(s => AccountJson(Quote(s.FreshId), "\"XYZ\""), HttpStatusCode.BadRequest, Validation, "currency", s => s.FreshId),
        ["missing currency"] = new(s => $$"""{"id":{{Quote(s.FreshId)}}}""", HttpStatusCode.BadRequest, Validation, "currency", s => s.FreshId),
        ["lowercase currency"] = new(s => AccountJson(Quote(s.FreshId), "\"usd\""), HttpStatusCode.BadRequest, Validation, "currency", s => s.FreshId),
        ["id with a space"] = new(_ => AccountJson("\"a b\""), HttpStatusCode.BadRequest, Validation, "id", _ => "a b"),
        ["id with a non-ASCII letter"] = new(_ => AccountJson("\"ü\""), HttpStatusCode.BadRequest, Validation, "id", _ => "ü"),
        ["id with a slash"] = new(_ => AccountJson("\"a/b\""), HttpStatusCode.BadRequest, Validation, "id", _ => "a/b"),
        ["id of 65 characters"] = new(_ => AccountJson(Quote(SixtyFiveChars)), HttpStatusCode.BadRequest, Validation, "id", _ => SixtyFiveChars),
        ["id empty"] = new(_ => AccountJson("\"\""), HttpStatusCode.BadRequest, Validation, "id", _ => string.Empty),
        ["negative overdraft limit"] = new(s => AccountJson(Quote(s.FreshId), overdraft: "-1"), HttpStatusCode.BadRequest, Validation, "overdraftLimit", s => s.FreshId),
        ["overdraft limit with more decimals than USD has"] = new(s => AccountJson(Quote(s.FreshId), overdraft: "1.001"), HttpStatusCode.BadRequest, Validation, "overdraftLimit", s => s.FreshId),
        ["overdraft limit with 31 significant digits"] = new(s => AccountJson(Quote(s.FreshId), overdraft: "1.000000000000000000000000000001"), HttpStatusCode.BadRequest, Validation, "overdraftLimit", s => s.FreshId),
        ["overdraft limit given twice"] = new(s => AccountJson(Quote(s.FreshId))[..^1] + ",\"overdraftLimit\":5}", HttpStatusCode.BadRequest, Validation, "overdraftLimit", s => s.FreshId),
        ["misspelt overdraftLimit"] = new(s => $$"""{"id":{{Quote(s.FreshId)}},"currency":"USD","overdraftLimt":5}""", HttpStatusCode.BadRequest, Validation, "overdraftLimt", s => s.FreshId),
        ["overdraft limit not numeric"] = new(s => AccountJson(Quote(s.FreshId), overdraft: "\"abc\""), HttpStatusCode.BadRequest, Validation, "overdraftLimit", s => s.FreshId),
        ["malformed JSON"] = new(s => $$"""{"id":{{Quote(s.FreshId)}},"currency":""", HttpStatusCode.BadRequest, Validation, "body", s => s.FreshId),
        ["empty body"] = new(_ => string.Empty, HttpStatusCode.BadRequest, Validation, "body", null),
        ["duplicate id"] = new(s => AccountJson(Quote(s.Existing), "\"EUR\""), HttpStatusCode.Conflict, "account_exists", null, null),
    };

    private static readonly Dictionary<string, ReadCase> ReadCases = new(StringComparer.Ordinal)
    {
        ["unknown account"] = new(_ => $"{Accounts}/{Ids.Account("ghost")}", HttpStatusCode.NotFound, "account_not_found", null),
        ["unknown account balance"] = new(_ => $"{Accounts}/{Ids.Account("ghost")}/balance", HttpStatusCode.NotFound, "account_not_found", null),
        ["unknown account entries"] = new(_ => $"{Accounts}/{Ids.Account("ghost")}/entries", HttpStatusCode.NotFound, "account_not_found", null),
        ["unknown transfer"] = new(_ => $"{Transfers}/{Guid.CreateVersion7()}", HttpStatusCode.NotFound, "transfer_not_found", null),
        ["transfer id not a UUID"] = new(_ => $"{Transfers}/not-a-uuid", HttpStatusCode.BadRequest, Validation, "id"),
        ["account id with a space"] = new(_ => $"{Accounts}/a%20b", HttpStatusCode.BadRequest, Validation, "accountId"),
        ["account id with a non-ASCII letter"] = new(_ => $"{Accounts}/%C3%BC", HttpStatusCode.BadRequest, Validation, "accountId"),
        ["account id of 65 characters"] = new(_ => $"{Accounts}/{SixtyFiveChars}", HttpStatusCode.BadRequest, Validation, "accountId"),
        ["balance of an invalid account id"] = new(_ => $"{Accounts}/a%20b/balance", HttpStatusCode.BadRequest, Validation, "accountId"),
        ["entries of an invalid account id"] = new(_ => $"{Accounts}/a%20b/entries", HttpStatusCode.BadRequest, Validation, "accountId"),
        ["account id with SQL"] = new(_ => $"{Accounts}/x'%20OR%20'1'='1", HttpStatusCode.BadRequest, Validation, "accountId"),
        ["balance of an account id with SQL"] = new(_ => $"{Accounts}/x'%20OR%20'1'='1/balance", HttpStatusCode.BadRequest, Validation, "accountId"),
        ["entries of an account id with SQL"] = new(_ => $"{Accounts}/x'%20OR%20'1'='1/entries", HttpStatusCode.BadRequest, Validation, "accountId"),
        ["entries limit=0"] = new(s => $"{Accounts}/{s.Account}/entries?limit=0", HttpStatusCode.BadRequest, Validation, "limit"),
        ["entries limit=1001"] = new(s => $"{Accounts}/{s.Account}/entries?limit=1001", HttpStatusCode.BadRequest, Validation, "limit"),
        ["entries limit=abc"] = new(s => $"{Accounts}/{s.Account}/entries?limit=abc", HttpStatusCode.BadRequest, Validation, "limit"),
        ["entries limit=-1"] = new(s => $"{Accounts}/{s.Account}/entries?limit=-1", HttpStatusCode.BadRequest, Validation, "limit"),
        ["entries limit=99999999999"] = new(s => $"{Accounts}/{s.Account}/entries?limit=99999999999", HttpStatusCode.BadRequest, Validation, "limit"),
        ["entries before=abc"] = new(s => $"{Accounts}/{s.Account}/entries?before=abc", HttpStatusCode.BadRequest, Validation, "before"),
        ["entries before=0"] = new(s => $"{Accounts}/{s.Account}/entries?before=0", HttpStatusCode.BadRequest, Validation, "before"),
    };

    private static readonly Dictionary<string, AuthCase> AuthCases = new(StringComparer.Ordinal)
    {
        ["no key posts a transfer"] = new(null, Post: true, HttpStatusCode.Unauthorized, "unauthorized"),
        ["wrong key posts a transfer"] = new("not-a-configured-key-123456", Post: true, HttpStatusCode.Unauthorized, "unauthorized"),
        ["no key reads a balance"] = new(null, Post: false, HttpStatusCode.Unauthorized, "unauthorized"),
        ["wrong key reads a balance"] = new(ApiFactory.PosterKey + "x", Post: false, HttpStatusCode.Unauthorized, "unauthorized"),
        ["reader key posts a transfer"] = new(ApiFactory.ReaderKey, Post: true, HttpStatusCode.Forbidden, "forbidden"),
        ["poster-only key reads a balance"] = new(ApiFactory.PosterOnlyKey, Post: false, HttpStatusCode.Forbidden, "forbidden"),
        ["admin key without poster role posts a transfer"] = new(ApiFactory.AdminKey, Post: true, HttpStatusCode.Forbidden, "forbidden"),
    };

    public static TheoryData<string> TransferCaseNames => NamesOf(TransferCases.Keys);

    public static TheoryData<string> AccountCaseNames => NamesOf(AccountCases.Keys);

    public static TheoryData<string> ReadCaseNames => NamesOf(ReadCases.Keys);

    public static TheoryData<string> AuthCaseNames => NamesOf(AuthCases.Keys);

    [Theory]
    [MemberData(nameof(TransferCaseNames))]
    public async Task PostTransfer_BadInput_IsRefusedAndChangesNothing(string row)
    {
        var @case = TransferCases[row];
        var scene = await CreateTransferSceneAsync();
        var before = await SnapshotAsync(scene);
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiFactory.PostJsonAsync(client, Transfers, @case.Body(scene), @case.MediaType);

        await AssertProblemAsync(response, @case.Statuses, @case.Code, @case.Field);
        Assert.Equal(before, await SnapshotAsync(scene));
        Assert.Equal(0L, await factory.CountTransfersAsync(scene.TransferId));
    }

    [Theory]
    [MemberData(nameof(AccountCaseNames))]
    public async Task CreateAccount_BadInput_IsRefusedAndChangesNothing(string row)
    {
        var @case = AccountCases[row];
        var existing = await factory.CreateAccountAsync("USD", overdraftLimit: 5m, label: "existing");
        var scene = new AccountScene(existing, Ids.Account("fresh"));
        // The banker key (poster and admin): what is checked here is the body, not the right to grant credit.
        using var client = factory.CreateClient(ApiFactory.BankerKey);

        using var response = await ApiFactory.PostJsonAsync(client, Accounts, @case.Body(scene));

        await AssertProblemAsync(response, [@case.Status], @case.Code, @case.Field);
        if (@case.MustNotExist is { } mustNotExist)
        {
            Assert.Equal(0L, await factory.CountAccountsAsync(mustNotExist(scene)));
        }

        using var read = await client.GetAsync(new Uri($"{Accounts}/{existing}", UriKind.Relative));
        var account = await ApiFactory.ReadJsonAsync(read);
        Assert.Equal("USD", account.GetProperty("currency").GetString());
        Assert.Equal(5m, account.GetProperty("overdraftLimit").GetDecimal());
        Assert.Equal(0m, account.GetProperty("balance").GetDecimal());
        Assert.Equal(0L, account.GetProperty("version").GetInt64());
    }

    [Theory]
    [MemberData(nameof(ReadCaseNames))]
    public async Task Get_BadOrUnknownTarget_IsRefusedWithProblem(string row)
    {
        var @case = ReadCases[row];
        var account = await factory.CreateAccountAsync(label: "read");
        var transferId = await factory.FundAsync(account, 10m);
        var scene = new ReadScene(account, transferId);
        using var client = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await client.GetAsync(new Uri(@case.Path(scene), UriKind.Relative));

        await AssertProblemAsync(response, [@case.Status], @case.Code, @case.Field);
        Assert.Equal((10m, 1L), await factory.GetBalanceAsync(account));
    }

    [Theory]
    [MemberData(nameof(AuthCaseNames))]
    public async Task Request_WithoutTheRightKey_IsRefusedAndChangesNothing(string row)
    {
        var @case = AuthCases[row];
        var scene = await CreateTransferSceneAsync();
        var before = await SnapshotAsync(scene);
        using var client = factory.CreateClient(@case.Key);

        using var response = @case.Post
            ? await ApiFactory.PostJsonAsync(client, Transfers, TransferJson(scene))
            : await client.GetAsync(new Uri($"{Accounts}/{scene.Source}/balance", UriKind.Relative));

        await AssertProblemAsync(response, [@case.Status], @case.Code, field: null);
        if (!@case.Post)
        {
            Assert.False((await ApiFactory.ReadJsonAsync(response)).TryGetProperty("balance", out _), "a refused read returned a balance");
        }

        Assert.Equal(before, await SnapshotAsync(scene));
        Assert.Equal(0L, await factory.CountTransfersAsync(scene.TransferId));
    }

    [Fact]
    public async Task CreateAccount_ReaderKey_IsForbiddenAndCreatesNothing()
    {
        var id = Ids.Account("forbidden");
        using var client = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await ApiFactory.PostJsonAsync(client, Accounts, AccountJson(Quote(id)));

        await AssertProblemAsync(response, [HttpStatusCode.Forbidden], "forbidden", field: null);
        Assert.Equal(0L, await factory.CountAccountsAsync(id));
    }

    [Fact]
    public async Task PostTransfer_QuotesAndSqlInReference_AreStoredAndReturnedExactly()
    {
        const string reference = "x' OR '1'='1'; DROP TABLE transfers; -- \"quoted\" \\back\\slash `tick` ü€ %s {0}";
        var scene = await CreateTransferSceneAsync();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var posted = await ApiFactory.PostJsonAsync(client, Transfers, TransferJson(scene, ("reference", Quote(reference))));

        Assert.True(posted.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(posted));
        Assert.Equal(reference, (await ApiFactory.ReadJsonAsync(posted)).GetProperty("reference").GetString());
        using var read = await client.GetAsync(new Uri($"{Transfers}/{scene.TransferId}", UriKind.Relative));
        Assert.True(read.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(read));
        Assert.Equal(reference, (await ApiFactory.ReadJsonAsync(read)).GetProperty("reference").GetString());
        Assert.Equal(1L, await factory.CountTransfersAsync(scene.TransferId));
        Assert.Equal((90m, 2L), await factory.GetBalanceAsync(scene.Source));
    }

    [Fact]
    public async Task PostTransfer_DecomposedReference_IsStoredInNfcAndItsReplayIsTheSameContent()
    {
        const string decomposed = "Cafe\u0301 Mu\u0308ller";   // e + combining acute, u + combining diaeresis
        const string composed = "Caf\u00e9 M\u00fcller";
        var scene = await CreateTransferSceneAsync();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var posted = await ApiFactory.PostJsonAsync(client, Transfers, TransferJson(scene, ("reference", Quote(decomposed))));
        using var replayed = await ApiFactory.PostJsonAsync(client, Transfers, TransferJson(scene, ("reference", Quote(composed))));

        Assert.True(posted.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(posted));
        Assert.Equal(composed, (await ApiFactory.ReadJsonAsync(posted)).GetProperty("reference").GetString());
        Assert.True(replayed.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(replayed));
        Assert.Equal(composed, await ApiCalls.ScalarAsync<string>(factory.ConnectionString,
            "SELECT reference FROM ledger_transfers WHERE id = @id", ("@id", scene.TransferId.ToByteArray(bigEndian: true))));
        Assert.Equal((90m, 2L), await factory.GetBalanceAsync(scene.Source));
    }

    [Fact]
    public async Task ErrorResponse_WithCorrelationId_EchoesItInHeaderAndBody()
    {
        var correlationId = $"corr-{Guid.NewGuid():N}";
        using var client = factory.CreateClient(key: null);
        client.DefaultRequestHeaders.Add(ApiFactory.CorrelationHeader, correlationId);

        using var response = await client.GetAsync(new Uri($"{Accounts}/{Ids.Account()}/balance", UriKind.Relative));

        await AssertProblemAsync(response, [HttpStatusCode.Unauthorized], "unauthorized", field: null);
        Assert.Equal(correlationId, Assert.Single(response.Headers.GetValues(ApiFactory.CorrelationHeader)));
        Assert.Equal(correlationId, (await ApiFactory.ReadJsonAsync(response)).GetProperty("correlationId").GetString());
    }

    [Fact]
    public async Task UnknownRoute_WithKey_Is404WithCorrelationId()
    {
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await client.GetAsync(new Uri("/v1/nothing-here", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.True(response.Headers.Contains(ApiFactory.CorrelationHeader), "X-Correlation-ID is missing");
    }

    private async Task<TransferScene> CreateTransferSceneAsync()
    {
        var source = await factory.CreateFundedAccountAsync(100m, label: "source");
        var destination = await factory.CreateAccountAsync(label: "destination");
        var euro = await factory.CreateAccountAsync("EUR", label: "euro");
        return new TransferScene(source, destination, euro, Guid.CreateVersion7());
    }

    private async Task<(decimal, long)[]> SnapshotAsync(TransferScene scene) =>
    [
        await factory.GetBalanceAsync(scene.Source),
        await factory.GetBalanceAsync(scene.Destination),
        await factory.GetBalanceAsync(scene.Euro),
    ];

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode[] statuses, string code, string? field)
    {
        var description = await ApiFactory.DescribeAsync(response);
        Assert.True(statuses.Contains(response.StatusCode), $"expected {string.Join(" or ", statuses.Select(s => (int)s))}, got {description}");
        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.True(response.Headers.TryGetValues(ApiFactory.CorrelationHeader, out var correlation), "X-Correlation-ID is missing");
        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(correlation)));
        Assert.True(ProblemJson == response.Content.Headers.ContentType?.MediaType, $"not problem+json: {response.Content.Headers.ContentType} {description}");

        var problem = await ApiFactory.ReadJsonAsync(response);
        Assert.True(problem.TryGetProperty("code", out var actualCode), $"no code: {description}");
        Assert.Equal(code, actualCode.GetString());
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Assert.True(problem.TryGetProperty("errors", out var errors), $"no errors: {description}");
            Assert.True(errors.TryGetProperty(field, out var messages), $"errors does not name '{field}': {description}");
            Assert.Contains(messages.EnumerateArray(), m => !string.IsNullOrWhiteSpace(m.GetString()));
        }
    }

    private static TransferCase Bad(Func<TransferScene, string> body, string field) =>
        new(body, [HttpStatusCode.BadRequest], Validation, field);

    private static TransferCase Refused(Func<TransferScene, string> body, HttpStatusCode status, string code) =>
        new(body, [status], code, null);

    /// <summary>A valid transfer of 10 USD from the scene's source to its destination, with some fields replaced by
    /// raw JSON values (null leaves the field out).</summary>
    private static string TransferJson(TransferScene scene, params (string Name, string? RawValue)[] changes)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["id"] = Quote(scene.TransferId.ToString()),
            ["sourceAccountId"] = Quote(scene.Source),
            ["destinationAccountId"] = Quote(scene.Destination),
            ["amount"] = "10.00",
        };
        foreach (var (name, raw) in changes)
        {
            fields[name] = raw;
        }

        return "{" + string.Join(",", fields.Where(f => f.Value is not null).Select(f => $"{Quote(f.Key)}:{f.Value}")) + "}";
    }

    private static string AccountJson(string rawId, string rawCurrency = "\"USD\"", string overdraft = "0") =>
        $$"""{"id":{{rawId}},"currency":{{rawCurrency}},"overdraftLimit":{{overdraft}}}""";

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static TheoryData<string> NamesOf(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names)
        {
            data.Add(name);
        }

        return data;
    }
}
