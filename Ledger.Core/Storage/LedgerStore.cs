using System.Data;
using System.Data.Common;
using MySqlConnector;

namespace Ledger.Storage;

/// <summary>The ledger's database access: one stored-procedure call per change, plain reads for queries.
/// Every method makes exactly one attempt; retrying is the caller's decision.</summary>
internal sealed class LedgerStore(MySqlDataSource dataSource)
{
    private const string SetOverdraftLimitSql =
        "CALL ledger_set_overdraft_limit_v2(@id, @overdraft_limit, @expected_version, @actor, @correlation_id, @now)";

    private const string CreateAccountSql =
        "CALL ledger_create_account(@id, @currency, @overdraft_limit, @actor, @correlation_id, @now)";

    private const string AccountColumns =
        "a.id, a.currency, c.minor_units, a.balance, a.overdraft_limit, a.version, a.created_at";

    public MySqlDataSource DataSource => dataSource;

    public Task<CreateAccountOutcome> CreateAccountAsync(
        string id, string currency, long overdraftLimit, string actor, string? correlationId, DateTime now,
        CancellationToken cancellationToken) =>
        CallAsync(
            CreateAccountSql,
            [("@id", id), ("@currency", currency), ("@overdraft_limit", overdraftLimit), ("@actor", actor),
             ("@correlation_id", correlationId), ("@now", now)],
            reader =>
            {
                var status = (ProcedureStatus)GetInt32(reader, "status");
                return new CreateAccountOutcome(status, status == ProcedureStatus.Done ? ReadAccount(reader) : null);
            },
            outcome => outcome.Status == ProcedureStatus.Done,
            cancellationToken);

    /// <summary>Status <see cref="ProcedureStatus.Done"/> with the changed account, status 3 (no such account)
    /// without one, or <see cref="ProcedureStatus.VersionStale"/> with the account as it is (not at
    /// <paramref name="expectedVersion"/>; nothing written).</summary>
    public Task<(ProcedureStatus Status, AccountRow? Account)> SetOverdraftLimitAsync(
        string id, long overdraftLimit, long? expectedVersion, string actor, string? correlationId, DateTime now,
        CancellationToken cancellationToken) =>
        CallAsync(
            SetOverdraftLimitSql,
            [("@id", id), ("@overdraft_limit", overdraftLimit), ("@expected_version", expectedVersion), ("@actor", actor),
             ("@correlation_id", correlationId), ("@now", now)],
            reader =>
            {
                var status = (ProcedureStatus)GetInt32(reader, "status");
                return (Status: status, Account: status is ProcedureStatus.Done or ProcedureStatus.VersionStale ? ReadAccount(reader) : null);
            },
            outcome => outcome.Status == ProcedureStatus.Done,
            cancellationToken);

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

    internal static Guid FromBytes(DbDataReader reader, int ordinal)
    {
        var bytes = (byte[])reader.GetValue(ordinal);
        return bytes.Length == 16
            ? new Guid(bytes, bigEndian: true)
            : throw new InvalidOperationException($"A stored id has {bytes.Length} bytes, not 16.");
    }

    internal static int GetInt32(DbDataReader reader, string column) =>
        Convert.ToInt32(reader.GetValue(reader.GetOrdinal(column)), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One procedure call that answers one row, inside a READ COMMITTED transaction that is committed when
    /// <paramref name="commit"/> says so about the row's outcome and rolled back otherwise.</summary>
    private async Task<T> CallAsync<T>(
        string sql, (string Name, object? Value)[] parameters, Func<DbDataReader, T> read, Func<T, bool> commit,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection
            .BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        T outcome;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"'{sql}' returned no row.");
            }

            outcome = read(reader);
        }

        // Once the commit is sent its outcome stands, so it is not cancelled with the caller.
        await FinishAsync(transaction, commit(outcome)).ConfigureAwait(false);
        return outcome;
    }

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
}
