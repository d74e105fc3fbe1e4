using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using DbUp.Builder;
using DbUp.Engine;
using DbUp.ScriptProviders;
using DbUp.Support;
using Ledger.Migrations;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Ledger;

/// <summary>
/// Brings a MySQL or MariaDB database up to date with the SQL embedded from <c>db/</c>: first the run-once
/// migrations of <c>db/migrations</c>, then the procedures of <c>db/procedures</c>, which are re-created on
/// every run. Both sets run in file-name order.
/// </summary>
/// <remarks>
/// There is no wrapping transaction: MySQL DDL commits implicitly, so each migration should hold one DDL change
/// and a failed run stops at a clean point after the last script that succeeded. Migrations are journaled in
/// <see cref="MySqlTableJournal.TableName"/> as <c>migrations/&lt;file&gt;</c>.
/// </remarks>
internal sealed class LedgerMigrator
{
    internal const string MigrationsResourcePrefix = "Ledger.Db.migrations.";
    internal const string ProceduresResourcePrefix = "Ledger.Db.procedures.";
    internal const string MigrationsJournalPrefix = "migrations/";
    internal const string ProceduresJournalPrefix = "procedures/";
    internal const int MigrationsRunGroupOrder = 1;
    internal const int ProceduresRunGroupOrder = 2;

    /// <summary>How long a migrator waits for another one (on another replica, say) to finish.</summary>
    internal static readonly TimeSpan MigrationLockTimeout = TimeSpan.FromMinutes(10);

    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly IReadOnlyList<SqlScript> scripts;
    private readonly int migrationCount;
    private readonly int procedureCount;

    /// <summary>Creates a migrator for the scripts embedded in Ledger.Core, stamping the journal with the system clock.</summary>
    public LedgerMigrator(ILogger<LedgerMigrator> logger)
        : this(logger, TimeProvider.System)
    {
    }

    /// <summary>Creates a migrator for the scripts embedded in Ledger.Core.</summary>
    public LedgerMigrator(ILogger<LedgerMigrator> logger, TimeProvider timeProvider)
        : this(logger, timeProvider, LoadEmbeddedScripts())
    {
    }

