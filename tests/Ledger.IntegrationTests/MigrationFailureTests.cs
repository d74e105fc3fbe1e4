using System.Diagnostics;
using System.Globalization;
using DbUp.Engine;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>
/// What a failed or cancelled migration leaves behind, on a fresh database of each test's own, with scripts of the
/// test's own run by the real migrator: the scripts before the failure are applied and journaled, the failing one is
/// named and not journaled, nothing after it runs, and the next run picks up from there.
/// </summary>
public sealed class MigrationFailureTests : IAsyncLifetime
{
    private string _server = string.Empty;
    private string _database = string.Empty;
    private string _connectionString = string.Empty;

    public async Task InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        _database = $"ledger_it_migfail_{Guid.NewGuid():N}"[..40];
        _server = new MySqlConnectionStringBuilder(servers.MySql) { Database = string.Empty }.ConnectionString;
        _connectionString = new MySqlConnectionStringBuilder(servers.MySql) { Database = _database }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        await using var connection = new MySqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{_database}`", connection);
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task MigrateAsync_ScriptFails_ThrowsNamingItAndKeepsTheScriptsBeforeIt()
    {
        var migrator = Migrator(
            Script("migrations/0001_create_a.sql", "CREATE TABLE a (id INT PRIMARY KEY);"),
            Script("migrations/0002_broken.sql", "CREATE TABLE b (id INT PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);"),
            Script("migrations/0003_create_c.sql", "CREATE TABLE c (id INT PRIMARY KEY);"));

        var error = await Assert.ThrowsAsync<LedgerMigrationException>(() => migrator.MigrateAsync(_connectionString, CancellationToken.None));

        Assert.Equal("migrations/0002_broken.sql", error.ScriptName);
        Assert.StartsWith($"Migrating database '{_database}' failed in script 'migrations/0002_broken.sql': ", error.Message, StringComparison.Ordinal);
        var cause = Assert.IsType<MySqlException>(error.InnerException);
        Assert.Equal(MySqlErrorCode.NoSuchTable, cause.ErrorCode);
        Assert.Equal("migrations/0001_create_a.sql", await JournalAsync());
        // MySQL DDL commits as it goes: the failing script's first statement stands (the reason the exception says
        // "needs a look before a retry"), and the script after it never ran.
        Assert.Equal(["a", "b"], await TablesAsync());
    }

    [Fact]
    public async Task MigrateAsync_AfterAFailedRunAndAFixedScript_AppliesOnlyTheRest()
    {
        var first = Script("migrations/0001_create_a.sql", "CREATE TABLE a (id INT PRIMARY KEY);");
        var third = Script("migrations/0003_create_c.sql", "CREATE TABLE c (id INT PRIMARY KEY);");
        await Assert.ThrowsAsync<LedgerMigrationException>(() => Migrator(
            first,
            Script("migrations/0002_create_b.sql", "CREATE TABLE b (id INT PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);"),
            third).MigrateAsync(_connectionString, CancellationToken.None));

        var result = await Migrator(
            first,
            Script("migrations/0002_create_b.sql", "CREATE TABLE IF NOT EXISTS b (id INT PRIMARY KEY);"),
            third).MigrateAsync(_connectionString, CancellationToken.None);

        Assert.Equal(["migrations/0002_create_b.sql", "migrations/0003_create_c.sql"], result.ScriptsApplied);
        Assert.Equal(
            "migrations/0001_create_a.sql,migrations/0002_create_b.sql,migrations/0003_create_c.sql",
            await JournalAsync());
        Assert.Equal(["a", "b", "c"], await TablesAsync());
    }

    [Fact]
    public async Task MigrateAsync_CancelledWhileAScriptRuns_FinishesThatScriptAndStopsBeforeTheNext()
    {
        // The first script sleeps, so that the test can cancel while it runs; the marker makes its statement
        // recognisable in the process list.
        var migrator = Migrator(
            Script("migrations/0001_slow.sql", "CREATE TABLE a (id INT PRIMARY KEY);\nSELECT SLEEP(3) AS migfail_marker;"),
            Script("migrations/0002_create_b.sql", "CREATE TABLE b (id INT PRIMARY KEY);"));
        using var cancellation = new CancellationTokenSource();

        var migrating = migrator.MigrateAsync(_connectionString, cancellation.Token);
        await WaitUntilRunningAsync("migfail_marker");
        await cancellation.CancelAsync();

        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => migrating);
        Assert.Equal("The database migration was cancelled between scripts.", cancelled.Message);
        Assert.Equal("migrations/0001_slow.sql", await JournalAsync());
        Assert.Equal(["a"], await TablesAsync());
    }

    private static LedgerMigrator Migrator(params SqlScript[] scripts) =>
        new(NullLogger<LedgerMigrator>.Instance, TimeProvider.System, scripts);

    private static SqlScript Script(string name, string sql) =>
        new(name, sql, LedgerMigrator.CreateOptions(LedgerMigrator.MigrationsRunGroupOrder));

    private async Task<string> JournalAsync()
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT COALESCE(GROUP_CONCAT(script_name ORDER BY script_name SEPARATOR ','), '') FROM ledger_schema_journal",
            connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The database's tables other than the journal, by name.</summary>
    private async Task<List<string>> TablesAsync()
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() " +
            "AND table_name <> 'ledger_schema_journal' ORDER BY table_name",
            connection);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private async Task WaitUntilRunningAsync(string marker)
    {
        await using var connection = new MySqlConnection(_server);
        await connection.OpenAsync();
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await using var command = new MySqlCommand(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE db = @db AND info LIKE @marker AND info NOT LIKE '%PROCESSLIST%'",
                connection);
            command.Parameters.AddWithValue("@db", _database);
            command.Parameters.AddWithValue("@marker", "%" + marker + "%");
            if (Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) > 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"The statement marked '{marker}' did not start within 60 seconds.");
    }
}
