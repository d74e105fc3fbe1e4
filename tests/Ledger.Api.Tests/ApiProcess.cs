using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MySqlConnector;

namespace Ledger.Api.Tests;

/// <summary>
/// The real host as its own process: <c>dotnet Ledger.Api.dll</c> from the build output, listening on a free
/// loopback port (or two: the API's and the management port), against a database of its own (<c>ledger_proc_&lt;purpose&gt;_&lt;pid&gt;</c>, created by the host's
/// migrations at start-up and dropped on dispose) and the test Redis, with the tester-poster key. For what only a
/// real process shows: Kestrel's limits, signals, the exit code.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ApiProcess(Process process, Uri baseAddress, Uri managementAddress, string connectionString)
    {
        _process = process;
        BaseAddress = baseAddress;
        ManagementAddress = managementAddress;
        ConnectionString = connectionString;
    }

    /// <summary>Where the API answers.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Where health and metrics answer: the management port when the host was started with one
    /// (<see cref="StartWithManagementPortAsync"/>), else <see cref="BaseAddress"/>.</summary>
    public Uri ManagementAddress { get; }

    /// <summary>The host's own database.</summary>
    public string ConnectionString { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>What the process wrote to stdout and stderr so far, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the host on one port and waits until <c>/health/ready</c> answers 200.</summary>
    public static async Task<ApiProcess> StartAsync(string purpose, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = LocalPorts.Free();
        return await StartAndWaitAsync(await LaunchAsync(purpose, settings, port, port));
    }

    /// <summary>Starts the host listening on two ports, the second its management port (<c>Api:ManagementPort</c>),
    /// as the image does, and waits until <c>/health/ready</c> answers 200 there.</summary>
    public static async Task<ApiProcess> StartWithManagementPortAsync(string purpose, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = LocalPorts.Free();
        var managementPort = LocalPorts.Free();
        while (managementPort == port)
        {
            managementPort = LocalPorts.Free();
        }

        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port};http://127.0.0.1:{managementPort}"),
            ["Api:ManagementPort"] = managementPort.ToString(CultureInfo.InvariantCulture),
        };
        return await StartAndWaitAsync(await LaunchAsync(purpose, all, port, managementPort));
    }

    /// <summary>Starts the host on a free port (unless <paramref name="settings"/> say otherwise, e.g. with
    /// <c>ASPNETCORE_URLS</c>) without waiting for it to be ready: for a host that is expected to stop by itself.</summary>
    public static Task<ApiProcess> LaunchAsync(string purpose, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = LocalPorts.Free();
        return LaunchAsync(purpose, settings, port, port);
    }

    private static async Task<ApiProcess> StartAndWaitAsync(ApiProcess host)
    {
        try
        {
            await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    private static async Task<ApiProcess> LaunchAsync(string purpose, IReadOnlyDictionary<string, string>? settings, int port, int managementPort)
    {
        var servers = await TestServers.GetAsync();
        var database = string.Create(CultureInfo.InvariantCulture, $"ledger_proc_{purpose}_{Environment.ProcessId}");
        var connectionString = new MySqlConnectionStringBuilder(servers.MySql) { Database = database }.ConnectionString;
        await DropDatabaseAsync(connectionString);

        var dll = FindHostAssembly();
        var baseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        var managementAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{managementPort}"));
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        // As in production: the application's user, migrating at start-up as the schema's owner.
        var (app, migrator) = TestServers.AsLedgerUsers(connectionString);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/'),
            ["ConnectionStrings__Ledger"] = app,
            ["ConnectionStrings__LedgerMigrator"] = migrator,
            ["ConnectionStrings__Redis"] = servers.Redis,
            ["Ledger__MigrateOnStartup"] = "true",
            ["Ledger__Cache__KeyPrefix"] = $"test:proc:{Guid.NewGuid():N}:",
            ["Logging__Console__FormatterName"] = "simple",
        };
        var common = new Dictionary<string, string?>(StringComparer.Ordinal);
        ApiFactory.AddTestSettings(common);
        foreach (var (key, value) in common)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>(StringComparer.Ordinal))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var host = new ApiProcess(process, baseAddress, managementAddress, connectionString);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>A client of this host that sends tester-poster's key.</summary>
    public HttpClient CreateClient(TimeSpan? timeout = null, string key = ApiFactory.PosterKey)
    {
        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = BaseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Add(ApiFactory.ApiKeyHeader, key);
        return client;
    }

    /// <summary>Sends SIGTERM, as Kubernetes does when it stops a pod.</summary>
    public Task SendSigTermAsync() => ExternalProgram.SignalAsync(Id, "TERM");

    /// <summary>True when the process exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or gone already.
        }

        _process.Dispose();
        await DropDatabaseAsync(ConnectionString);
    }

    /// <summary>True for the failure of a request the host never took: nothing listens on the port any more.</summary>
    public static bool IsConnectionRefused(Exception exception) =>
        exception is HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } }
            || exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = ManagementAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            Assert.False(_process.HasExited, $"The host exited with {(_process.HasExited ? _process.ExitCode : 0)} before it was ready:\n{Output}");
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while starting.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The host was not ready within {timeout}:\n{Output}");
    }

    /// <summary>Ledger.Api.dll of the same configuration as the tests: under Ledger.Api/bin, or else next to the tests
    /// (a referenced web project is copied there, with its runtimeconfig).</summary>
    internal static string FindHostAssembly()
    {
        var testDirectory = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(testDirectory);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testDirectory)!);
        for (var directory = new DirectoryInfo(testDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ledger.sln")))
            {
                var built = Path.Combine(directory.FullName, "Ledger.Api", "bin", configuration, framework, "Ledger.Api.dll");
                if (File.Exists(built))
                {
                    return built;
                }

                break;
            }
        }

        var beside = Path.Combine(testDirectory, "Ledger.Api.dll");
        Assert.True(
            File.Exists(beside) && File.Exists(Path.Combine(testDirectory, "Ledger.Api.runtimeconfig.json")),
            $"Ledger.Api.dll ({configuration}/{framework}) was found neither under Ledger.Api/bin nor next to the tests; build the solution first.");
        return beside;
    }

    internal static async Task DropDatabaseAsync(string connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return;
        }

        var builder = new MySqlConnectionStringBuilder(connectionString);
        var name = builder.Database;
        builder.Database = string.Empty;
        builder.Pooling = false;
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{name}`", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
