using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>Creates a trigger (DDL) for a moment, so it runs on a database of its own.</summary>
public sealed class AtomicityTests(SchemaChangingLedgerFixture fixture) : IClassFixture<SchemaChangingLedgerFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PostTransfer_FailureAfterFirstBalanceUpdate_LeavesBalancesEntriesAndTransfersAsTheyWere(bool batching)
    {
        await using var provider = fixture.CreateServices(options => options.Batching.Enabled = batching);
        var ledger = provider.GetRequiredService<ILedger>();
        var source = await fixture.CreateFundedAccountAsync(100m, label: "atom-src");
        var destination = await fixture.CreateAccountAsync(label: "atom-dst");
        // The fault strikes whichever of the two balance updates comes second (one procedure call updates them in
        // byte order, a batch with one statement), and only after checking that the first one has been applied in
        // the same transaction.
        var sourceVersionAfter = (await fixture.AccountStateAsync(source)).Version + 1;
        var destinationVersionAfter = (await fixture.AccountStateAsync(destination)).Version + 1;
        var trigger = $"trg_test_fault_{Guid.NewGuid():N}";
        await fixture.ExecuteAsync($"""
            CREATE TRIGGER {trigger} BEFORE UPDATE ON accounts FOR EACH ROW
            BEGIN
              IF NEW.id IN ('{source}', '{destination}') AND OLD.version <> NEW.version THEN
                IF (SELECT COUNT(*) FROM accounts
                     WHERE (id = '{source}' AND version = {sourceVersionAfter})
                        OR (id = '{destination}' AND version = {destinationVersionAfter})) = 1 THEN
                  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault after the first balance update', MYSQL_ERRNO = 50999;
                END IF;
              END IF;
            END
            """);
        var before = await SnapshotAsync(source, destination);
        var id = Guid.CreateVersion7();

        try
        {
            var exception = await Assert.ThrowsAsync<MySqlException>(() => ledger.PostTransferAsync(new PostTransferRequest
            {
                Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = 30m,
            }));

            Assert.Equal(50999, exception.Number);
        }
        finally
        {
            await fixture.ExecuteAsync($"DROP TRIGGER IF EXISTS {trigger}");
        }

        Assert.Equal(before, await SnapshotAsync(source, destination));
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            "SELECT COUNT(*) FROM ledger_transfers WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true))));
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            "SELECT COUNT(*) FROM entries WHERE transfer_id = @id", ("@id", id.ToByteArray(bigEndian: true))));

        // With the fault gone the same transfer posts normally: nothing of the failed attempt was left behind.
        var retried = await ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = 30m,
        });
        Assert.True(retried.IsSuccess, retried.ToString());
        Assert.False(retried.Replayed);
        Assert.Equal((7000L, 2L, 2L), await fixture.AccountStateAsync(source));
    }

    [Fact]
    public async Task PostTransfer_OneTransferOfABatchFails_ItsNeighboursArePostedAndItAloneFails()
    {
        // Ten posts gathered into one batch (the batch waits up to 200 ms to fill); one of them meets an injected
        // fault in the database, which rolls back the whole batch; the batcher splits it until the bad one is alone.
        await using var provider = fixture.CreateServices(options =>
        {
            options.Batching.Enabled = true;
            options.Batching.MaxWait = TimeSpan.FromMilliseconds(200);
            options.Batching.MaxConcurrentBatches = 1;
        });
        var ledger = provider.GetRequiredService<ILedger>();
        var source = await fixture.CreateFundedAccountAsync(100m, label: "split-src");
        var destination = await fixture.CreateAccountAsync(label: "split-dst");
        var requests = Enumerable.Range(0, 10).Select(_ => new PostTransferRequest
        {
            Id = Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = destination, Amount = 1m,
        }).ToList();
        var bad = requests[6].Id!.Value;
        var trigger = $"trg_test_bad_{Guid.NewGuid():N}";
        await fixture.ExecuteAsync($"""
            CREATE TRIGGER {trigger} BEFORE INSERT ON entries FOR EACH ROW
            BEGIN
              IF NEW.transfer_id = UNHEX('{Convert.ToHexString(bad.ToByteArray(bigEndian: true))}') THEN
                SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected fault for one transfer', MYSQL_ERRNO = 50998;
              END IF;
            END
            """);
        Task<LedgerResult<Transfer>>[] posts;
        try
        {
            posts = requests.Select(r => ledger.PostTransferAsync(r)).ToArray();
            await Task.WhenAll(posts.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        finally
        {
            await fixture.ExecuteAsync($"DROP TRIGGER IF EXISTS {trigger}");
        }

        for (var i = 0; i < posts.Length; i++)
        {
            if (requests[i].Id == bad)
            {
                var failure = await Assert.ThrowsAsync<MySqlException>(() => posts[i]);
                Assert.Equal(50998, failure.Number);
            }
            else
            {
                var posted = await posts[i];
                Assert.True(posted.IsSuccess, posted.ToString());
            }
        }

        Assert.Equal((9100L, 10L, 10L), await fixture.AccountStateAsync(source));
        Assert.Equal((900L, 9L, 9L), await fixture.AccountStateAsync(destination));
    }

    private async Task<object> SnapshotAsync(string source, string destination) => new
    {
        Source = await fixture.AccountStateAsync(source),
        Destination = await fixture.AccountStateAsync(destination),
        Transfers = await fixture.ScalarAsync<long>(
            "SELECT COUNT(*) FROM ledger_transfers WHERE source_account_id IN (@a, @b) OR destination_account_id IN (@a, @b)",
            ("@a", source), ("@b", destination)),
        Outbox = await fixture.ScalarAsync<long>(
            "SELECT COUNT(*) FROM outbox WHERE account_id IN (@a, @b)", ("@a", source), ("@b", destination)),
    };
}
