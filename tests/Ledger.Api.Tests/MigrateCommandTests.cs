using System.Diagnostics;
using System.Globalization;
using System.Text;
using MySqlConnector;
using Xunit.Abstractions;

namespace Ledger.Api.Tests;

/// <summary>
/// <c>dotnet Ledger.Api.dll migrate</c> as a real process, the way a container or a deployment job runs it: against a
/// database of its own (<c>ledger_migrate_&lt;pid&gt;</c>, dropped afterwards) it creates the schema and exits 0, a
/// second run applies nothing and exits 0, and a database that cannot be reached gives a non-zero exit code and a
/// message naming the problem, never the password.
/// </summary>
public sealed class MigrateCommandTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    private string _connectionString = string.Empty;
    private string _migratorConnectionString = string.Empty;

    public async Task InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        var database = string.Create(CultureInfo.InvariantCulture, $"ledger_migrate_{Environment.ProcessId}");
        _connectionString = new MySqlConnectionStringBuilder(servers.MySql) { Database = database }.ConnectionString;
        Assert.False(string.IsNullOrEmpty(servers.MySqlMigrator), $"{TestServers.MySqlMigratorVariable} is not set. {TestServers.HowToStart}");
        _migratorConnectionString = new MySqlConnectionStringBuilder(servers.MySqlMigrator) { Database = database }.ConnectionString;
        await ApiProcess.DropDatabaseAsync(_connectionString);
    }

    public Task DisposeAsync() => ApiProcess.DropDatabaseAsync(_connectionString);

    [Fact]
    public async Task Migrate_FreshDatabase_CreatesTheSchemaAndASecondRunAppliesNothing()
    {
        var before = await RunMigrateAsync(connectionString: string.Empty, _migratorConnectionString, "--check");
        Assert.True(before.ExitCode == 3, $"migrate --check on an empty database exited with {before.ExitCode}:\n{before.Output}");
        Assert.Contains("pending  migrations/0001_create_currencies.sql", before.Output, StringComparison.Ordinal);

        // As the chart's migration Job runs it: the migrator's connection string only, never the application's.
        var first = await RunMigrateAsync(connectionString: string.Empty, _migratorConnectionString);
        Assert.True(first.ExitCode == 0, $"migrate exited with {first.ExitCode}:\n{first.Output}");
        // Every change script of db/migrations, counted there so that a new one does not need this test changed.
        var migrations = Directory.GetFiles(Path.Combine(Repository.Root, "db", "migrations"), "*.sql").Length;
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"applied {migrations} migrations"), first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening on", first.Output, StringComparison.Ordinal);

        var tables = await QueryNamesAsync(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()");
        foreach (var table in new[] { "accounts", "transfers", "entries", "outbox", "ledger_schema_journal" })
        {
            Assert.Contains(table, tables);
        }

        var procedures = await QueryNamesAsync(
            "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'PROCEDURE'");
        foreach (var procedure in new[] { "ledger_create_account", "ledger_post_transactions", "ledger_post_transactions_commit", "ledger_set_overdraft_limit", "ledger_set_overdraft_limit_v2" })
        {
            Assert.Contains(procedure, procedures);
        }

        Assert.Equal(["ledger_migrator"], await QueryNamesAsync(
            "SELECT DISTINCT SUBSTRING_INDEX(DEFINER, '@', 1) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"));
        Assert.Contains("as 'ledger_migrator'", first.Output, StringComparison.Ordinal);

        var journal = await QueryNamesAsync("SELECT script_name FROM ledger_schema_journal ORDER BY id");
        Assert.Contains("migrations/0001_create_currencies.sql", journal);
        Assert.Equal(migrations, journal.Count(name => name.StartsWith("migrations/", StringComparison.Ordinal)));

        var check = await RunMigrateAsync(connectionString: string.Empty, _migratorConnectionString, "--check");
        Assert.True(check.ExitCode == 0, $"migrate --check after migrating exited with {check.ExitCode}:\n{check.Output}");
        Assert.DoesNotContain("pending ", check.Output, StringComparison.Ordinal);
        var list = await RunMigrateAsync(connectionString: string.Empty, _migratorConnectionString, "--list");
        Assert.True(list.ExitCode == 0, list.Output);
        Assert.Contains("applied  migrations/0001_create_currencies.sql", list.Output, StringComparison.Ordinal);
        Assert.Contains("applied  procedures/ledger_post_transactions.sql@", list.Output, StringComparison.Ordinal);

        var second = await RunMigrateAsync(_connectionString);
        Assert.True(second.ExitCode == 0, $"the second migrate exited with {second.ExitCode}:\n{second.Output}");
        Assert.Contains("nothing to apply", second.Output, StringComparison.Ordinal);
        Assert.Equal(journal, await QueryNamesAsync("SELECT script_name FROM ledger_schema_journal ORDER BY id"));
    }

    [Fact]
    public async Task Migrate_ClosedPort_ExitsNonZeroNamingTheProblemWithoutThePassword()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var unreachable = new MySqlConnectionStringBuilder(_connectionString)
        {
            Server = "127.0.0.1",
            Port = (uint)LocalPorts.Free(),
            Password = password,
            ConnectionTimeout = 5,
        }.ConnectionString;

        var run = await RunMigrateAsync(unreachable);

        Assert.True(run.ExitCode != 0, $"migrate exited with 0 against a closed port:\n{run.Output}");
        Assert.Contains("migrate: failed", run.Output, StringComparison.Ordinal);
        Assert.Contains("Unable to connect", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(password, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_NoConnectionString_ExitsNonZeroNamingTheSetting()
    {
        var run = await RunMigrateAsync(connectionString: string.Empty);

        Assert.True(run.ExitCode != 0, $"migrate exited with 0 without a connection string:\n{run.Output}");
        Assert.Contains("ConnectionStrings:Ledger is required", run.Output, StringComparison.Ordinal);
    }

    private sealed record Run(int ExitCode, string Output);

    private async Task<Run> RunMigrateAsync(string connectionString, string migratorConnectionString = "", string? flag = null)
    {
        var dll = ApiProcess.FindHostAssembly();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("migrate");
        if (flag is not null)
        {
            start.ArgumentList.Add(flag);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Ledger"] = connectionString;
        start.Environment["ConnectionStrings__LedgerMigrator"] = migratorConnectionString;
        start.Environment["ConnectionStrings__Redis"] = string.Empty;
        start.Environment["Logging__Console__FormatterName"] = "simple";

        var text = new StringBuilder();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (text)
                {
                    text.AppendLine(line);
                }
            }
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"migrate did not exit within {RunTimeout}:\n{text}");
        }

        // WaitForExitAsync returns after the redirected streams reach their end, so the output is complete.
        string all;
        lock (text)
        {
            all = text.ToString();
        }

        output.WriteLine($"exit {process.ExitCode}:\n{all}");
        return new Run(process.ExitCode, all);
    }

    private async Task<List<string>> QueryNamesAsync(string sql)
    {
        var builder = new MySqlConnectionStringBuilder(_connectionString) { Pooling = false };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
