using Microsoft.Extensions.Logging.Abstractions;
using Ledger.Migrations;
using MySqlConnector;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>
/// One database per test assembly and run, created empty and brought up to date by the real migrator, and dropped
/// when the test process ends. The run's process id is part of the name, so two test runs against one server do
/// not disturb each other. Tests stay independent by using accounts of their own (<see cref="Ids"/>), never by
/// deleting rows: transfers and entries are append-only.
/// </summary>
public static class TestDatabase
{
    private static readonly Dictionary<string, Lazy<Task<string>>> Databases = new(StringComparer.Ordinal);
    private static readonly List<string> Created = [];

    static TestDatabase() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DropCreated();

    /// <summary>The connection string of the migrated database for <paramref name="name"/> (it must start with
    /// <c>ledger</c>, the prefix the test user may create); the run's process id is appended. It names the test
    /// server's administrative user, for the tests' own SQL; a ledger under test connects with
    /// <see cref="TestServers.AsLedgerUsers"/> instead.</summary>
    public static Task<string> GetAsync(string name)
    {
        Lazy<Task<string>> lazy;
        lock (Databases)
        {
            if (!Databases.TryGetValue(name, out lazy!))
            {
                lazy = new Lazy<Task<string>>(() => CreateAsync(name), LazyThreadSafetyMode.ExecutionAndPublication);
                Databases[name] = lazy;
            }
        }

        return lazy.Value;
    }

    private static async Task<string> CreateAsync(string baseName)
    {
        var name = $"{baseName}_{Environment.ProcessId}";
        var servers = await TestServers.GetAsync();
        var server = new MySqlConnectionStringBuilder(servers.MySql) { Database = string.Empty };
        await using (var connection = new MySqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{name}`", connection);
            await drop.ExecuteNonQueryAsync();
        }

        var database = new MySqlConnectionStringBuilder(servers.MySql) { Database = name }.ConnectionString;
        lock (Created)
        {
            Created.Add(database);
        }

        // Applied by the schema's owner (ledger_migrator of db/grants.sql), as a deployment does: the procedures then run
        // with its rights, so every test exercises the grants a DBA is told to give.
        var migrator = new LedgerMigrator(NullLogger<LedgerMigrator>.Instance);
        await migrator.MigrateAsync(TestServers.AsLedgerUsers(database).Migrator, CancellationToken.None);
        return database;
    }

    private static void DropCreated()
    {
        foreach (var database in Created)
        {
            try
            {
                var builder = new MySqlConnectionStringBuilder(database);
                var name = builder.Database;
                builder.Database = string.Empty;
                builder.Pooling = false;
                using var connection = new MySqlConnection(builder.ConnectionString);
                connection.Open();
                using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{name}`", connection);
                drop.ExecuteNonQuery();
            }
            catch (MySqlException)
            {
                // Best effort: a database left behind is dropped by hand or by the next `servers-down.sh --purge`.
            }
        }
    }
}

/// <summary>Unique ids, so tests never share accounts or transfers and can run in parallel in one database.</summary>
public static class Ids
{
    public static string Account(string label = "acct") => $"{label}-{Guid.NewGuid():N}"[..Math.Min(64, label.Length + 33)];
}
