using System.Data;
using System.Globalization;
using System.Text;
using Ledger.Storage;
using MySqlConnector;

namespace Ledger.Outbox;

/// <summary>The outbox as the sweeper sees it.</summary>
internal interface IOutboxStore
{
    /// <summary>Claims up to <paramref name="limit"/> unpublished rows, oldest first, skipping rows another sweeper
    /// holds; the claim holds them (and a transaction) until it is published or disposed.</summary>
    Task<IOutboxClaim> ClaimAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Deletes rows published before <paramref name="cutoff"/>; returns how many.</summary>
    Task<long> PruneAsync(DateTime cutoff, CancellationToken cancellationToken);

    /// <summary>When the oldest unpublished change was committed, and at most how many rows wait; null when none.</summary>
    Task<OutboxBacklog?> GetBacklogAsync(CancellationToken cancellationToken);
}

/// <summary>Rows claimed by one sweep. Disposed without <see cref="MarkPublishedAsync"/>, the rows stay unpublished.</summary>
internal interface IOutboxClaim : IAsyncDisposable
{
    IReadOnlyList<long> RowIds { get; }

    /// <summary>The current balance and version, read from the database, of each account the rows name: at least as
    /// new as any of the rows, so it is what the cache should hold.</summary>
    IReadOnlyList<BalanceSnapshot> Balances { get; }

    Task MarkPublishedAsync(DateTime publishedAt, CancellationToken cancellationToken);
}

internal sealed record OutboxBacklog(DateTime OldestCreatedAt, long AtMost);

/// <summary>Reads the outbox with plain SELECTs and changes it only through the <c>ledger_outbox_*</c> procedures, so the
/// application's database user needs no write right on any table (db/grants.sql).</summary>
internal sealed class OutboxStore(MySqlDataSource dataSource) : IOutboxStore
{
    private const int PruneChunk = 10_000;

    public async Task<IOutboxClaim> ClaimAsync(int limit, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        MySqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            var ids = new List<long>(limit);
            var accounts = new HashSet<string>(StringComparer.Ordinal);
            await using (var claim = new MySqlCommand("CALL ledger_outbox_claim(@limit)", connection, transaction))
            {
                claim.Parameters.AddWithValue("@limit", limit);
                await using var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(reader.GetInt64(0));
                    accounts.Add(reader.GetString(1));
                }
            }

            var balances = new List<BalanceSnapshot>(accounts.Count);
            if (accounts.Count > 0)
            {
                await using var read = new MySqlCommand { Connection = connection, Transaction = transaction };
                read.CommandText = "SELECT a.id, a.balance, a.version, a.currency, c.minor_units FROM accounts a " +
                                   "JOIN currencies c ON c.code = a.currency WHERE a.id IN (" + Parameters(read, "@a", accounts) + ")";
                await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    balances.Add(new BalanceSnapshot(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt32(4)));
                }
            }

            return new Claim(connection, transaction, ids, balances);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<long> PruneAsync(DateTime cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var prune = new MySqlCommand("CALL ledger_outbox_prune(@cutoff, @limit)", connection);
        prune.Parameters.AddWithValue("@cutoff", cutoff);
        prune.Parameters.AddWithValue("@limit", PruneChunk);
        long total = 0;
        long deleted;
        do
        {
            deleted = Convert.ToInt64(await prune.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            total += deleted;
        }
        while (deleted == PruneChunk);
        return total;
    }

    public async Task<OutboxBacklog?> GetBacklogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(
            "SELECT o.created_at, (SELECT MAX(id) FROM outbox) - o.id + 1 FROM outbox o " +
            "WHERE o.published_at IS NULL ORDER BY o.id LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new OutboxBacklog(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc), reader.GetInt64(1))
            : null;
    }

    private static string Parameters<T>(MySqlCommand command, string prefix, IEnumerable<T> values)
    {
        var list = new StringBuilder();
        var i = 0;
        foreach (var value in values)
        {
            var name = prefix + i.ToString(CultureInfo.InvariantCulture);
            list.Append(i++ == 0 ? "" : ",").Append(name);
            command.Parameters.AddWithValue(name, value);
        }

        return list.ToString();
    }

    private sealed class Claim(MySqlConnection connection, MySqlTransaction transaction, List<long> ids, List<BalanceSnapshot> balances)
        : IOutboxClaim
    {
        public IReadOnlyList<long> RowIds => ids;

        public IReadOnlyList<BalanceSnapshot> Balances => balances;

        public async Task MarkPublishedAsync(DateTime publishedAt, CancellationToken cancellationToken)
        {
            if (ids.Count > 0)
            {
                await using var mark = new MySqlCommand("CALL ledger_outbox_mark_published(@ids, @published_at)", connection, transaction);
                mark.Parameters.AddWithValue("@ids", "[" + string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture))) + "]");
                mark.Parameters.AddWithValue("@published_at", publishedAt);
                await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
