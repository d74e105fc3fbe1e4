namespace Ledger.Api.Tests;

/// <summary>POST /v1/transfers/{id}/reversal: the compensating transfer is posted once, linked by reversalOf; a
/// retry of the same reversal is a replay; another reversal of the same transfer is refused; a refusal is final for
/// the reversal's id.</summary>
public sealed class ReversalApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    /// <summary>A source that held 100 USD, a destination that held nothing, and a posted transfer of
    /// <paramref name="amount"/> between them.</summary>
    private async Task<(string Source, string Destination, Guid TransferId)> PostOriginalAsync(decimal amount)
    {
        var source = await factory.CreateFundedAccountAsync(100m, label: "rev-src");
        var destination = await factory.CreateAccountAsync(label: "rev-dst");
        var id = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var response = await ApiCalls.PostTransferAsync(client, id, source, destination, amount);
        await ApiCalls.AssertTransferAsync(response, HttpStatusCode.Created);
        return (source, destination, id);
    }

    [Fact]
    public async Task ReverseTransfer_PostedTransfer_Returns201MirrorAndRestoresBothBalances()
    {
        var (source, destination, original) = await PostOriginalAsync(30m);
        Assert.Equal((70m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((30m, 1L), await factory.GetBalanceAsync(destination));
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.ReverseAsync(client, original);

        var body = await ApiCalls.AssertTransferAsync(response, HttpStatusCode.Created);
        Assert.False(ApiCalls.IsReplayed(response));
        var reversalId = body.GetProperty("id").GetGuid();
        Assert.NotEqual(original, reversalId);
        Assert.Equal($"/v1/transfers/{reversalId}", response.Headers.Location?.OriginalString);
        Assert.Equal(original, body.GetProperty("reversalOf").GetGuid());
        Assert.Equal(destination, body.GetProperty("sourceAccountId").GetString());
        Assert.Equal(source, body.GetProperty("destinationAccountId").GetString());
        Assert.Equal(30m, body.GetProperty("amount").GetDecimal());
        Assert.Equal("USD", body.GetProperty("currency").GetString());
        Assert.Equal("posted", body.GetProperty("status").GetString());
        Assert.Equal(ApiFactory.PosterName, body.GetProperty("postedBy").GetString());

        // Back where they were, each with one more entry.
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await factory.CountTransfersAsync(reversalId));
        Assert.Equal(1L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, original));

        using var read = await client.GetAsync(new Uri($"/v1/transfers/{reversalId}", UriKind.Relative));
        var stored = await ApiCalls.AssertTransferAsync(read, HttpStatusCode.OK);
        Assert.Equal(original, stored.GetProperty("reversalOf").GetGuid());
    }

    [Fact]
    public async Task ReverseTransfer_RepeatedWithoutBody_Returns200ReplayedAndChangesNothing()
    {
        var (source, destination, original) = await PostOriginalAsync(30m);
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var first = await ApiCalls.ReverseAsync(client, original);
        var reversal = await ApiCalls.AssertTransferAsync(first, HttpStatusCode.Created);

        using var again = await ApiCalls.ReverseAsync(client, original);

        var replay = await ApiCalls.AssertTransferAsync(again, HttpStatusCode.OK);
        Assert.True(ApiCalls.IsReplayed(again), "Idempotent-Replayed: true is missing");
        AssertSameTransfer(reversal, replay);
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, original));
    }

    [Fact]
    public async Task ReverseTransfer_ExplicitIdUsedBefore_Returns200Replayed()
    {
        var (source, destination, original) = await PostOriginalAsync(12.34m);
        var reversalId = Guid.CreateVersion7();
        var json = $$"""{"id":"{{reversalId}}"}""";
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var first = await ApiCalls.ReverseAsync(client, original, json);
        var reversal = await ApiCalls.AssertTransferAsync(first, HttpStatusCode.Created);
        Assert.Equal(reversalId, reversal.GetProperty("id").GetGuid());

        using var again = await ApiCalls.ReverseAsync(client, original, json);

        var replay = await ApiCalls.AssertTransferAsync(again, HttpStatusCode.OK);
        Assert.True(ApiCalls.IsReplayed(again), "Idempotent-Replayed: true is missing");
        AssertSameTransfer(reversal, replay);
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, original));
    }

    [Fact]
    public async Task ReverseTransfer_ExplicitIdOfAnEarlierReversalWithoutBody_Returns200Replayed()
    {
        var (source, destination, original) = await PostOriginalAsync(5m);
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var first = await ApiCalls.ReverseAsync(client, original);
        var reversal = await ApiCalls.AssertTransferAsync(first, HttpStatusCode.Created);
        var derivedId = reversal.GetProperty("id").GetGuid();

        using var again = await ApiCalls.ReverseAsync(client, original, $$"""{"id":"{{derivedId}}"}""");

        var replay = await ApiCalls.AssertTransferAsync(again, HttpStatusCode.OK);
        Assert.True(ApiCalls.IsReplayed(again), "Idempotent-Replayed: true is missing");
        AssertSameTransfer(reversal, replay);
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(destination));
    }

    [Fact]
    public async Task ReverseTransfer_SecondReversalWithAnotherId_Returns409AlreadyReversedAndChangesNothing()
    {
        var (source, destination, original) = await PostOriginalAsync(30m);
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var first = await ApiCalls.ReverseAsync(client, original, $$"""{"id":"{{Guid.CreateVersion7()}}"}""");
        await ApiCalls.AssertTransferAsync(first, HttpStatusCode.Created);
        var secondId = Guid.CreateVersion7();

        using var second = await ApiCalls.ReverseAsync(client, original, $$"""{"id":"{{secondId}}"}""");
        using var withoutBody = await ApiCalls.ReverseAsync(client, original);

        await ApiCalls.AssertProblemAsync(second, HttpStatusCode.Conflict, "already_reversed");
        Assert.False(ApiCalls.IsReplayed(second));
        await ApiCalls.AssertProblemAsync(withoutBody, HttpStatusCode.Conflict, "already_reversed");
        Assert.Equal(0L, await factory.CountTransfersAsync(secondId));
        Assert.Equal(1L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, original));
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(destination));
    }

    [Fact]
    public async Task ReverseTransfer_UnknownTransfer_Returns404TransferNotFound()
    {
        var unknown = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.ReverseAsync(client, unknown);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.NotFound, "transfer_not_found");
        Assert.Equal(0L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, unknown));
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("12345")]
    [InlineData("0193a6f2-7c4e-7d2a-9b1e-3f5c8a2d4e6")]
    public async Task ReverseTransfer_PathIdNotAUuid_Returns400NamingId(string id)
    {
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.ReverseAsync(client, id);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "id");
    }

    [Fact]
    public async Task ReverseTransfer_DestinationSpentTheMoney_Returns422AndTheRefusalIsFinalForThatId()
    {
        var (source, destination, original) = await PostOriginalAsync(40m);
        var elsewhere = await factory.CreateAccountAsync(label: "rev-else");
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using (var spend = await ApiCalls.PostTransferAsync(client, Guid.CreateVersion7(), destination, elsewhere, 40m))
        {
            await ApiCalls.AssertTransferAsync(spend, HttpStatusCode.Created);
        }

        // The destination holds nothing and may not overdraw: the reversal cannot take the 40 back.
        using var refused = await ApiCalls.ReverseAsync(client, original);
        await ApiCalls.AssertProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.False(ApiCalls.IsReplayed(refused), "a first refusal is not a replay");
        Assert.Equal((60m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(destination));

        // The money comes back; the same reversal (same derived id, same content) still gets the recorded refusal.
        await factory.FundAsync(destination, 40m);
        Assert.Equal((40m, 3L), await factory.GetBalanceAsync(destination));
        using var retried = await ApiCalls.ReverseAsync(client, original);
        await ApiCalls.AssertProblemAsync(retried, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.True(ApiCalls.IsReplayed(retried), "the recorded refusal must carry Idempotent-Replayed: true");
        Assert.Equal((60m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((40m, 3L), await factory.GetBalanceAsync(destination));
        Assert.Equal(0L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, original));

        // A new attempt takes a new id, and posts.
        var newId = Guid.CreateVersion7();
        using var fresh = await ApiCalls.ReverseAsync(client, original, $$"""{"id":"{{newId}}"}""");
        var reversal = await ApiCalls.AssertTransferAsync(fresh, HttpStatusCode.Created);
        Assert.False(ApiCalls.IsReplayed(fresh));
        Assert.Equal(newId, reversal.GetProperty("id").GetGuid());
        Assert.Equal(original, reversal.GetProperty("reversalOf").GetGuid());
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 4L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, original));
    }

    [Fact]
    public async Task ReverseTransfer_OfAReversal_Returns201AndRestoresTheOriginalMovement()
    {
        var (source, destination, original) = await PostOriginalAsync(25m);
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using var first = await ApiCalls.ReverseAsync(client, original);
        var reversalId = (await ApiCalls.AssertTransferAsync(first, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(source));

        using var response = await ApiCalls.ReverseAsync(client, reversalId);

        var body = await ApiCalls.AssertTransferAsync(response, HttpStatusCode.Created);
        Assert.Equal(reversalId, body.GetProperty("reversalOf").GetGuid());
        Assert.Equal(source, body.GetProperty("sourceAccountId").GetString());
        Assert.Equal(destination, body.GetProperty("destinationAccountId").GetString());
        Assert.Equal(25m, body.GetProperty("amount").GetDecimal());
        Assert.Equal((75m, 4L), await factory.GetBalanceAsync(source));
        Assert.Equal((25m, 3L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, reversalId));
    }

    [Fact]
    public async Task ReverseTransfer_ReaderKey_Returns403AndChangesNothing()
    {
        var (source, destination, original) = await PostOriginalAsync(30m);
        using var reader = factory.CreateClient(ApiFactory.ReaderKey);

        using var response = await ApiCalls.ReverseAsync(reader, original);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(0L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, original));
        Assert.Equal((70m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((30m, 1L), await factory.GetBalanceAsync(destination));
    }

    [Fact]
    public async Task ReverseTransfer_ReferenceOver256Characters_Returns400NamingReference()
    {
        var (source, destination, original) = await PostOriginalAsync(30m);
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.ReverseAsync(client, original, JsonSerializer.Serialize(new { reference = new string('r', 257) }));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "reference");
        Assert.Equal(0L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, original));
        Assert.Equal((70m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((30m, 1L), await factory.GetBalanceAsync(destination));
    }

    [Fact]
    public async Task ReverseTransfer_ReferenceOf256Characters_Returns201WithTheReference()
    {
        var (_, _, original) = await PostOriginalAsync(30m);
        var reference = new string('r', 256);
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await ApiCalls.ReverseAsync(client, original, JsonSerializer.Serialize(new { reference }));

        var body = await ApiCalls.AssertTransferAsync(response, HttpStatusCode.Created);
        Assert.Equal(reference, body.GetProperty("reference").GetString());
    }

    private static void AssertSameTransfer(JsonElement expected, JsonElement actual)
    {
        foreach (var field in new[] { "id", "sourceAccountId", "destinationAccountId", "currency", "status", "postedBy", "reference", "correlationId", "reversalOf" })
        {
            Assert.Equal(expected.GetProperty(field).ToString(), actual.GetProperty(field).ToString());
        }

        Assert.Equal(expected.GetProperty("amount").GetDecimal(), actual.GetProperty("amount").GetDecimal());
        Assert.Equal(expected.GetProperty("timestamp").GetDateTimeOffset(), actual.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal(expected.GetProperty("postedAt").GetDateTimeOffset(), actual.GetProperty("postedAt").GetDateTimeOffset());
    }
}
