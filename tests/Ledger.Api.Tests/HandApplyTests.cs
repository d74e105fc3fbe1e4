using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.Api.Tests;

/// <summary>
/// A DBA applying <c>db/</c> by hand, as db/README.md says: <c>db/apply.sh</c> with the mysql client, as the schema's
/// owner (<c>ledger_migrator</c>), credentials in an option file. The journal it writes is the migrator's, from an LF
/// or a CRLF copy; the API then starts on it as <c>ledger_app</c> with nothing left to migrate and posts; any failure
/// (a broken script, a journal that cannot be read) stops it with a non-zero exit and applies nothing after it.
/// </summary>
public sealed class HandApplyTests : IAsyncLifetime
{
    private readonly string _database = $"ledger_hand_{Guid.NewGuid():N}"[..28];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"ledger-hand-{Guid.NewGuid():N}");
    private TestServers.Endpoints _servers = null!;
    private string _optionFile = string.Empty;
    private string _migratorServer = string.Empty;

    public async Task InitializeAsync()
    {
        _servers = await TestServers.GetAsync();
        Assert.False(string.IsNullOrEmpty(_servers.MySqlMigrator), $"{TestServers.MySqlMigratorVariable} is not set. {TestServers.HowToStart}");
        Assert.False(string.IsNullOrEmpty(_servers.MySqlApp), $"{TestServers.MySqlAppVariable} is not set. {TestServers.HowToStart}");
        _migratorServer = _servers.MySqlMigrator!;
        Directory.CreateDirectory(_folder);
        _optionFile = WriteOptionFile("migrator.cnf", _migratorServer);
    }

    public async Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        await ApiProcess.DropDatabaseAsync(Migrator);
    }

    private string Migrator => new MySqlConnectionStringBuilder(_migratorServer) { Database = _database }.ConnectionString;

    private string App => new MySqlConnectionStringBuilder(_servers.MySqlApp!) { Database = _database }.ConnectionString;

    [Fact]
    public async Task ApplySh_FreshDatabase_JournalsWhatTheMigratorWouldAndTheApiStartsOnItAsTheAppUser()
    {
        var check = await ApplyAsync(Repository.Root, "--check");
        Assert.True(check.ExitCode == 3, check.ToString());

        var applied = await ApplyAsync(Repository.Root);

        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.True((await StatusAsync()).IsUpToDate, applied.ToString());
        var again = await ApplyAsync(Repository.Root);
        Assert.True(again.ExitCode == 0 && again.Output.Contains("0 scripts applied", StringComparison.Ordinal), again.ToString());
        Assert.Equal(0, (await ApplyAsync(Repository.Root, "--check")).ExitCode);
        await AssertTheApiServesAsync();
    }

    [Fact]
    public async Task ApplySh_CrlfCopy_JournalsTheSameNamesAsTheLfOriginal()
    {
        var copy = CopyDb(lineEnding: "\r\n");

        var applied = await ApplyAsync(copy);

        Assert.True(applied.ExitCode == 0, applied.ToString());
        var status = await StatusAsync();
        Assert.True(status.IsUpToDate, $"pending after a CRLF apply: {string.Join(", ", status.Pending)}");
        await AssertTheApiServesAsync();
    }

    [Fact]
    public async Task ApplySh_AMigrationFails_StopsNonZeroAndAppliesNoProcedure()
    {
        var copy = CopyDb(lineEnding: "\n");
        await File.WriteAllTextAsync(Path.Combine(copy, "db", "migrations", "0999_broken.sql"), "CREATE TABLE broken (;\n");

        var run = await ApplyAsync(copy);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("migrations/0999_broken.sql failed", run.Error, StringComparison.Ordinal);
        var journal = await ScalarAsync<string>(Migrator, "SELECT GROUP_CONCAT(script_name ORDER BY script_name) FROM ledger_schema_journal");
        Assert.DoesNotContain("procedures/", journal, StringComparison.Ordinal);
        Assert.DoesNotContain("0999", journal, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync<long>(Migrator,
            "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"));
    }

    [Fact]
    public async Task ApplySh_JournalCannotBeRead_StopsNonZeroAndAppliesNothing()
    {
        var wrong = WriteOptionFile("wrong.cnf", new MySqlConnectionStringBuilder(_migratorServer)
        {
            Password = "not-the-password-" + Guid.NewGuid().ToString("N"),
        }.ConnectionString);

        var run = await ApplyAsync(Repository.Root, optionFile: wrong);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("apply: FAILED", run.Error, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync<long>(
            new MySqlConnectionStringBuilder(_servers.MySql) { Database = string.Empty }.ConnectionString,
            $"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{_database}'"));
    }

    /// <summary>The host as a deployment after a hand apply runs it: ledger_app, migrating at start-up as ledger_migrator
    /// (which must find nothing to do), then a transfer posted.</summary>
    private async Task AssertTheApiServesAsync()
    {
        var journal = await ScalarAsync<long>(Migrator, "SELECT COUNT(*) FROM ledger_schema_journal");
        await using var api = new ConfiguredApiFactory(App, _servers.Redis, migrateOnStartup: true,
            extraSettings: new Dictionary<string, string?> { ["ConnectionStrings:LedgerMigrator"] = Migrator });
        var source = await api.CreateAccountAsync(overdraftLimit: 10m, label: "hand-src");
        var destination = await api.CreateAccountAsync(label: "hand-dst");
        using var client = api.CreateClient(ApiFactory.PosterKey);

        using var posted = await ApiCalls.PostTransferAsync(client, Guid.CreateVersion7(), source, destination, 2.5m);

        Assert.True(posted.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(posted));
        Assert.Equal(journal, await ScalarAsync<long>(Migrator, "SELECT COUNT(*) FROM ledger_schema_journal"));
    }

    private async Task<MigrationStatus> StatusAsync()
    {
        var services = new ServiceCollection();
        services.AddLedger(options => options.ConnectionString = Migrator);
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<ILedger>().GetMigrationStatusAsync();
    }

    private Task<ProgramRun> ApplyAsync(string root, string? mode = null, string? optionFile = null)
    {
        var arguments = new List<string> { Path.Combine(root, "db", "apply.sh") };
        if (mode is not null)
        {
            arguments.Add(mode);
        }

        arguments.Add(_database);
        arguments.Add($"--defaults-extra-file={optionFile ?? _optionFile}");
        return ExternalProgram.ExecuteAsync("bash", arguments);
    }

    /// <summary>A copy of db/ whose SQL files end their lines with <paramref name="lineEnding"/> (apply.sh stays as it is).</summary>
    private string CopyDb(string lineEnding)
    {
        var copy = Path.Combine(_folder, "copy");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "db"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Repository.Root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (file.EndsWith(".sql", StringComparison.Ordinal))
            {
                File.WriteAllText(target, File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", lineEnding, StringComparison.Ordinal));
            }
            else
            {
                File.Copy(file, target);
            }
        }

        return copy;
    }

    /// <summary>A client option file (mode 600) with the connection string's host, port, user and password.</summary>
    private string WriteOptionFile(string name, string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString);
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture,
            $"[client]\nhost={builder.Server}\nport={builder.Port}\nuser={builder.UserID}\npassword={builder.Password}\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    private static Task<T> ScalarAsync<T>(string connectionString, string sql) => ApiCalls.ScalarAsync<T>(connectionString, sql);
}
