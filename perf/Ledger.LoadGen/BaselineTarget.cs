using System.Data;
using System.Globalization;
using System.Reflection;
using System.Text;
using Ledger.Migrations;
using MySqlConnector;

namespace Ledger.LoadGen;

/// <summary>The baseline procedures of perf/baseline/ (a yardstick for Ledger, not Ledger): in a database of their own
/// on the same server as Ledger's, one transfer per call (<c>baseline_post_transfer</c>, one commit per transfer) or a
/// JSON array of N per call (<c>baseline_post_transfers</c>, one commit per call). The client does what a plain
/// client would: a pooled connection (not reset between uses), START TRANSACTION (READ COMMITTED, as Ledger), CALL,
/// COMMIT.</summary>
internal sealed class BaselineTarget : ITarget
{
    /// <summary>The SQL of perf/baseline/, embedded, in the order it is applied.</summary>
    private static readonly string[] Scripts =
        ["schema.sql", "baseline_apply_transfer.sql", "baseline_post_transfer.sql", "baseline_post_transfers.sql"];

    private readonly MySqlDataSource _dataSource;

    private BaselineTarget(string connectionString, int transfersPerCall)
    {
        _dataSource = new MySqlDataSource(connectionString);
        TransfersPerCall = transfersPerCall;
        var database = new MySqlConnectionStringBuilder(connectionString).Database;
        Describe = transfersPerCall == 1
            ? $"baseline procedure, one transfer per call ({database})"
            : string.Create(CultureInfo.InvariantCulture, $"baseline procedure, {transfersPerCall} transfers per call ({database})");
    }

    public string Describe { get; }

    public int TransfersPerCall { get; }

    /// <summary>The connection string of the baseline's database: Ledger's (ConnectionStrings__Ledger) with another
    /// database name, a pool large enough for every caller, reader and the funding at once, and no reset of a pooled
    /// connection when it is taken again: the yardstick measures the SQL, and a reset (MySqlConnector's default) cost
    /// about 500 µs of server CPU per call here, more than the procedure itself (docs/performance.md). The procedures
    /// keep no session state a reset would clear (the batch procedure empties its temporary table on every call).
    /// A connection string that names Connection Reset keeps its setting, to measure the reset itself.</summary>
    public static string ConnectionString(string ledgerConnectionString, string database, int concurrency)
    {
        var builder = new MySqlConnectionStringBuilder(ledgerConnectionString);
        var resetGiven = builder.ContainsKey("Connection Reset");
        builder.Database = database;
        builder.MaximumPoolSize = (uint)Math.Max(100, concurrency + 48);
        if (!resetGiven)
        {
            builder.ConnectionReset = false;
        }

        return builder.ConnectionString;
    }

