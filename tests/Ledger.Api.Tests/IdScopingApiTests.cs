namespace Ledger.Api.Tests;

/// <summary>
/// A transfer id belongs to the key that posted it: another key that sends the same id (even with the same content)
/// gets 409 <c>idempotency_conflict</c> and learns nothing of the transfer; a transfer is reversed only by the key that
/// posted it or an admin; and the ids the ledger derives for reversals (UUID version 5) cannot be taken by a caller
/// beforehand, so a rightful reversal cannot be blocked by a squatter.
/// </summary>
public sealed class IdScopingApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task PostTransfer_AnotherKeysIdWithTheSameContent_Is409AndRevealsNothing()
    {
        using var scene = await SceneAsync(overdraftLimit: 100m);
        var (source, destination, id, owner, other) = scene;

        using var posted = await ApiCalls.PostTransferAsync(owner, id, source, destination, 12.34m);
        using var taken = await ApiCalls.PostTransferAsync(other, id, source, destination, 12.34m);
        using var replayed = await ApiCalls.PostTransferAsync(owner, id, source, destination, 12.34m);

        Assert.True(posted.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(posted));
        var problem = await ApiCalls.AssertProblemAsync(taken, HttpStatusCode.Conflict, "idempotency_conflict");
        Assert.DoesNotContain(ApiFactory.PosterName, problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(source, problem.ToString(), StringComparison.Ordinal);
        Assert.False(taken.Headers.Contains(TransfersApiReplayedHeader));
        Assert.True(replayed.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(replayed));
        Assert.Equal((-12.34m, 1L), await factory.GetBalanceAsync(source));
    }

    [Fact]
    public async Task PostTransfer_AnotherKeysRefusedId_Is409NotTheRecordedRefusal()
    {
        using var scene = await SceneAsync(overdraftLimit: 0m);
        var (source, destination, id, owner, other) = scene;

        using var refused = await ApiCalls.PostTransferAsync(owner, id, source, destination, 5m);
        using var taken = await ApiCalls.PostTransferAsync(other, id, source, destination, 5m);

        await ApiCalls.AssertProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        await ApiCalls.AssertProblemAsync(taken, HttpStatusCode.Conflict, "idempotency_conflict");
    }

    [Fact]
    public async Task ReverseTransfer_ByAnotherPoster_Is403AndByAnAdminIsPosted()
    {
        using var scene = await SceneAsync(overdraftLimit: 100m);
        var (source, destination, id, owner, other) = scene;
        using var banker = factory.CreateClient(ApiFactory.BankerKey);
        using var posted = await ApiCalls.PostTransferAsync(owner, id, source, destination, 7m);
        Assert.True(posted.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(posted));

        using var byOther = await ApiCalls.ReverseAsync(other, id);
        var balanceAfterRefusal = await factory.GetBalanceAsync(source);
        using var byAdmin = await ApiCalls.ReverseAsync(banker, id);

        await ApiCalls.AssertProblemAsync(byOther, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal((-7m, 1L), balanceAfterRefusal);
        Assert.True(byAdmin.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(byAdmin));
        Assert.Equal((0m, 2L), await factory.GetBalanceAsync(source));
    }

    /// <summary>The ledger derives reversal ids as UUID version 5; a caller who could post a refused transfer under the
    /// id a reversal will take would make that reversal impossible, so such ids are refused for transfers.</summary>
    [Fact]
    public async Task PostTransfer_IdOfVersion5_IsRefusedSoReversalIdsCannotBeSquatted()
    {
        var source = await factory.CreateAccountAsync(label: "scope-squat");
        var destination = await factory.CreateAccountAsync(label: "scope-dst");
        var squatted = WithVersion(Guid.NewGuid(), 5);
        using var client = factory.CreateClient(ApiFactory.PosterOnlyKey);

        using var response = await ApiCalls.PostTransferAsync(client, squatted, source, destination, 1m);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed", "id");
        Assert.Equal(0L, await factory.CountTransfersAsync(squatted));
    }

    private const string TransfersApiReplayedHeader = "Idempotent-Replayed";

    /// <summary>A source that may overdraw <paramref name="overdraftLimit"/>, a destination, a fresh transfer id, and
    /// clients of the owner (tester-poster) and of another poster (tester-poster-only).</summary>
    private async Task<Scene> SceneAsync(decimal overdraftLimit) => new(
        await factory.CreateAccountAsync(overdraftLimit: overdraftLimit, label: "scope-src"),
        await factory.CreateAccountAsync(label: "scope-dst"),
        Guid.CreateVersion7(),
        factory.CreateClient(ApiFactory.PosterKey),
        factory.CreateClient(ApiFactory.PosterOnlyKey));

    private sealed record Scene(string Source, string Destination, Guid Id, HttpClient Owner, HttpClient Other) : IDisposable
    {
        public void Dispose()
        {
            Owner.Dispose();
            Other.Dispose();
        }
    }

    private static Guid WithVersion(Guid guid, int version)
    {
        var bytes = guid.ToByteArray(bigEndian: true);
        bytes[6] = (byte)((bytes[6] & 0x0F) | (version << 4));
        return new Guid(bytes, bigEndian: true);
    }
}
