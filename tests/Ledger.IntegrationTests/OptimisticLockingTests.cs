using System.Diagnostics.Metrics;
using Ledger.Posting;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>Two writers meeting on the same accounts, forced: these tests hold row locks on purpose, so they run on a
/// database no other test class uses. (The version guard that the locks make unfailable is proven to answer
/// concurrency_conflict by <see cref="GuardFailureTests"/>.)</summary>
public sealed class OptimisticLockingTests(IsolatedLedgerFixture fixture) : IClassFixture<IsolatedLedgerFixture>
{
    // Batching on or off, a post locks its accounts (in key order) before it reads them, so two replicas posting on the
    // same two accounts at once wait for each other: no attempt is lost, and none needs a retry.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PostTransfer_TwoWritersCollide_WaitForEachOthersLocksWithoutRetryOrLostUpdate(bool batching)
    {
        var services = Enumerable.Range(0, 2)
            .Select(_ => fixture.CreateServices(options =>
            {
                options.Batching.Enabled = batching;
                options.Retry.MaxRetries = 0;
            }))
            .ToArray();
        using var metrics = new MetricsRecorder(services[0].GetRequiredService<IMeterFactory>());
        var a = await fixture.CreateFundedAccountAsync(100m, label: "collide-a");
        var b = await fixture.CreateFundedAccountAsync(100m, label: "collide-b");

        var writers = services.Select(s => s.GetRequiredService<ILedger>()).ToArray();
        var results = (await CollideAsync(writers, a, b, 60)).Select(r => r.Result).ToList();

        Assert.All(results, r => Assert.True(r.IsSuccess, r.ToString()));
        Assert.Equal((10000L, 61L, 61L), await fixture.AccountStateAsync(a));
        Assert.Equal((10000L, 61L, 61L), await fixture.AccountStateAsync(b));

        // One meeting is forced: another writer commits a posting while this post waits on the accounts' locks; the
        // post then reads what that writer left and posts on top, on its one attempt.
        var forced = await PostWhileAnotherWriterCommitsAsync(writers[0], a, b);
        Assert.True(forced.IsSuccess && !forced.Replayed, forced.ToString());
        Assert.Equal(0, metrics.Sum("ledger.transfers.retries"));
        Assert.Equal((9700L, 63L, 63L), await fixture.AccountStateAsync(a));
        Assert.Equal((10300L, 63L, 63L), await fixture.AccountStateAsync(b));
        foreach (var provider in services)
        {
            await provider.DisposeAsync();
        }
    }

