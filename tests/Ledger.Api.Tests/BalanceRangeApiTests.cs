namespace Ledger.Api.Tests;

/// <summary>A credit beyond the largest balance a BIGINT of minor units holds is 422 <c>balance_out_of_range</c> and
/// changes nothing (it was 503 <c>database_unavailable</c> with Retry-After to every retry, and fired the outage
/// alert). The balance is reached by real transfers in CLF (4 decimal places) of just under 1e18 minor units.</summary>
public sealed class BalanceRangeApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const decimal Largest = 99_999_999_999_999.9999m;

    [Fact]
    public async Task PostTransfer_CreditBeyondTheLargestBalance_Is422BalanceOutOfRangeAndChangesNothing()
    {
        // A replica whose CLF overdraft cap (Ledger:Overdraft) allows accounts to overdraw that much.
        await using var api = ConfiguredApiFactory.Beside(factory, new Dictionary<string, string?>
        {
            ["Ledger:Overdraft:Maximum:CLF"] = Largest.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var destination = await api.CreateAccountAsync(label: "range-api-dst", currency: "CLF");
        using var client = api.CreateClient(ApiFactory.PosterKey);
        for (var i = 0; i < 9; i++)
        {
            var funder = await api.CreateAccountAsync(Largest, "range-api-src", "CLF");
            using var funded = await ApiCalls.PostTransferAsync(client, Guid.CreateVersion7(), funder, destination, Largest);
            Assert.True(funded.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(funded));
        }

        var source = await api.CreateAccountAsync(Largest, "range-api-src", "CLF");
        var id = Guid.CreateVersion7();

        using var refused = await ApiCalls.PostTransferAsync(client, id, source, destination, Largest);
        using var again = await ApiCalls.PostTransferAsync(client, id, source, destination, Largest);

        await ApiCalls.AssertProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "balance_out_of_range");
        await ApiCalls.AssertProblemAsync(again, HttpStatusCode.UnprocessableEntity, "balance_out_of_range");
        Assert.Equal((9 * Largest, 9L), await factory.GetBalanceAsync(destination));
        Assert.Equal((0m, 0L), await factory.GetBalanceAsync(source));
        Assert.Equal(0L, await factory.CountTransfersAsync(id));
    }
}
