using MySqlConnector;

namespace Ledger.Api.Tests;

/// <summary>PATCH /v1/accounts/{id} with {overdraftLimit}: the admin role changes how far an account may go below
/// zero; the change applies to the next debit and is written to audit_log with who, when and the correlation id.</summary>
public sealed class OverdraftApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Action = "account.overdraft_limit_changed";

    private static string LimitJson(string limit) => $$"""{"overdraftLimit":{{limit}}}""";

    private async Task<JsonElement> SetLimitAsync(string account, string limit, string? correlationId = null)
    {
        using var admin = factory.CreateClient(ApiFactory.AdminKey);
        using var response = await ApiCalls.PatchAccountAsync(admin, account, LimitJson(limit), correlationId);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        return await ApiFactory.ReadJsonAsync(response);
    }

    private async Task<HttpResponseMessage> DebitAsync(string source, string destination, decimal amount, Guid? id = null)
    {
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        return await ApiCalls.PostTransferAsync(client, id ?? Guid.CreateVersion7(), source, destination, amount);
    }

    private Task<long> CountAuditRowsAsync(string account) => ApiCalls.ScalarAsync<long>(
        factory.ConnectionString, "SELECT COUNT(*) FROM audit_log WHERE entity_id = @id AND action = @action",
        ("@id", account), ("@action", Action));

    [Fact]
    public async Task UpdateAccount_AdminKey_Returns200AccountWithTheNewLimit()
    {
        var account = await factory.CreateFundedAccountAsync(10m, label: "od-set");
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, account, LimitJson("25.5"));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.Equal(account, body.GetProperty("id").GetString());
        Assert.Equal("USD", body.GetProperty("currency").GetString());
        Assert.Equal(25.5m, body.GetProperty("overdraftLimit").GetDecimal());
        // The balance and its version do not change with the limit.
        Assert.Equal(10m, body.GetProperty("balance").GetDecimal());
        Assert.Equal(1L, body.GetProperty("version").GetInt64());

        using var read = await admin.GetAsync(new Uri($"/v1/accounts/{account}", UriKind.Relative));
        Assert.True(read.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(read));
        Assert.Equal(25.5m, (await ApiFactory.ReadJsonAsync(read)).GetProperty("overdraftLimit").GetDecimal());
        Assert.Equal((10m, 1L), await factory.GetBalanceAsync(account));
    }

    [Fact]
    public async Task PostTransfer_AfterLimitSet_ExactlyToMinusLimitPassesAndOneCentMoreFails()
    {
        var account = await factory.CreateFundedAccountAsync(10m, label: "od-edge");
        var other = await factory.CreateAccountAsync(label: "od-other");
        await SetLimitAsync(account, "25.50");

        using var exact = await DebitAsync(account, other, 35.50m);
        await ApiCalls.AssertTransferAsync(exact, HttpStatusCode.Created);
        Assert.Equal((-25.50m, 2L), await factory.GetBalanceAsync(account));
        Assert.Equal((35.50m, 1L), await factory.GetBalanceAsync(other));

        var refusedId = Guid.CreateVersion7();
        using var oneCentMore = await DebitAsync(account, other, 0.01m, refusedId);

        await ApiCalls.AssertProblemAsync(oneCentMore, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal((-25.50m, 2L), await factory.GetBalanceAsync(account));
        Assert.Equal((35.50m, 1L), await factory.GetBalanceAsync(other));
        Assert.Equal(0L, await factory.CountTransfersAsync(refusedId));
    }

    [Fact]
    public async Task UpdateAccount_LimitBelowTheCurrentOverdraft_Returns200AndTheNextDebitIsRefused()
    {
        var account = await factory.CreateAccountAsync(label: "od-lower");
        var other = await factory.CreateAccountAsync(label: "od-other");
        await SetLimitAsync(account, "50");
        using (var spend = await DebitAsync(account, other, 30m))
        {
            await ApiCalls.AssertTransferAsync(spend, HttpStatusCode.Created);
        }

        var lowered = await SetLimitAsync(account, "10");

        Assert.Equal(10m, lowered.GetProperty("overdraftLimit").GetDecimal());
        Assert.Equal(-30m, lowered.GetProperty("balance").GetDecimal());
        Assert.Equal(1L, lowered.GetProperty("version").GetInt64());
        using var debit = await DebitAsync(account, other, 0.01m);
        await ApiCalls.AssertProblemAsync(debit, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal((-30m, 1L), await factory.GetBalanceAsync(account));

        // Credits still arrive; a debit is allowed again only down to the new limit.
        using (var credit = await DebitAsync(other, account, 25m))
        {
            await ApiCalls.AssertTransferAsync(credit, HttpStatusCode.Created);
        }

        using var tooFar = await DebitAsync(account, other, 5.01m);
        await ApiCalls.AssertProblemAsync(tooFar, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        using var toTheLimit = await DebitAsync(account, other, 5m);
        await ApiCalls.AssertTransferAsync(toTheLimit, HttpStatusCode.Created);
        Assert.Equal((-10m, 3L), await factory.GetBalanceAsync(account));
    }

    [Fact]
    public async Task UpdateAccount_LimitChanged_IsWrittenToTheAuditLogWithActorCorrelationAndMinorUnits()
    {
        var account = await factory.CreateAccountAsync(label: "od-audit");
        var firstCorrelation = $"od-audit-{Guid.NewGuid():N}";
        var secondCorrelation = $"od-audit-{Guid.NewGuid():N}";
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using (var first = await ApiCalls.PatchAccountAsync(admin, account, LimitJson("25.50"), firstCorrelation))
        {
            Assert.True(first.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(first));
            Assert.Equal(firstCorrelation, Assert.Single(first.Headers.GetValues(ApiFactory.CorrelationHeader)));
        }

        using (var second = await ApiCalls.PatchAccountAsync(admin, account, LimitJson("10"), secondCorrelation))
        {
            Assert.True(second.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(second));
        }

        var rows = await ReadAuditRowsAsync(account);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal(ApiFactory.AdminName, row.Actor);
            Assert.Equal("account", row.EntityType);
            Assert.InRange(row.OccurredAt, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
        });
        Assert.Equal(firstCorrelation, rows[0].CorrelationId);
        Assert.Equal((0L, 2550L), rows[0].FromTo);
        Assert.Equal(secondCorrelation, rows[1].CorrelationId);
        Assert.Equal((2550L, 1000L), rows[1].FromTo);
    }

    [Theory]
    [InlineData(ApiFactory.PosterKey, HttpStatusCode.Forbidden, "forbidden")]
    [InlineData(ApiFactory.PosterOnlyKey, HttpStatusCode.Forbidden, "forbidden")]
    [InlineData(ApiFactory.ReaderKey, HttpStatusCode.Forbidden, "forbidden")]
    [InlineData(null, HttpStatusCode.Unauthorized, "unauthorized")]
    public async Task UpdateAccount_WithoutTheAdminRole_IsRefusedAndChangesNothing(string? key, HttpStatusCode status, string code)
    {
        var account = await factory.CreateAccountAsync(label: "od-auth");
        using var client = factory.CreateClient(key);

        using var response = await ApiCalls.PatchAccountAsync(client, account, LimitJson("100"));

        await ApiCalls.AssertProblemAsync(response, status, code);
        await AssertLimitAsync(account, 0m);
        Assert.Equal(0L, await CountAuditRowsAsync(account));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"overdraftLimit":null}""")]
    [InlineData("""{"overdraftLimit":-1}""")]
    [InlineData("""{"overdraftLimit":-0.01}""")]
    [InlineData("""{"overdraftLimit":1.001}""")]
    [InlineData("""{"overdraftLimit":"abc"}""")]
    [InlineData("""{"overdraftLimit":1e30}""")]
    public async Task UpdateAccount_BadOrMissingLimit_Returns400NamingOverdraftLimitAndChangesNothing(string? json)
    {
        var account = await factory.CreateAccountAsync(label: "od-bad");
        await SetLimitAsync(account, "7");
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, account, json);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "overdraftLimit");
        await AssertLimitAsync(account, 7m);
        Assert.Equal(1L, await CountAuditRowsAsync(account));
    }

    /// <summary>Granting credit at opening needs admin as it does later: a poster without admin once opened an account
    /// allowed to overdraw 99,999,999,999,999 USD and moved 5,000,000 USD out of it.</summary>
    [Theory]
    [InlineData(ApiFactory.PosterKey)]
    [InlineData(ApiFactory.PosterOnlyKey)]
    public async Task CreateAccount_WithAnOverdraftLimitWithoutAdmin_Is403AndOpensNothing(string key)
    {
        var id = Ids.Account("od-open");
        using var client = factory.CreateClient(key);

        using var response = await ApiFactory.PostJsonAsync(client, "/v1/accounts",
            JsonSerializer.Serialize(new { id, currency = "USD", overdraftLimit = 99_999_999_999_999m }));
        using var withoutLimit = await ApiFactory.PostJsonAsync(client, "/v1/accounts",
            JsonSerializer.Serialize(new { id, currency = "USD", overdraftLimit = 0m }));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.True(withoutLimit.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(withoutLimit));
        await AssertLimitAsync(id, 0m);
    }

    /// <summary>Even an admin cannot give a limit above the currency's cap (Ledger:Overdraft, 1,000,000,000 by
    /// default), at opening or later.</summary>
    [Fact]
    public async Task OverdraftLimit_AboveTheCurrencysCap_Is400AtOpeningAndOnChange()
    {
        var id = Ids.Account("od-cap");
        using var banker = factory.CreateClient(ApiFactory.BankerKey);
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var tooHigh = await ApiFactory.PostJsonAsync(banker, "/v1/accounts",
            JsonSerializer.Serialize(new { id, currency = "USD", overdraftLimit = 1_000_000_000.01m }));
        using var atCap = await ApiFactory.PostJsonAsync(banker, "/v1/accounts",
            JsonSerializer.Serialize(new { id, currency = "USD", overdraftLimit = 1_000_000_000m }));
        using var raised = await ApiCalls.PatchAccountAsync(admin, id, LimitJson("1000000000.01"));

        await ApiCalls.AssertProblemAsync(tooHigh, HttpStatusCode.BadRequest, "validation_failed", "overdraftLimit");
        Assert.True(atCap.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(atCap));
        await ApiCalls.AssertProblemAsync(raised, HttpStatusCode.BadRequest, "validation_failed", "overdraftLimit");
        await AssertLimitAsync(id, 1_000_000_000m);
    }

    [Fact]
    public async Task UpdateAccount_MisspeltLimit_Returns400NamingTheMisspeltPropertyAndChangesNothing()
    {
        var account = await factory.CreateAccountAsync(label: "od-typo");
        await SetLimitAsync(account, "7");
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, account, """{"overdraftlimit_typo":5}""");

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "overdraftlimit_typo");
        await AssertLimitAsync(account, 7m);
        Assert.Equal(1L, await CountAuditRowsAsync(account));
    }

    [Fact]
    public async Task UpdateAccount_UnknownAccount_Returns404AccountNotFound()
    {
        var unknown = Ids.Account("od-ghost");
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, unknown, LimitJson("5"));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.NotFound, "account_not_found");
        Assert.Equal(0L, await factory.CountAccountsAsync(unknown));
        Assert.Equal(0L, await CountAuditRowsAsync(unknown));
    }

    [Fact]
    public async Task UpdateAccount_InvalidAccountId_Returns400NamingAccountId()
    {
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, new string('a', 65), LimitJson("5"));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "accountId");
    }

    private async Task AssertLimitAsync(string account, decimal expected)
    {
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);
        using var response = await reader.GetAsync(new Uri($"/v1/accounts/{account}", UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        Assert.Equal(expected, (await ApiFactory.ReadJsonAsync(response)).GetProperty("overdraftLimit").GetDecimal());
    }

    private sealed record AuditRow(string Actor, string EntityType, string? CorrelationId, DateTime OccurredAt, (long From, long To) FromTo);

    private async Task<List<AuditRow>> ReadAuditRowsAsync(string account)
    {
        await using var connection = new MySqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT actor, entity_type, correlation_id, occurred_at, details FROM audit_log " +
            "WHERE entity_id = @id AND action = @action ORDER BY id", connection);
        command.Parameters.AddWithValue("@id", account);
        command.Parameters.AddWithValue("@action", Action);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<AuditRow>();
        while (await reader.ReadAsync())
        {
            using var details = JsonDocument.Parse(reader.GetString(4));
            var from = details.RootElement.GetProperty("from");
            var to = details.RootElement.GetProperty("to");
            // Amounts are integers in minor units everywhere, so JSON numbers here, on MySQL and on MariaDB alike.
            Assert.True(from.ValueKind == JsonValueKind.Number && to.ValueKind == JsonValueKind.Number,
                $"audit_log details: from and to must be JSON numbers (minor units), got {details.RootElement}");
            rows.Add(new AuditRow(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetDateTime(3),
                (from.GetInt64(), to.GetInt64())));
        }

        return rows;
    }
}