    /// <summary>Creates a migrator for the given scripts (tests use this to run scripts of their own).</summary>
    internal LedgerMigrator(ILogger logger, TimeProvider timeProvider, IReadOnlyList<SqlScript> scripts)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(scripts);
        this.logger = logger;
        this.timeProvider = timeProvider;
        this.scripts = scripts;
        migrationCount = scripts.Count(script => script.SqlScriptOptions.RunGroupOrder == MigrationsRunGroupOrder);
        procedureCount = scripts.Count - migrationCount;
    }

    /// <summary>
    /// Creates the database named in <paramref name="connectionString"/> if it is missing, then applies the new
    /// migrations and re-creates the procedures. Concurrent calls against one database (replicas migrating at
    /// start-up) take turns through a named lock, waiting up to <see cref="MigrationLockTimeout"/>.
    /// </summary>
    /// <param name="connectionString">A MySqlConnector connection string. The account needs DDL rights on the database (and the right to create it, if it may be missing).</param>
    /// <param name="cancellationToken">
    /// Honoured before the run starts, while the database is being created, while waiting for the lock, and
    /// between scripts; a script that
    /// has started runs to its end, so a cancelled run also stops at a clean point.
    /// </param>
    /// <returns>The scripts applied.</returns>
    /// <exception cref="LedgerMigrationException">A script or the journal failed; <see cref="LedgerMigrationException.ScriptName"/> names the script.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<MigrationResult> MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        cancellationToken.ThrowIfCancellationRequested();

        // Named, so the server's process list and the client's pool metrics show "ledger-migrator", never the
        // connection string (host, user and database) MySqlConnector would name an unnamed pool after.
        var builder = new MySqlConnectionStringBuilder(connectionString) { ApplicationName = "ledger-migrator" };
        var database = builder.Database;
        MigrationLog.Starting(logger, database, migrationCount, procedureCount);

        if (!string.IsNullOrEmpty(database))
        {
            try
            {
                await EnsureDatabaseAsync(builder.ConnectionString, database, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw Failure(database, scriptName: null, ex);
            }
        }

        // Scripts may use @user_variables; PREPARE ... FROM @sql is the usual way to write conditional DDL.
        builder.AllowUserVariables = true;
        var upgradeConnectionString = builder.ConnectionString;

        DatabaseUpgradeResult result;
        var lockConnection = new MySqlConnection(upgradeConnectionString);
        await using (lockConnection.ConfigureAwait(false))
        {
            await AcquireMigrationLockAsync(lockConnection, database, cancellationToken).ConfigureAwait(false);
            try
            {
                // DbUp is synchronous: keep it off the caller's thread.
                result = await Task.Run(() => Upgrade(upgradeConnectionString, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await ReleaseMigrationLockAsync(lockConnection, database).ConfigureAwait(false);
            }
        }

        if (result.Successful)
        {
            var applied = result.Scripts.Select(script => script.Name).ToArray();
            if (logger.IsEnabled(LogLevel.Information))
            {
                var appliedList = string.Join(", ", applied);
                MigrationLog.Succeeded(logger, database, applied.Length, appliedList);
            }

            return new MigrationResult(applied);
        }

        if (result.Error is OperationCanceledException)
        {
            MigrationLog.Cancelled(logger, database);
            throw new OperationCanceledException("The database migration was cancelled between scripts.", result.Error, cancellationToken);
        }

        throw Failure(database, result.ErrorScript?.Name, result.Error ?? new InvalidOperationException("DbUp reported a failure without an exception."));
    }

    private LedgerMigrationException Failure(string database, string? scriptName, Exception error)
    {
        MigrationLog.Failed(logger, database, scriptName ?? "(none: before any script)", error);
        var message = scriptName is null
            ? $"Migrating database '{database}' failed before any script ran: {error.Message}"
            : $"Migrating database '{database}' failed in script '{scriptName}': {error.Message}";
        return new LedgerMigrationException(message, scriptName, error);
    }

    /// <summary>The journal names of the embedded scripts, in the order they run.</summary>
    internal static IReadOnlyList<string> GetScriptNames() =>
        LoadEmbeddedScripts().Select(script => script.Name).ToArray();

    /// <summary>The scripts embedded in Ledger.Core, in the order they run.</summary>
    internal static IReadOnlyList<SqlScript> LoadEmbeddedScripts() => LoadScripts(typeof(LedgerMigrator).Assembly);

    internal static IReadOnlyList<SqlScript> LoadScripts(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var loaded = new List<SqlScript>();
        foreach (var resourceName in assembly.GetManifestResourceNames())
        {
            if (TryGetScriptName(resourceName) is not { } script)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resourceName)
                ?? throw new InvalidOperationException($"Embedded resource '{resourceName}' could not be opened.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = WithoutCarriageReturns(buffer.ToArray());
            var name = script.RunGroupOrder == ProceduresRunGroupOrder ? ProcedureJournalName(script.Name, bytes) : script.Name;
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            loaded.Add(new SqlScript(name, reader.ReadToEnd(), CreateOptions(script.RunGroupOrder)));
        }

        return Order(loaded);
    }

    /// <summary>
    /// Maps an embedded resource name such as <c>Ledger.Db.migrations.0001_create_currencies.sql</c> to its
    /// journal name (<c>migrations/0001_create_currencies.sql</c>) and run group; <see langword="null"/> for
    /// resources that are not scripts.
    /// </summary>
    internal static (string Name, int RunGroupOrder)? TryGetScriptName(string resourceName)
    {
        ArgumentNullException.ThrowIfNull(resourceName);
        if (!resourceName.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (resourceName.StartsWith(MigrationsResourcePrefix, StringComparison.Ordinal))
        {
            return (MigrationsJournalPrefix + resourceName[MigrationsResourcePrefix.Length..], MigrationsRunGroupOrder);
        }

        if (resourceName.StartsWith(ProceduresResourcePrefix, StringComparison.Ordinal))
        {
            return (ProceduresJournalPrefix + resourceName[ProceduresResourcePrefix.Length..], ProceduresRunGroupOrder);
        }

        return null;
    }

    /// <summary>Every script is journaled and run once. A procedure's journal name carries a hash of its text
    /// (<see cref="ProcedureJournalName"/>), so a procedure is re-created exactly when its file changes, and not on
    /// every start, where dropping it would fail the calls other replicas are making at that moment.</summary>
    internal static SqlScriptOptions CreateOptions(int runGroupOrder) => new()
    {
        ScriptType = ScriptType.RunOnce,
        RunGroupOrder = runGroupOrder,
    };

    /// <summary><c>procedures/ledger_post_transactions.sql@</c> and the first 16 hex digits of the SHA-256 of the file's
    /// bytes without carriage returns (<see cref="WithoutCarriageReturns"/>): what
    /// <c>tr -d '\r' &lt; db/procedures/ledger_post_transactions.sql | sha256sum | cut -c1-16</c> prints.</summary>
    internal static string ProcedureJournalName(string name, ReadOnlySpan<byte> content) =>
        string.Concat(name, "@", Convert.ToHexStringLower(SHA256.HashData(content))[..16]);

    /// <summary>The bytes without carriage returns, so a script checked out or copied with CRLF line endings runs and is
    /// journaled exactly as its LF original (db/apply.sh strips them too).</summary>
    internal static byte[] WithoutCarriageReturns(byte[] bytes) =>
        Array.IndexOf(bytes, (byte)'\r') < 0 ? bytes : bytes.Where(b => b != (byte)'\r').ToArray();

    /// <summary>Which of the embedded scripts the journal of the database named in <paramref name="connectionString"/>
    /// records, and which it does not (all of them when the database or its journal does not exist yet). Changes
    /// nothing; needs only SELECT.</summary>
    public async Task<MigrationStatus> GetStatusAsync(string connectionString, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new MySqlConnectionStringBuilder(connectionString) { ApplicationName = "ledger-migrator" };
        var database = builder.Database;
        builder.Database = string.Empty;
        var journaled = new HashSet<string>(StringComparer.Ordinal);
        var connection = new MySqlConnection(builder.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var exists = connection.CreateCommand();
            exists.CommandText = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = @database AND TABLE_NAME = @table";
            exists.Parameters.AddWithValue("@database", database);
            exists.Parameters.AddWithValue("@table", MySqlTableJournal.TableName);
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0)
            {
                using var read = connection.CreateCommand();
                read.CommandText = $"SELECT script_name FROM {QuoteIdentifier(database)}.{MySqlTableJournal.TableName}";
                using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    journaled.Add(reader.GetString(0));
                }
            }
        }

        var names = scripts.Select(script => script.Name).ToArray();
        return new MigrationStatus(
            names.Where(journaled.Contains).ToArray(),
            names.Where(name => !journaled.Contains(name)).ToArray());
    }

    /// <summary>The order DbUp runs scripts in: by run group, then by name, ordinally.</summary>
    internal static IReadOnlyList<SqlScript> Order(IEnumerable<SqlScript> scripts) =>
        scripts
            .OrderBy(script => script.SqlScriptOptions.RunGroupOrder)
            .ThenBy(script => script.Name, StringComparer.Ordinal)
            .ToArray();

    private async Task EnsureDatabaseAsync(string connectionString, string database, CancellationToken cancellationToken)
    {
        // Connect without a database: the point is that it may not exist yet.
        var serverOnly = new MySqlConnectionStringBuilder(connectionString) { Database = string.Empty };
        var connection = new MySqlConnection(serverOnly.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // Ask first: an account with rights on one database only may not run CREATE DATABASE even with IF NOT EXISTS.
            using (var exists = connection.CreateCommand())
            {
                exists.CommandText = "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @name";
                exists.Parameters.AddWithValue("@name", database);
                var found = Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                if (found > 0)
                {
                    return;
                }
            }

            using (var create = connection.CreateCommand())
            {
                create.CommandText = "CREATE DATABASE IF NOT EXISTS " + QuoteIdentifier(database) + " CHARACTER SET utf8mb4";
                // 0 rows: another migrator created it in the meantime.
                if (await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
                {
                    MigrationLog.DatabaseCreated(logger, database);
                }
            }
        }
    }

    /// <summary>
    /// Takes a server-wide named lock for this database, so that replicas migrating at start-up run one after
    /// another instead of racing through the same DDL. The lock is the session's: it goes if the session does.
    /// </summary>
    private async Task AcquireMigrationLockAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT GET_LOCK(@name, @timeout)";
            command.Parameters.AddWithValue("@name", MigrationLockName(database));
            command.Parameters.AddWithValue("@timeout", (int)MigrationLockTimeout.TotalSeconds);
            command.CommandTimeout = 0;
            var acquired = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);

            // Cancelling kills the query, and a killed GET_LOCK returns NULL rather than failing.
            cancellationToken.ThrowIfCancellationRequested();
            if (acquired is not (1 or 1L))
            {
                throw new TimeoutException($"Another migrator held the lock '{MigrationLockName(database)}' for {MigrationLockTimeout.TotalMinutes} minutes.");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Failure(database, scriptName: null, ex);
        }
    }

    private static async Task ReleaseMigrationLockAsync(MySqlConnection connection, string database)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DO RELEASE_LOCK(@name)";
            command.Parameters.AddWithValue("@name", MigrationLockName(database));
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (MySqlException)
        {
            // Closing the session releases the lock anyway.
        }
    }

    /// <summary>Named locks are server-wide and at most 64 characters long.</summary>
    internal static string MigrationLockName(string database)
    {
        var name = "ledger_migrator:" + database;
        return name.Length <= 64 ? name : name[..64];
    }

    internal static string QuoteIdentifier(string identifier) =>
        "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";

    private DatabaseUpgradeResult Upgrade(string connectionString, CancellationToken cancellationToken)
    {
        var upgradeLog = new LoggerUpgradeLog(logger);
        var connectionManager = new MySqlConnectionManager(connectionString);
        var journal = new MySqlTableJournal(() => connectionManager, () => upgradeLog, timeProvider);
        var executor = new MySqlScriptExecutor(() => connectionManager, () => upgradeLog, () => journal);

        var builder = new UpgradeEngineBuilder();
        builder.Configure(configuration =>
        {
            configuration.ConnectionManager = connectionManager;
            configuration.AddLog(upgradeLog);
            configuration.ScriptProviders.Add(new StaticScriptProvider(scripts));
            configuration.Journal = journal;
            configuration.ScriptExecutor = executor;
            configuration.VariablesEnabled = false;
        });
        var engine = builder.Build();

        // A script that has started runs to its end (MySQL cannot take DDL back); stop before the next one.
        engine.ScriptExecuted += (_, _) => cancellationToken.ThrowIfCancellationRequested();

        try
        {
            // The journal exists after every run, even one with nothing to apply, so DBAs can always write to it.
            using (connectionManager.OperationStarting(upgradeLog, []))
            {
                connectionManager.ExecuteCommandsWithManagedConnection(journal.EnsureTableExistsAndIsLatestVersion);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new DatabaseUpgradeResult([], false, ex, null);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return engine.PerformUpgrade();
    }
}