    /// <summary>Creates the database when missing, applies perf/baseline/*.sql (tables when missing, procedures every
    /// time) and returns the target.</summary>
    public static async Task<BaselineTarget> CreateAsync(Options settings)
    {
        var ledger = Environment.GetEnvironmentVariable("ConnectionStrings__Ledger")
            ?? throw new InvalidOperationException("Set ConnectionStrings__Ledger: eval \"$(bash scripts/servers-up.sh --print-env)\".");
        var connectionString = ConnectionString(ledger, settings.BaselineDatabase, settings.Concurrency);
        var server = new MySqlConnectionStringBuilder(connectionString) { Database = "" }.ConnectionString;
        await using (var connection = new MySqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new MySqlCommand(
                $"CREATE DATABASE IF NOT EXISTS `{settings.BaselineDatabase.Replace("`", "``", StringComparison.Ordinal)}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
                connection);
            await create.ExecuteNonQueryAsync();
        }

        await using (var connection = new MySqlConnection(connectionString))
        {
            await connection.OpenAsync();
            foreach (var script in Scripts)
            {
                foreach (var sql in MySqlScriptSplitter.Split(ReadScript(script)))
                {
                    await using var command = new MySqlCommand(sql, connection);
                    await command.ExecuteNonQueryAsync();
                }
            }
        }

        return new BaselineTarget(connectionString, settings.Mode == Options.BaselineBatch ? settings.BatchSizeOrDefault : 1);
    }

    public async Task CreateAccountAsync(string id, decimal overdraftLimit, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand("INSERT INTO accounts (id, overdraft_limit) VALUES (@id, @limit)", connection);
        command.Parameters.AddWithValue("@id", id);
        command.Parameters.AddWithValue("@limit", MinorUnits(overdraftLimit));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string?> PostAsync(Guid id, string source, string destination, decimal amount, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
                await using var command = new MySqlCommand("CALL baseline_post_transfer(@id, @source, @destination, @amount)", connection, transaction);
                command.Parameters.AddWithValue("@id", id.ToByteArray(bigEndian: true));
                command.Parameters.AddWithValue("@source", source);
                command.Parameters.AddWithValue("@destination", destination);
                command.Parameters.AddWithValue("@amount", MinorUnits(amount));
                var status = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
                await transaction.CommitAsync(cancellationToken);
                return Code(status);
            }
            catch (MySqlException ex) when (ex.IsTransient && attempt < 5)
            {
                // Deadlock or lock wait timeout (the ordered locks should prevent both): retry, as any client would.
            }
        }
    }

    public async Task<IReadOnlyList<string?>> PostBatchAsync(IReadOnlyList<TransferToPost> transfers, CancellationToken cancellationToken)
    {
        var batch = BatchJson(transfers);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var codes = new string?[transfers.Count];
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
                await using (var command = new MySqlCommand("CALL baseline_post_transfers(@batch)", connection, transaction))
                {
                    command.Parameters.AddWithValue("@batch", batch);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        codes[reader.GetInt32(0) - 1] = Code(reader.GetInt32(1));
                    }
                }

                await transaction.CommitAsync(cancellationToken);
                return codes;
            }
            catch (MySqlException ex) when (ex.IsTransient && attempt < 5)
            {
                // As in PostAsync.
            }
        }
    }

    public async Task<bool> ReadBalanceAsync(string account, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT balance FROM accounts WHERE id = @id", connection);
        command.Parameters.AddWithValue("@id", account);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>The JSON array baseline_post_transfers takes: i (32 hex digits, big-endian, as Ledger stores ids),
    /// s, d, a (minor units). Account ids are the load generator's own (letters, digits, '-'), so need no escaping.</summary>
    internal static string BatchJson(IReadOnlyList<TransferToPost> transfers)
    {
        var json = new StringBuilder(transfers.Count * 110).Append('[');
        for (var i = 0; i < transfers.Count; i++)
        {
            var t = transfers[i];
            json.Append(i == 0 ? "{\"i\":\"" : ",{\"i\":\"").Append(t.Id.ToString("N"))
                .Append("\",\"s\":\"").Append(t.Source)
                .Append("\",\"d\":\"").Append(t.Destination)
                .Append("\",\"a\":").Append(MinorUnits(t.Amount).ToString(CultureInfo.InvariantCulture)).Append('}');
        }

        return json.Append(']').ToString();
    }

    /// <summary>The load generator's amounts are in dollars; the baseline stores cents.</summary>
    internal static long MinorUnits(decimal amount) => decimal.ToInt64(decimal.Round(amount * 100m, 0, MidpointRounding.ToEven));

    /// <summary>The refusal code Ledger would answer for a baseline status (the numbers are Ledger's); null when posted
    /// or replayed.</summary>
    internal static string? Code(int status) => status switch
    {
        0 or 1 => null,
        2 => LedgerError.ToCodeName(LedgerErrorCode.IdempotencyConflict),
        3 or 4 => LedgerError.ToCodeName(LedgerErrorCode.AccountNotFound),
        6 => LedgerError.ToCodeName(LedgerErrorCode.InsufficientFunds),
        _ => string.Create(CultureInfo.InvariantCulture, $"status_{status}"),
    };

    private static string ReadScript(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Baseline." + name)
            ?? throw new InvalidOperationException($"perf/baseline/{name} is not embedded in the load generator.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
