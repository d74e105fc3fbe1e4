namespace Ledger.Api.Tests;

/// <summary>GET /v1/admin/integrity: the admin role runs the integrity check over the API's database.</summary>
public sealed class AdminApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string Integrity = "/v1/admin/integrity";

    [Fact]
    public async Task VerifyIntegrity_AdminKeyAfterATransfer_Returns200OkWithCounts()
    {
        await factory.CreateFundedAccountAsync(25m, label: "admin");
        using var client = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await client.GetAsync(new Uri(Integrity, UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.True(body.GetProperty("ok").GetBoolean(), body.ToString());
        Assert.True(body.GetProperty("checkedAccounts").GetInt64() >= 2, body.ToString());
        Assert.True(body.GetProperty("checkedTransfers").GetInt64() >= 1, body.ToString());
        Assert.True(body.GetProperty("checkedCurrencies").GetInt64() >= 1, body.ToString());
        Assert.True(body.GetProperty("staleCacheEntries").GetInt64() >= 0, body.ToString());
        Assert.False(body.GetProperty("truncated").GetBoolean());
        Assert.Equal(JsonValueKind.Array, body.GetProperty("mismatches").ValueKind);
        Assert.Equal(0, body.GetProperty("mismatches").GetArrayLength());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10000")]
    public async Task VerifyIntegrity_MaxMismatchesAtTheBounds_Returns200(string maxMismatches)
    {
        using var client = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await client.GetAsync(new Uri($"{Integrity}?maxMismatches={maxMismatches}", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
    }

    [Theory]
    [InlineData(ApiFactory.PosterKey, HttpStatusCode.Forbidden, "forbidden")]
    [InlineData(ApiFactory.ReaderKey, HttpStatusCode.Forbidden, "forbidden")]
    [InlineData(null, HttpStatusCode.Unauthorized, "unauthorized")]
    [InlineData("not-a-configured-key-123456", HttpStatusCode.Unauthorized, "unauthorized")]
    public async Task VerifyIntegrity_WithoutTheAdminRole_IsRefused(string? key, HttpStatusCode status, string code)
    {
        using var client = factory.CreateClient(key);

        using var response = await client.GetAsync(new Uri(Integrity, UriKind.Relative));

        Assert.True(response.StatusCode == status, await ApiFactory.DescribeAsync(response));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (await ApiFactory.ReadJsonAsync(response)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("10001")]
    [InlineData("1.5")]
    [InlineData("")]
    public async Task VerifyIntegrity_BadMaxMismatches_Returns400NamingTheParameter(string maxMismatches)
    {
        using var client = factory.CreateClient(ApiFactory.AdminKey);

        using var response = await client.GetAsync(new Uri($"{Integrity}?maxMismatches={maxMismatches}", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, await ApiFactory.DescribeAsync(response));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty("maxMismatches", out _), body.ToString());
    }
}
