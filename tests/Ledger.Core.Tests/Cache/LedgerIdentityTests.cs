using Ledger.Cache;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MySqlConnector;

namespace Ledger.Core.Tests.Cache;

/// <summary>The ledger's identity, which every cache key carries: until it is read the cache refuses (a cache failure,
/// so callers use the database), and after a failed read the database is not asked again before the pause is over.</summary>
public sealed class LedgerIdentityTests
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task GetAsync_DatabaseUnreachable_RefusesAsACacheFailureAndAsksAgainOnlyAfterThePause()
    {
        var time = new FakeTimeProvider(UnreachableLedger.Now);
        var logger = new RecordingLogger<LedgerIdentity>();
        await using var dataSource = new MySqlDataSource(UnreachableLedger.ConnectionString);
        var identity = new LedgerIdentity(dataSource, Pause, time, logger);

        var first = await Assert.ThrowsAsync<LedgerIdentityUnavailableException>(() => identity.GetAsync(CancellationToken.None).AsTask());
        var duringPause = await Assert.ThrowsAsync<LedgerIdentityUnavailableException>(() => identity.GetAsync(CancellationToken.None).AsTask());
        var attemptsDuringPause = logger.Lines.Count;
        time.Advance(Pause);
        await Assert.ThrowsAsync<LedgerIdentityUnavailableException>(() => identity.GetAsync(CancellationToken.None).AsTask());

        Assert.True(CacheFailure.Is(first));
        Assert.True(CacheFailure.IsOpenCircuit(first), "the refusal is logged once by the identity, not per call");
        Assert.IsType<MySqlException>(first.InnerException);
        Assert.Null(duringPause.InnerException);
        Assert.Equal(1, attemptsDuringPause);
        Assert.Equal(2, logger.Lines.Count);
        Assert.All(logger.Lines, line => Assert.Equal((LogLevel.Warning, 2006), (line.Level, line.EventId.Id)));
        Assert.Null(identity.Value);
    }

    [Theory]
    [InlineData("8423d7309c69f1845022ca1b604afdf3", true)]
    [InlineData("payments-eu.prod_2", true)]
    [InlineData("", false)]
    [InlineData("a{b}", false)]
    [InlineData("a:b", false)]
    [InlineData("a b", false)]
    [InlineData("é", false)]
    public void IsValid_Id_OnlyWhatCanStandBeforeTheHashTag(string id, bool valid) =>
        Assert.Equal(valid, LedgerIdentity.IsValid(id));

    [Fact]
    public void IsValid_Id_AtMost64Characters()
    {
        Assert.True(LedgerIdentity.IsValid(new string('a', 64)));
        Assert.False(LedgerIdentity.IsValid(new string('a', 65)));
    }
}
