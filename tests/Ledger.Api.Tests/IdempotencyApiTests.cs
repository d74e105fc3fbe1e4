namespace Ledger.Api.Tests;

/// <summary>
/// One transfer id, one outcome: a refusal that depends on the ledger's state (insufficient funds) is recorded and
/// answered again for the same id and content, even after the state changed; and a transfer posted to two API
/// replicas over one database at once is posted once and replayed everywhere else.
/// </summary>
public sealed class IdempotencyApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const int Duplicates = 50;

    [Fact]
    public async Task PostTransfer_InsufficientFundsThenSourceFunded_SameIdAndBodyStill422Replayed()
    {
        var source = await factory.CreateFundedAccountAsync(10m, label: "idem-src");
        var destination = await factory.CreateAccountAsync(label: "idem-dst");
        var id = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using (var refused = await ApiCalls.PostTransferAsync(client, id, source, destination, 50m))
        {
            await ApiCalls.AssertProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
            Assert.False(ApiCalls.IsReplayed(refused), "a first refusal is not a replay");
        }

        await factory.FundAsync(source, 100m);
        Assert.Equal((110m, 2L), await factory.GetBalanceAsync(source));

        using var retried = await ApiCalls.PostTransferAsync(client, id, source, destination, 50m);

        await ApiCalls.AssertProblemAsync(retried, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.True(ApiCalls.IsReplayed(retried), "the recorded refusal must carry Idempotent-Replayed: true");
        Assert.Equal((110m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 0L), await factory.GetBalanceAsync(destination));
        Assert.Equal(0L, await factory.CountTransfersAsync(id));

        // Another replica over the same database gives the same answer.
        await using var replica = ConfiguredApiFactory.Beside(factory);
        using var otherClient = replica.CreateClient(ApiFactory.PosterKey);
        using var elsewhere = await ApiCalls.PostTransferAsync(otherClient, id, source, destination, 50m);
        await ApiCalls.AssertProblemAsync(elsewhere, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.True(ApiCalls.IsReplayed(elsewhere), "the recorded refusal must carry Idempotent-Replayed: true on every replica");
        Assert.Equal(0L, await factory.CountTransfersAsync(id));
    }

    [Fact]
    public async Task PostTransfer_RecordedRefusalIdWithAnotherAmount_Returns409AndANewIdPosts()
    {
        var source = await factory.CreateFundedAccountAsync(10m, label: "idem-src");
        var destination = await factory.CreateAccountAsync(label: "idem-dst");
        var id = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using (var refused = await ApiCalls.PostTransferAsync(client, id, source, destination, 50m))
        {
            await ApiCalls.AssertProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        }

        await factory.FundAsync(source, 100m);

        using var conflict = await ApiCalls.PostTransferAsync(client, id, source, destination, 60m);

        await ApiCalls.AssertProblemAsync(conflict, HttpStatusCode.Conflict, "idempotency_conflict");
        Assert.False(ApiCalls.IsReplayed(conflict));
        Assert.Equal(0L, await factory.CountTransfersAsync(id));
        Assert.Equal((110m, 2L), await factory.GetBalanceAsync(source));

        var newId = Guid.CreateVersion7();
        using var posted = await ApiCalls.PostTransferAsync(client, newId, source, destination, 50m);
        var body = await ApiCalls.AssertTransferAsync(posted, HttpStatusCode.Created);
        Assert.False(ApiCalls.IsReplayed(posted));
        Assert.Equal(newId, body.GetProperty("id").GetGuid());
        Assert.Equal((60m, 3L), await factory.GetBalanceAsync(source));
        Assert.Equal((50m, 1L), await factory.GetBalanceAsync(destination));
    }

    [Fact]
    public async Task PostTransfer_UnknownDestinationThenOpened_SameIdAndBodyStill422Replayed()
    {
        var source = await factory.CreateFundedAccountAsync(10m, label: "idem-src");
        var destination = Ids.Account("idem-later");
        var id = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using (var refused = await ApiCalls.PostTransferAsync(client, id, source, destination, 1m))
        {
            await ApiCalls.AssertProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "account_not_found");
            Assert.False(ApiCalls.IsReplayed(refused), "a first refusal is not a replay");
        }

        using (var open = await ApiFactory.PostJsonAsync(client, "/v1/accounts", JsonSerializer.Serialize(new { id = destination, currency = "USD" })))
        {
            Assert.True(open.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(open));
        }

        using var retried = await ApiCalls.PostTransferAsync(client, id, source, destination, 1m);

        await ApiCalls.AssertProblemAsync(retried, HttpStatusCode.UnprocessableEntity, "account_not_found");
        Assert.True(ApiCalls.IsReplayed(retried), "the recorded refusal must carry Idempotent-Replayed: true");
        Assert.Equal((10m, 1L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 0L), await factory.GetBalanceAsync(destination));
        Assert.Equal(0L, await factory.CountTransfersAsync(id));
    }

    /// <summary>The optional currency, when it is the accounts' own, does not change what a request is: a posted
    /// transfer is replayed whether the retry names the currency or not, and so must a recorded refusal be, in both
    /// directions.</summary>
    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task PostTransfer_RecordedRefusalRetriedWithOrWithoutTheAccountsCurrency_Returns422Replayed(bool firstNamesCurrency, bool retryNamesCurrency)
    {
        var source = await factory.CreateFundedAccountAsync(10m, label: "idem-src");
        var destination = await factory.CreateAccountAsync(label: "idem-dst");
        var id = Guid.CreateVersion7();
        string Body(bool namesCurrency) => namesCurrency
            ? JsonSerializer.Serialize(new { id, sourceAccountId = source, destinationAccountId = destination, amount = 50m, currency = "USD" })
            : ApiCalls.TransferJson(id, source, destination, 50m);
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        using (var refused = await ApiFactory.PostJsonAsync(client, "/v1/transfers", Body(firstNamesCurrency)))
        {
            await ApiCalls.AssertProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        }

        using var retried = await ApiFactory.PostJsonAsync(client, "/v1/transfers", Body(retryNamesCurrency));

        await ApiCalls.AssertProblemAsync(retried, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.True(ApiCalls.IsReplayed(retried), "the recorded refusal must carry Idempotent-Replayed: true");
        Assert.Equal(0L, await factory.CountTransfersAsync(id));
    }

    [Fact]
    public async Task PostTransfer_SameIdFiftyTimesAtOnceOnTwoReplicas_PostsOnceAndReplaysTheRest()
    {
        var source = await factory.CreateFundedAccountAsync(100m, label: "idem-src");
        var destination = await factory.CreateAccountAsync(label: "idem-dst");
        var id = Guid.CreateVersion7();
        var json = ApiCalls.TransferJson(id, source, destination, 12.34m);
        await using var replica = ConfiguredApiFactory.Beside(factory);
        using var first = factory.CreateClient(ApiFactory.PosterKey);
        using var second = replica.CreateClient(ApiFactory.PosterKey);

        var answers = await SendAllAtOnceAsync(i => ApiFactory.PostJsonAsync(i % 2 == 0 ? first : second, "/v1/transfers", json));

        AssertPostedOnceAndReplayed(answers);
        Assert.Equal((87.66m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((12.34m, 1L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await factory.CountTransfersAsync(id));
    }

    [Fact]
    public async Task PostTransfer_SameIdOnTheOtherReplicaAfterwards_Returns200ReplayedWithTheSameBody()
    {
        var source = await factory.CreateFundedAccountAsync(100m, label: "idem-src");
        var destination = await factory.CreateAccountAsync(label: "idem-dst");
        var id = Guid.CreateVersion7();
        var json = ApiCalls.TransferJson(id, source, destination, 20m);
        await using var replica = ConfiguredApiFactory.Beside(factory);
        using var first = factory.CreateClient(ApiFactory.PosterKey);
        using var second = replica.CreateClient(ApiFactory.PosterKey);
        using var posted = await ApiFactory.PostJsonAsync(first, "/v1/transfers", json);
        await ApiCalls.AssertTransferAsync(posted, HttpStatusCode.Created);
        var original = await posted.Content.ReadAsStringAsync();

        using var replay = await ApiFactory.PostJsonAsync(second, "/v1/transfers", json);
        using var replayAgain = await ApiFactory.PostJsonAsync(first, "/v1/transfers", json);

        foreach (var response in new[] { replay, replayAgain })
        {
            await ApiCalls.AssertTransferAsync(response, HttpStatusCode.OK);
            Assert.True(ApiCalls.IsReplayed(response), "Idempotent-Replayed: true is missing");
            Assert.Equal(original, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal((80m, 2L), await factory.GetBalanceAsync(source));
        Assert.Equal((20m, 1L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await factory.CountTransfersAsync(id));
    }

    [Fact]
    public async Task PostTransfer_RefusedIdFiftyTimesAtOnceOnTwoReplicas_RefusedOnceAndReplayedTheRest()
    {
        var source = await factory.CreateFundedAccountAsync(10m, label: "idem-src");
        var destination = await factory.CreateAccountAsync(label: "idem-dst");
        var id = Guid.CreateVersion7();
        var json = ApiCalls.TransferJson(id, source, destination, 10.01m);
        await using var replica = ConfiguredApiFactory.Beside(factory);
        using var first = factory.CreateClient(ApiFactory.PosterKey);
        using var second = replica.CreateClient(ApiFactory.PosterKey);

        var answers = await SendAllAtOnceAsync(i => ApiFactory.PostJsonAsync(i % 2 == 0 ? first : second, "/v1/transfers", json));

        var described = string.Join(" | ", answers.Select(a => $"{(int)a.Status} replayed={a.Replayed} {a.Body}"));
        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.UnprocessableEntity && a.Body.Contains("\"insufficient_funds\"", StringComparison.Ordinal), described));
        Assert.True(answers.Count(a => !a.Replayed) == 1, $"exactly one answer is the fresh refusal: {described}");
        Assert.Equal((10m, 1L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 0L), await factory.GetBalanceAsync(destination));
        Assert.Equal(0L, await factory.CountTransfersAsync(id));
    }

    [Fact]
    public async Task ReverseTransfer_FiftyTimesAtOnceOnTwoReplicas_ReversesOnceAndReplaysTheRest()
    {
        var source = await factory.CreateFundedAccountAsync(100m, label: "idem-src");
        var destination = await factory.CreateAccountAsync(label: "idem-dst");
        var original = Guid.CreateVersion7();
        using var first = factory.CreateClient(ApiFactory.PosterKey);
        using (var posted = await ApiCalls.PostTransferAsync(first, original, source, destination, 30m))
        {
            await ApiCalls.AssertTransferAsync(posted, HttpStatusCode.Created);
        }

        await using var replica = ConfiguredApiFactory.Beside(factory);
        using var second = replica.CreateClient(ApiFactory.PosterKey);

        var answers = await SendAllAtOnceAsync(i => ApiCalls.ReverseAsync(i % 2 == 0 ? first : second, original));

        AssertPostedOnceAndReplayed(answers);
        Assert.Equal((100m, 3L), await factory.GetBalanceAsync(source));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(destination));
        Assert.Equal(1L, await ApiCalls.CountReversalsAsync(factory.ConnectionString, original));
    }

    private sealed record Answer(HttpStatusCode Status, bool Replayed, string Body);

    /// <summary>Starts <see cref="Duplicates"/> requests together (request i from <paramref name="send"/>) and
    /// collects status, replay header and body of each.</summary>
    private static async Task<Answer[]> SendAllAtOnceAsync(Func<int, Task<HttpResponseMessage>> send)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, Duplicates).Select(i => Task.Run(async () =>
        {
            await gate.Task;
            using var response = await send(i);
            return new Answer(response.StatusCode, ApiCalls.IsReplayed(response), await response.Content.ReadAsStringAsync());
        })).ToArray();
        gate.SetResult();
        return await Task.WhenAll(requests);
    }

    private static void AssertPostedOnceAndReplayed(Answer[] answers)
    {
        var described = string.Join(" | ", answers.Select(a => $"{(int)a.Status} replayed={a.Replayed} {a.Body}"));
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.Created && !a.Replayed) == 1, $"exactly one 201: {described}");
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.OK && a.Replayed) == Duplicates - 1, $"{Duplicates - 1} × 200 replayed: {described}");
        Assert.True(answers.Select(a => a.Body).Distinct(StringComparer.Ordinal).Count() == 1, $"every answer has the same body: {described}");
    }
}
