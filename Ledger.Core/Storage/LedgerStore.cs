using System.Data;
using System.Data.Common;
using MySqlConnector;

namespace Ledger.Storage;

/// <summary>The ledger's database access: one stored-procedure call per change, plain reads for queries.
/// Every method makes exactly one attempt; retrying is the caller's decision.</summary>
internal sealed class LedgerStore(MySqlDataSource dataSource)
{
    private const string PostTransferSql =
        "CALL ledger_post_transfer(@id, @source, @destination, @amount, @currency, @client_timestamp, @reference, " +
        "@reversal_of, @posted_by, @correlation_id, @posted_at)";

    private const string SetOverdraftLimitSql =
        "CALL ledger_set_overdraft_limit(@id, @overdraft_limit, @actor, @correlation_id, @now)";

    private const string CreateAccountSql =
        "CALL ledger_create_account(@id, @currency, @overdraft_limit, @actor, @correlation_id, @now)";

    private const string AccountColumns =
        "a.id, a.currency, c.minor_units, a.balance, a.overdraft_limit, a.version, a.created_at";

    private const string TransferColumns =
        "t.id, t.source_account_id, t.destination_account_id, t.amount, t.currency, c.minor_units, t.client_timestamp, " +
        "t.posted_at, t.posted_by, t.correlation_id, t.reference, t.reversal_of";

    public MySqlDataSource DataSource => dataSource;

    public async Task<CreateAccountOutcome> CreateAccountAsync(
        string id, string currency, long overdraftLimit, string actor, string? correlationId, DateTime now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection
            .BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(CreateAccountSql, connection, transaction);
        command.Parameters.AddWithValue("@id", id);
        command.Parameters.AddWithValue("@currency", currency);
        command.Parameters.AddWithValue("@overdraft_limit", overdraftLimit);
        command.Parameters.AddWithValue("@actor", actor);
        command.Parameters.AddWithValue("@correlation_id", correlationId);
        command.Parameters.AddWithValue("@now", now);

        CreateAccountOutcome outcome;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("ledger_create_account returned no row.");
            }

