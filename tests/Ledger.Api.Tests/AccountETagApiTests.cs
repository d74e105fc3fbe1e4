using System.Net.Http.Headers;

namespace Ledger.Api.Tests;

/// <summary>Client-side optimistic locking of accounts over HTTP: GET /v1/accounts/{id} sends the account's version as a
/// strong ETag, and PATCH changes the overdraft limit only while If-Match still names it (RFC 9110, sections 8.8.3 and
/// 13.1.1), else 412 precondition_failed and nothing changes.</summary>
public sealed class AccountETagApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Action = "account.overdraft_limit_changed";

    private static string LimitJson(string limit) => $$"""{"overdraftLimit":{{limit}}}""";

    [Fact]
    public async Task GetAccount_Existing_SendsItsVersionAsAStrongETag()
    {
        var account = await factory.CreateFundedAccountAsync(10m, label: "etag-get");
        await factory.FundAsync(account, 5m);

        var (etag, body) = await GetAsync(account);

        Assert.False(etag.IsWeak);
        Assert.Equal(2L, body.GetProperty("version").GetInt64());
        Assert.Equal("\"2\"", etag.Tag);
    }

    [Fact]
    public async Task UpdateAccount_IfMatchTheCurrentETag_Returns200WithTheNewLimitAndETag()
    {
        var account = await factory.CreateFundedAccountAsync(10m, label: "etag-ok");
        var (etag, _) = await GetAsync(account);
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, account, LimitJson("25"), ifMatch: etag.ToString());

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.Equal(25m, body.GetProperty("overdraftLimit").GetDecimal());
        // A limit change does not move the version (it counts the account's entries), so the tag stays the same.
        Assert.Equal(1L, body.GetProperty("version").GetInt64());
        Assert.Equal(new EntityTagHeaderValue("\"1\""), response.Headers.ETag);
        Assert.Equal(1L, await CountAuditRowsAsync(account));
    }

    [Fact]
    public async Task UpdateAccount_IfMatchAnETagFromBeforeAPosting_Returns412PreconditionFailedAndChangesNothing()
    {
        var account = await factory.CreateFundedAccountAsync(10m, label: "etag-stale");
        var (stale, _) = await GetAsync(account);
        await factory.FundAsync(account, 1m);
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, account, LimitJson("25"), ifMatch: stale.ToString());

        var problem = await ApiCalls.AssertProblemAsync(response, HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Contains("version 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(response.Headers.ETag);
        var (current, body) = await GetAsync(account);
        Assert.Equal(0m, body.GetProperty("overdraftLimit").GetDecimal());
        Assert.Equal(0L, await CountAuditRowsAsync(account));

        // Read again, decide again: the fresh tag is accepted.
        Assert.Equal("\"2\"", current.Tag);
        using var retried = await ApiCalls.PatchAccountAsync(admin, account, LimitJson("25"), ifMatch: current.ToString());
        Assert.True(retried.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(retried));
        Assert.Equal(1L, await CountAuditRowsAsync(account));
    }

    [Theory]
    [InlineData("*")]
    [InlineData(null)]
    public async Task UpdateAccount_IfMatchStarOrNone_AppliesWhateverTheVersion(string? ifMatch)
    {
        var account = await factory.CreateFundedAccountAsync(10m, label: "etag-any");
        await factory.FundAsync(account, 1m);
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, account, LimitJson("7"), ifMatch: ifMatch);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        Assert.Equal(7m, (await ApiFactory.ReadJsonAsync(response)).GetProperty("overdraftLimit").GetDecimal());
        Assert.Equal(new EntityTagHeaderValue("\"2\""), response.Headers.ETag);
        Assert.Equal(1L, await CountAuditRowsAsync(account));
    }

    /// <summary>If-Match compares strongly: a weak tag never matches, even one with the current version, nor does a tag
    /// that is not a version in the form the host writes; a list matches when any of its tags does.</summary>
    [Theory]
    [InlineData("W/\"1\"", false)]
    [InlineData("\"01\"", false)]
    [InlineData("\"one\"", false)]
    [InlineData("\"0\", W/\"1\"", false)]
    [InlineData("\"0\", \"1\", \"2\"", true)]
    [InlineData("W/\"1\", \"1\"", true)]
    public async Task UpdateAccount_IfMatchWeakForeignOrListed_MatchesOnlyAStrongTagOfTheVersion(string ifMatch, bool applies)
    {
        var account = await factory.CreateFundedAccountAsync(10m, label: "etag-cmp");
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, account, LimitJson("3"), ifMatch: ifMatch);

        if (applies)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
            Assert.Equal(new EntityTagHeaderValue("\"1\""), response.Headers.ETag);
        }
        else
        {
            await ApiCalls.AssertProblemAsync(response, HttpStatusCode.PreconditionFailed, "precondition_failed");
        }

        Assert.Equal(applies ? 3m : 0m, (await GetAsync(account)).Body.GetProperty("overdraftLimit").GetDecimal());
        Assert.Equal(applies ? 1L : 0L, await CountAuditRowsAsync(account));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("\"1")]
    [InlineData("W/1")]
    [InlineData("*, \"1\"")]
    public async Task UpdateAccount_MalformedIfMatch_Returns400NamingIfMatchAndChangesNothing(string ifMatch)
    {
        var account = await factory.CreateFundedAccountAsync(10m, label: "etag-bad");
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, account, LimitJson("3"), ifMatch: ifMatch);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "If-Match");
        Assert.Equal(0L, await CountAuditRowsAsync(account));
    }

    /// <summary>A precondition is not evaluated for a request that would fail without it (RFC 9110, section 13.2.1): an
    /// unknown account is 404 whatever If-Match names.</summary>
    [Theory]
    [InlineData("\"0\"")]
    [InlineData("W/\"0\"")]
    [InlineData("\"0\", \"1\"")]
    [InlineData("*")]
    public async Task UpdateAccount_UnknownAccountWithIfMatch_Returns404AccountNotFound(string ifMatch)
    {
        var unknown = Ids.Account("etag-ghost");
        using var admin = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await ApiCalls.PatchAccountAsync(admin, unknown, LimitJson("3"), ifMatch: ifMatch);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.NotFound, "account_not_found");
        Assert.Equal(0L, await factory.CountAccountsAsync(unknown));
    }

    private async Task<(EntityTagHeaderValue ETag, JsonElement Body)> GetAsync(string account)
    {
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);
        using var response = await reader.GetAsync(new Uri($"/v1/accounts/{Uri.EscapeDataString(account)}", UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        return (etag, await ApiFactory.ReadJsonAsync(response));
    }

    private Task<long> CountAuditRowsAsync(string account) => ApiCalls.ScalarAsync<long>(
        factory.ConnectionString, "SELECT COUNT(*) FROM audit_log WHERE entity_id = @id AND action = @action",
        ("@id", account), ("@action", Action));
}
