using System.Diagnostics;
using System.Globalization;
using System.Text;
using MySqlConnector;

namespace Ledger.Testing;

/// <summary>
/// A MariaDB of one test's own, which the test may stop and start again without disturbing the shared server on
/// 3306: a fresh data directory under /var/tmp (owned by <c>mysql</c>), a <c>mariadbd</c> child process on a free
/// loopback port with its own socket, a database <c>ledger</c> and a user <c>ledger</c>/<c>ledger</c>. Needs the
/// MariaDB binaries (scripts/servers-up.sh installs them) and root, as the tests run under scripts/test.sh.
/// </summary>
public sealed class StoppableMariaDb : IAsyncDisposable
{
    private const string Password = "ledger";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root;
    private readonly StringBuilder _console = new();
    private Process? _process;

    private StoppableMariaDb(string root, int port)
    {
        _root = root;
        Port = port;
    }

    public int Port { get; }

    public string DataDirectory => Path.Combine(_root, "data");

    public string SocketPath => Path.Combine(_root, "mysqld.sock");

    private string ErrorLog => Path.Combine(_root, "error.log");

    /// <summary>The connection string of the <c>ledger</c> user to the <c>ledger</c> database over TCP.</summary>
    public string ConnectionString => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        Database = "ledger",
        UserID = "ledger",
        Password = Password,
    }.ConnectionString;

    /// <summary>Initialises a data directory, starts the server and creates the database and the user.</summary>
    public static async Task<StoppableMariaDb> StartAsync()
    {
        var root = Path.Combine("/var/tmp", $"ledger-outage-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var server = new StoppableMariaDb(root, LocalPorts.Free());
        try
        {
            // The whole folder belongs to mysql: mariadbd drops to that user and keeps its socket, pid file and log here.
            await ExternalProgram.RunAsync("chown", ["-R", "mysql:mysql", root]);
            await ExternalProgram.RunAsync("mariadb-install-db",
            [
                "--no-defaults", "--user=mysql", $"--datadir={server.DataDirectory}",
                "--auth-root-authentication-method=socket", "--skip-test-db",
            ]);
            await server.StartAgainAsync();
            await server.RootSqlAsync(
                """
                CREATE DATABASE IF NOT EXISTS `ledger` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
                CREATE USER IF NOT EXISTS 'ledger'@'localhost' IDENTIFIED BY 'ledger';
                CREATE USER IF NOT EXISTS 'ledger'@'%' IDENTIFIED BY 'ledger';
                GRANT ALL PRIVILEGES ON `ledger%`.* TO 'ledger'@'localhost';
                GRANT ALL PRIVILEGES ON `ledger%`.* TO 'ledger'@'%';
                FLUSH PRIVILEGES;
                """);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts mariadbd on the same data directory and port, and waits until it answers over TCP.</summary>
    public async Task StartAgainAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("The server is already running.");
        }

        var info = new ProcessStartInfo(ExternalProgram.Which("mariadbd"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--no-defaults", "--user=mysql", $"--datadir={DataDirectory}",
            string.Create(CultureInfo.InvariantCulture, $"--port={Port}"),
            $"--socket={SocketPath}", "--bind-address=127.0.0.1", $"--pid-file={Path.Combine(_root, "mariadbd.pid")}",
            $"--log-error={ErrorLog}", "--skip-log-bin", "--innodb-flush-log-at-trx-commit=1",
            "--innodb-buffer-pool-size=64M", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
            "--max-connections=500",
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("mariadbd did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var started = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mariadbd exited with {process.ExitCode} during start-up.\n{Diagnostics()}");
            }

            if (await AnswersAsync())
            {
                return;
            }

            if (started.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"mariadbd did not answer on port {Port} within {StartTimeout}.\n{Diagnostics()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Shuts the server down cleanly (mariadb-admin shutdown; SIGTERM if that fails) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            try
            {
                await ExternalProgram.RunAsync("mariadb-admin", ["--no-defaults", $"--socket={SocketPath}", "-uroot", "shutdown"]);
            }
            catch (InvalidOperationException)
            {
                // The admin tool could not reach it; the signal below does the same.
                await ExternalProgram.SignalAsync(process.Id, "TERM");
            }

            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
        _process = null;
    }

    /// <summary>Kills the server with SIGKILL, as a crash or an OOM kill would: no shutdown, open transactions cut off
    /// mid-flight, sockets reset. <see cref="StartAgainAsync"/> then runs InnoDB's crash recovery.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            await ExternalProgram.SignalAsync(process.Id, "KILL");
            await process.WaitForExitAsync();
        }

        process.Dispose();
        _process = null;
    }

    /// <summary>Stops the server and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a folder left under /var/tmp is harmless.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }
        }
    }

    /// <summary>The tail of the server's error log and console, for failure messages.</summary>
    public string Diagnostics()
    {
        string log;
        try
        {
            var lines = File.ReadAllLines(ErrorLog);
            log = string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 40)));
        }
        catch (IOException ex)
        {
            log = $"(no error log: {ex.Message})";
        }

        lock (_console)
        {
            return $"error log {ErrorLog}:\n{log}\nconsole:\n{_console}";
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_console)
        {
            _console.AppendLine(line);
        }
    }

    private async Task<bool> AnswersAsync()
    {
        // Over the socket as root first (the user may not exist yet), so a fresh server counts as up.
        try
        {
            await ExternalProgram.RunAsync("mariadb-admin", ["--no-defaults", $"--socket={SocketPath}", "-uroot", "--connect-timeout=2", "ping"]);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private Task<string> RootSqlAsync(string sql) =>
        ExternalProgram.RunAsync("mariadb", ["--no-defaults", $"--socket={SocketPath}", "-uroot", "--batch", "-e", sql]);

}