            var status = (ProcedureStatus)GetInt32(reader, "status");
            outcome = new CreateAccountOutcome(status, status == ProcedureStatus.Done ? ReadAccount(reader) : null);
        }

        await FinishAsync(transaction, outcome.Status == ProcedureStatus.Done).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>One attempt at posting: a transaction around one procedure call, committed only when the transfer
    /// was posted. Rejections and version conflicts are rolled back (a conflict may follow the first update).</summary>
    public async Task<PostTransferOutcome> PostTransferAsync(PostTransferCommand transfer, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection
            .BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(PostTransferSql, connection, transaction);
        command.Parameters.AddWithValue("@id", ToBytes(transfer.Id));
        command.Parameters.AddWithValue("@source", transfer.SourceAccountId);
        command.Parameters.AddWithValue("@destination", transfer.DestinationAccountId);
        command.Parameters.AddWithValue("@amount", transfer.Amount);
        command.Parameters.AddWithValue("@currency", transfer.Currency);
        command.Parameters.AddWithValue("@client_timestamp", transfer.ClientTimestamp);
        command.Parameters.AddWithValue("@reference", transfer.Reference);
        command.Parameters.AddWithValue("@reversal_of", transfer.ReversalOf is { } reversalOf ? ToBytes(reversalOf) : null);
        command.Parameters.AddWithValue("@posted_by", transfer.PostedBy);
        command.Parameters.AddWithValue("@correlation_id", transfer.CorrelationId);
        command.Parameters.AddWithValue("@posted_at", transfer.PostedAt);

        PostTransferOutcome outcome;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("ledger_post_transfer returned no row.");
            }

            var status = (ProcedureStatus)GetInt32(reader, "status");
            var replayed = GetInt32(reader, "replayed") == 1;
            outcome = status switch
            {
                ProcedureStatus.Done => new PostTransferOutcome(
                    status,
                    replayed,
                    ReadTransfer(reader),
                    new BalanceSnapshot(transfer.SourceAccountId, reader.GetInt64(reader.GetOrdinal("source_balance")),
                        reader.GetInt64(reader.GetOrdinal("source_version")), reader.GetString(reader.GetOrdinal("currency")),
                        GetInt32(reader, "minor_units")),
                    new BalanceSnapshot(transfer.DestinationAccountId, reader.GetInt64(reader.GetOrdinal("destination_balance")),
                        reader.GetInt64(reader.GetOrdinal("destination_version")), reader.GetString(reader.GetOrdinal("currency")),
                        GetInt32(reader, "minor_units"))),
                ProcedureStatus.Replayed => new PostTransferOutcome(status, replayed, ReadTransfer(reader)),
                _ => new PostTransferOutcome(status, replayed, null),
            };
        }

        // A version conflict may follow the first balance update, so it is rolled back; every other outcome is
        // committed: a posting, a refusal recorded under its id, or nothing written at all. Once the commit is sent
        // its outcome stands, so it is not cancelled with the caller.
        await FinishAsync(transaction, outcome.Status != ProcedureStatus.VersionConflict).ConfigureAwait(false);
        return outcome;
    }

    public async Task<AccountRow?> SetOverdraftLimitAsync(
        string id, long overdraftLimit, string actor, string? correlationId, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection
            .BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(SetOverdraftLimitSql, connection, transaction);
        command.Parameters.AddWithValue("@id", id);
        command.Parameters.AddWithValue("@overdraft_limit", overdraftLimit);
        command.Parameters.AddWithValue("@actor", actor);
        command.Parameters.AddWithValue("@correlation_id", correlationId);
        command.Parameters.AddWithValue("@now", now);

        AccountRow? account;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("ledger_set_overdraft_limit returned no row.");
            }

            account = (ProcedureStatus)GetInt32(reader, "status") == ProcedureStatus.Done ? ReadAccount(reader) : null;
        }

        await FinishAsync(transaction, account is not null).ConfigureAwait(false);
        return account;
    }

    public async Task<AccountRow?> GetAccountAsync(string accountId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(
            $"SELECT {AccountColumns} FROM accounts a JOIN currencies c ON c.code = a.currency WHERE a.id = @id",
            connection);
        command.Parameters.AddWithValue("@id", accountId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadAccount(reader) : null;
    }

    public async Task<TransferRow?> GetTransferAsync(Guid transferId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(
            $"SELECT {TransferColumns} FROM transfers t JOIN currencies c ON c.code = t.currency WHERE t.id = @id",
            connection);
        command.Parameters.AddWithValue("@id", ToBytes(transferId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadTransfer(reader) : null;
    }

    /// <summary>Entries of one account with a version below <paramref name="beforeVersion"/>, newest first: a range of
    /// the primary key (account_id, account_version).</summary>
    public async Task<List<EntryRow>> ListEntriesAsync(
        string accountId, int limit, long? beforeVersion, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(
            "SELECT account_id, account_version, transfer_id, amount, balance_after, posted_at FROM entries " +
            "WHERE account_id = @account AND account_version < @before ORDER BY account_version DESC LIMIT @limit",
            connection);
        command.Parameters.AddWithValue("@account", accountId);
        command.Parameters.AddWithValue("@before", beforeVersion ?? long.MaxValue);
        command.Parameters.AddWithValue("@limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<EntryRow>(Math.Min(limit, 64));
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new EntryRow(
                reader.GetString(0), reader.GetInt64(1), FromBytes(reader, 2), reader.GetInt64(3), reader.GetInt64(4),
                AsUtc(reader.GetDateTime(5))));
        }

        return rows;
    }

    public async Task<Dictionary<string, int>> LoadCurrenciesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand("SELECT code, minor_units FROM currencies", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var currencies = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            currencies[reader.GetString(0)] = reader.GetByte(1);
        }

        return currencies;
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static byte[] ToBytes(Guid id) => id.ToByteArray(bigEndian: true);

    internal static DateTime AsUtc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    private static Guid FromBytes(DbDataReader reader, int ordinal)
    {
        var bytes = (byte[])reader.GetValue(ordinal);
        return bytes.Length == 16
            ? new Guid(bytes, bigEndian: true)
            : throw new InvalidOperationException($"A stored id has {bytes.Length} bytes, not 16.");
    }

    internal static int GetInt32(DbDataReader reader, string column) =>
        Convert.ToInt32(reader.GetValue(reader.GetOrdinal(column)), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task FinishAsync(MySqlTransaction transaction, bool commit)
    {
        if (commit)
        {
            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static AccountRow ReadAccount(DbDataReader reader) => new(
        reader.GetString(reader.GetOrdinal("id")),
        reader.GetString(reader.GetOrdinal("currency")),
        GetInt32(reader, "minor_units"),
        reader.GetInt64(reader.GetOrdinal("balance")),
        reader.GetInt64(reader.GetOrdinal("overdraft_limit")),
        reader.GetInt64(reader.GetOrdinal("version")),
        AsUtc(reader.GetDateTime(reader.GetOrdinal("created_at"))));

    internal static TransferRow ReadTransfer(DbDataReader reader)
    {
        var clientTimestamp = reader.GetOrdinal("client_timestamp");
        var correlationId = reader.GetOrdinal("correlation_id");
        var reference = reader.GetOrdinal("reference");
        var reversalOf = reader.GetOrdinal("reversal_of");
        return new TransferRow(
            FromBytes(reader, reader.GetOrdinal("id")),
            reader.GetString(reader.GetOrdinal("source_account_id")),
            reader.GetString(reader.GetOrdinal("destination_account_id")),
            reader.GetInt64(reader.GetOrdinal("amount")),
            reader.GetString(reader.GetOrdinal("currency")),
            GetInt32(reader, "minor_units"),
            reader.IsDBNull(clientTimestamp) ? null : AsUtc(reader.GetDateTime(clientTimestamp)),
            AsUtc(reader.GetDateTime(reader.GetOrdinal("posted_at"))),
            reader.GetString(reader.GetOrdinal("posted_by")),
            reader.IsDBNull(correlationId) ? null : reader.GetString(correlationId),
            reader.IsDBNull(reference) ? null : reader.GetString(reference),
            reader.IsDBNull(reversalOf) ? null : FromBytes(reader, reversalOf));
    }
}