    /// <summary>The procedure locks a batch's accounts in byte order of their ids, whatever order the legs name them
    /// in (ADR 0017, "Locking"): here the debited account comes first in the request and last in that order. Another
    /// writer holds it; while the post waits for it, the post must already hold the other account. Locked in the
    /// request's order, the post would wait on the first account and leave the other free.</summary>
    [Fact]
    public async Task PostTransfer_AnotherWriterHoldsTheLaterAccount_ThePostHoldsTheEarlierOneWhileItWaits()
    {
        var created = new[]
        {
            await fixture.CreateFundedAccountAsync(10m, label: "order"),
            await fixture.CreateFundedAccountAsync(10m, label: "order"),
        };
        var earlier = created.Min(StringComparer.Ordinal)!;
        var later = created.Max(StringComparer.Ordinal)!;

        await using var holder = new MySqlConnection(fixture.ConnectionString);
        await holder.OpenAsync();
        await using var held = await holder.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        await using (var hold = new MySqlCommand("SELECT COUNT(*) FROM accounts WHERE id = @id FOR UPDATE", holder, held))
        {
            hold.Parameters.AddWithValue("@id", later);
            await hold.ExecuteScalarAsync();
        }

        var posting = fixture.Ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = Guid.CreateVersion7(), SourceAccountId = later, DestinationAccountId = earlier, Amount = 1m,
        });
        await OtherWriter.WaitUntilSomeoneWaitsOnAsync(fixture, await OtherWriter.CurrentTransactionAsync(holder, held), posting);

        await using (var probe = new MySqlConnection(fixture.ConnectionString))
        {
            await probe.OpenAsync();
            await using var probing = await probe.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
            await using var take = new MySqlCommand("SELECT COUNT(*) FROM accounts WHERE id = @id FOR UPDATE NOWAIT", probe, probing);
            take.Parameters.AddWithValue("@id", earlier);
            // MariaDB answers a lock it cannot take at once with 1205, MySQL 8 with 3572.
            await Assert.ThrowsAsync<MySqlException>(() => take.ExecuteScalarAsync());
        }

        await held.CommitAsync();
        var result = await posting;
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal((900L, 2L, 2L), await fixture.AccountStateAsync(later));
        Assert.Equal((1100L, 2L, 2L), await fixture.AccountStateAsync(earlier));
    }

    [Fact]
    public async Task PostTransfer_QueueFull_IsRefusedAtOnceAsOverloadedAndTheQueuedOnesPost()
    {
        await using var provider = fixture.CreateServices(options =>
        {
            options.Batching.Enabled = true;
            options.Batching.MaxConcurrentBatches = 1;
            options.Batching.QueueCapacity = 1;
        });
        var ledger = provider.GetRequiredService<ILedger>();
        var source = await fixture.CreateFundedAccountAsync(100m);
        var destination = await fixture.CreateAccountAsync();
        PostTransferRequest Request() => new() { Id = Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = destination, Amount = 1m };

        // Another writer holds the accounts, so the one worker's batch waits; one more post fills the queue.
        await using var other = new MySqlConnection(fixture.ConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        await using (var hold = new MySqlCommand("SELECT COUNT(*) FROM accounts WHERE id IN (@s, @d) FOR UPDATE", other, transaction))
        {
            hold.Parameters.AddWithValue("@s", source);
            hold.Parameters.AddWithValue("@d", destination);
            await hold.ExecuteScalarAsync();
        }

        var first = ledger.PostTransferAsync(Request());
        await OtherWriter.WaitUntilSomeoneWaitsOnAsync(fixture, await OtherWriter.CurrentTransactionAsync(other, transaction), first);
        var second = ledger.PostTransferAsync(Request());
        var third = await ledger.PostTransferAsync(Request());
        await transaction.CommitAsync();

        Assert.Equal(LedgerErrorCode.Overloaded, third.Error?.Code);
        Assert.True((await first).IsSuccess);
        Assert.True((await second).IsSuccess);
        Assert.Equal((9800L, 3L, 3L), await fixture.AccountStateAsync(source));
    }

    [Fact]
    public async Task PostTransfer_BatchMeetsAnotherWritersOpenTransaction_WaitsAndPostsOnTopWithoutLostUpdate()
    {
        await using var provider = fixture.CreateServices(options => options.Batching.Enabled = true);
        using var metrics = new MetricsRecorder(provider.GetRequiredService<IMeterFactory>());
        var ledger = provider.GetRequiredService<ILedger>();
        var source = await fixture.CreateFundedAccountAsync(100m);
        var destination = await fixture.CreateAccountAsync();

        var posting = await PostWhileAnotherWriterCommitsAsync(ledger, source, destination);

        Assert.True(posting.IsSuccess, posting.ToString());
        Assert.Equal(0, metrics.Sum("ledger.transfers.retries"));
        Assert.Equal((9700L, 3L, 3L), await fixture.AccountStateAsync(source));
        Assert.Equal((300L, 2L, 2L), await fixture.AccountStateAsync(destination));
    }

    /// <summary>A conditional limit change meets a posting that holds the account: the change waits for the row lock and
    /// checks the version it finds then, not the one it read before. When the posting commits (the version moves) the
    /// change is refused and writes nothing; when it rolls back the change applies. A check made before taking the lock
    /// would have let the change through in both cases.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SetOverdraftLimit_APostingHoldsTheAccountWhileTheChangeWaits_ChecksTheVersionUnderTheLock(bool postingCommits)
    {
        var account = await fixture.CreateFundedAccountAsync(100m, label: "limit-race");
        var other = await fixture.CreateAccountAsync(label: "limit-race-other");
        var read = await fixture.Ledger.GetAccountAsync(account);
        Assert.Equal(1L, read.Value!.Version);

        await using var writer = new MySqlConnection(fixture.ConnectionString);
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        await OtherWriter.PostInOpenTransactionAsync(writer, transaction, account, other);

        var change = fixture.Ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest
        {
            AccountId = account, OverdraftLimit = 50m, ExpectedVersion = read.Value.Version,
        });
        await OtherWriter.WaitUntilSomeoneWaitsOnAsync(fixture, await OtherWriter.CurrentTransactionAsync(writer, transaction), change);
        if (postingCommits)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }

        var result = await change;
        var audited = await fixture.ScalarAsync<long>(
            "SELECT COUNT(*) FROM audit_log WHERE entity_id = @a AND action = 'account.overdraft_limit_changed'", ("@a", account));
        var limit = await fixture.ScalarAsync<long>("SELECT overdraft_limit FROM accounts WHERE id = @a", ("@a", account));
        if (postingCommits)
        {
            Assert.Equal(LedgerErrorCode.PreconditionFailed, result.Error?.Code);
            Assert.Equal((0L, 0L), (limit, audited));
            Assert.Equal((9900L, 2L, 2L), await fixture.AccountStateAsync(account));
        }
        else
        {
            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal((5000L, 1L), (limit, audited));
            Assert.Equal((10000L, 1L, 1L), await fixture.AccountStateAsync(account));
        }
    }

    /// <summary>Posts <paramref name="count"/> transfers of 1.00 between <paramref name="a"/> and <paramref name="b"/>,
    /// half each way, all at once, alternating writers.</summary>
    private static async Task<(PostTransferRequest Request, LedgerResult<Transfer> Result)[]> CollideAsync(
        ILedger[] writers, string a, string b, int count)
    {
        var requests = Enumerable.Range(0, count).Select(i => new PostTransferRequest
        {
            Id = Guid.CreateVersion7(), SourceAccountId = i % 2 == 0 ? a : b, DestinationAccountId = i % 2 == 0 ? b : a, Amount = 1m,
        }).ToList();
        var results = await Task.WhenAll(requests.Select((request, i) => Task.Run(() => writers[i % writers.Length].PostTransferAsync(request))));
        return requests.Zip(results).ToArray();
    }

    /// <summary>Starts a post on <paramref name="ledger"/> while another writer holds both accounts in an open
    /// transaction that posts a transfer of its own (1.00 from source to destination); commits that writer once the
    /// post is waiting on its locks.</summary>
    private async Task<LedgerResult<Transfer>> PostWhileAnotherWriterCommitsAsync(
        ILedger ledger, string source, string destination, Guid? id = null)
    {
        await using var other = new MySqlConnection(fixture.ConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        await OtherWriter.PostInOpenTransactionAsync(other, transaction, source, destination);

        var otherTransaction = await OtherWriter.CurrentTransactionAsync(other, transaction);

        var posting = ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = id ?? Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = destination, Amount = 2m,
        });
        await OtherWriter.WaitUntilSomeoneWaitsOnAsync(fixture, otherTransaction, posting);
        await transaction.CommitAsync();
        return await posting;
    }
}
