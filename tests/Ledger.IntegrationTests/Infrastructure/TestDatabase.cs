using Microsoft.Extensions.Logging.Abstractions;
using Ledger.Migrations;
using MySqlConnector;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>
/// One database per test assembly and run, dropped and re-created at the start of the run and brought up to date
/// by the real migrator. Tests stay independent by using accounts of their own (<see cref="Ids"/>), never by
/// deleting rows: transfers and entries are append-only.
/// </summary>
public static class TestDatabase
{
    private static readonly Dictionary<string, Lazy<Task<string>>> Databases = new(StringComparer.Ordinal);

    /// <summary>The connection string of the migrated database named <paramref name="name"/> (it must start with
    /// <c>ledger</c>, the prefix the test user may create).</summary>
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

    private static async Task<string> CreateAsync(string name)
    {
        var servers = await TestServers.GetAsync();
        var server = new MySqlConnectionStringBuilder(servers.MySql) { Database = string.Empty };
        await using (var connection = new MySqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{name}`", connection);
            await drop.ExecuteNonQueryAsync();
        }

        var database = new MySqlConnectionStringBuilder(servers.MySql) { Database = name }.ConnectionString;
        var migrator = new LedgerMigrator(NullLogger<LedgerMigrator>.Instance);
        await migrator.MigrateAsync(database, CancellationToken.None);
        return database;
    }
}

/// <summary>Unique ids, so tests never share accounts or transfers and can run in parallel in one database.</summary>
public static class Ids
{
    public static string Account(string label = "acct") => $"{label}-{Guid.NewGuid():N}"[..Math.Min(64, label.Length + 33)];
}
