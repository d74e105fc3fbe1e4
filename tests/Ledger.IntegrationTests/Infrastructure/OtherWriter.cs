using Ledger.Posting;
using MySqlConnector;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>Another writer on the same accounts, for the tests that need a lock held on purpose: a posting applied in
/// an open transaction, and a wait until the ledger's call is blocked behind it.</summary>
internal static class OtherWriter
{
    /// <summary>Another writer's posting of <paramref name="amount"/> (1.00 unless given) from <paramref name="source"/>
    /// to <paramref name="destination"/> under <paramref name="id"/> (a new one unless given), applied in its open
    /// transaction, which then holds both accounts until it commits or rolls back.</summary>
    public static async Task PostInOpenTransactionAsync(
        MySqlConnection connection, MySqlTransaction transaction, string source, string destination, Guid? id = null, decimal amount = 1m)
    {
        await using var call = new MySqlCommand("CALL ledger_post_transactions(@batch, UTC_TIMESTAMP(6))", connection, transaction);
        call.Parameters.AddWithValue("@batch", PostingStore.ToJson([new PostingCommand(id ?? Guid.CreateVersion7(),
            [new LegCommand(source, -amount), new LegCommand(destination, amount)], null, null, null, null, "other-writer", null)]));
        await using var reader = await call.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        // Status 0: the other writer's transfer is applied, and its transaction holds both accounts.
        Assert.Equal(0L, Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The connection's transaction id: unique, unlike the thread id of a pooled connection, so a lock wait
    /// of an earlier test (the server caches its lock tables for a moment) cannot be taken for this one.</summary>
    public static async Task<long> CurrentTransactionAsync(MySqlConnection connection, MySqlTransaction transaction)
    {
        await using var me = new MySqlCommand(
            "SELECT trx_id FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()", connection, transaction);
        // The server answers INNODB_TRX (and its lock tables) from a cache it refreshes at most every 0.1 s. A cache
        // older than this transaction may list an earlier one of this pooled connection (same thread id, committed
        // since) and the lock waits it caused, so only a read made more than 0.1 s after this call began counts: the
        // cache it reads was made after the transaction began. A transaction younger than the cache is not listed
        // yet: ask again until it is.
        await Task.Delay(150);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await me.ExecuteScalarAsync() is { } id and not DBNull)
            {
                return Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture);
            }

            Assert.True(DateTime.UtcNow < deadline, "the other writer's transaction never appeared in INNODB_TRX");
            await Task.Delay(150);
        }
    }

    public static async Task WaitUntilSomeoneWaitsOnAsync(LedgerFixture fixture, long blockingTransaction, Task posting)
    {
        // MariaDB lists lock waits in information_schema; MySQL 8 in performance_schema.
        string[] queries =
        [
            "SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS WHERE blocking_trx_id = @trx",
            "SELECT COUNT(*) FROM performance_schema.data_lock_waits WHERE BLOCKING_ENGINE_TRANSACTION_ID = @trx",
        ];
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(posting.IsCompleted, "the post finished without waiting for the other writer");
            foreach (var query in queries)
            {
                try
                {
                    if (await fixture.ScalarAsync<long>(query, ("@trx", blockingTransaction)) > 0)
                    {
                        return;
                    }

                    break;
                }
                catch (MySqlException)
                {
                    // This server keeps lock waits in the other place.
                }
            }

            // The server refreshes its lock tables only when they have not been read for 0.1 s: poll slower than that.
            await Task.Delay(150);
        }

        Assert.Fail($"the post never waited for the other writer's locks (transaction {blockingTransaction}; pool threads {ThreadPool.ThreadCount}, queued {ThreadPool.PendingWorkItemCount}); processes: " +
                    await fixture.ScalarAsync<string>(
                        "SELECT GROUP_CONCAT(CONCAT(ID, ' ', COMMAND, ' ', COALESCE(STATE, '-'), ' ', LEFT(COALESCE(INFO, '-'), 60)) SEPARATOR ' | ') " +
                        "FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND COMMAND <> 'Sleep'") + "; transactions: " +
                    await fixture.ScalarAsync<string>(
                        "SELECT GROUP_CONCAT(CONCAT(trx_id, ' ', trx_state, ' ', trx_mysql_thread_id, ' ', COALESCE(trx_query, '-')) SEPARATOR ' | ') " +
                        "FROM information_schema.INNODB_TRX"));
    }
}
