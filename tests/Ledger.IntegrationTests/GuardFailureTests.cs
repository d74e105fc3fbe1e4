using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.IntegrationTests;

/// <summary>
/// The posting procedure locks a batch's accounts before it reads them, so its version guard cannot fail unless a
/// writer outside the ledger changes a locked row. If it ever does, the procedure signals 50107, nothing of the batch
/// stays, the one retry policy tries again, and when every attempt fails the posts answer concurrency_conflict (safe
/// to retry with the same id), without splitting the batch. The failure is forced here by a procedure that always
/// signals it, in a database of this class alone.
/// </summary>
public sealed class GuardFailureTests(GuardFailureLedgerFixture fixture) : IClassFixture<GuardFailureLedgerFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_VersionGuardFailsOnEveryAttempt_IsConcurrencyConflictAfterTheRetriesAndChangesNothing(bool batching)
    {
        var source = await fixture.CreateFundedAccountAsync(10m, label: "guard-src");
        var destination = await fixture.CreateAccountAsync(label: "guard-dst");
        var before = await fixture.AccountStateAsync(source);
        await fixture.ScalarAsync<long>(
            "DROP PROCEDURE ledger_post_transactions; " +
            "CREATE PROCEDURE ledger_post_transactions(IN p_batch LONGTEXT, IN p_posted_at DATETIME(6)) " +
            "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'a version guard failed', MYSQL_ERRNO = 50107; SELECT 0");
        try
        {
            await using var provider = fixture.CreateServices(options =>
            {
                options.Batching.Enabled = batching;
                options.Retry.MaxRetries = 2;
                options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
            });
            using var metrics = new MetricsRecorder(provider.GetRequiredService<IMeterFactory>());
            var ledger = provider.GetRequiredService<ILedger>();

            var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ledger.PostTransferAsync(new PostTransferRequest
            {
                Id = Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = destination, Amount = 1m,
            })));

            Assert.All(results, r => Assert.Equal(LedgerErrorCode.ConcurrencyConflict, r.Error?.Code));
            Assert.True(metrics.Sum("ledger.transfers.retries", "reason", "version_conflict") >= 2);
            Assert.Equal(before, await fixture.AccountStateAsync(source));
        }
        finally
        {
            // Put the real procedure back for the other case of the theory: forgotten by the journal, it is applied again.
            await fixture.ScalarAsync<long>(
                "DELETE FROM ledger_schema_journal WHERE script_name LIKE 'procedures/ledger_post_transactions.sql@%'; SELECT 0");
            await using var provider = fixture.CreateServices();
            await provider.GetRequiredService<ILedger>().MigrateAsync();
        }
    }
}
