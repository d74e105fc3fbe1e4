using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>
/// Finds the Redis Cluster the cluster tests run against: <c>LEDGER_TEST_REDIS_CLUSTER</c> when set (scripts/test.sh
/// sets it), otherwise the one <c>bash scripts/redis-cluster-up.sh --print-env</c> starts (or finds already up). When
/// neither works the tests fail, naming the command; they never skip.
/// </summary>
public static class RedisClusterServer
{
    public const string Variable = "LEDGER_TEST_REDIS_CLUSTER";
    public const string Command = "bash scripts/redis-cluster-up.sh --print-env";

    private const string ExportPrefix = "export " + Variable + "=";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);
    private static readonly Lazy<Task<string>> Shared = new(FindAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The cluster's connection string, the nodes comma-separated: <c>127.0.0.1:7101,127.0.0.1:7102,...</c>.</summary>
    public static Task<string> GetAsync() => Shared.Value;

    private static async Task<string> FindAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        var root = FindRepositoryRoot();
        var start = new ProcessStartInfo("bash", ["scripts/redis-cluster-up.sh", "--print-env"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        string stdout;
        string stderr;
        int exitCode;
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
            var stdoutTask = process.StandardOutput.ReadToEndAsync();
            var stderrTask = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(ScriptTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException(
                    $"`{Command}` (in {root}) did not finish within {ScriptTimeout.TotalSeconds:0} s; no Redis Cluster for the tests.");
            }

            stdout = await stdoutTask;
            stderr = await stderrTask;
            exitCode = process.ExitCode;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            throw new InvalidOperationException($"Could not run `{Command}` (in {root}) to start the Redis Cluster: {ex.Message}", ex);
        }

        var line = stdout.Split('\n', StringSplitOptions.TrimEntries)
            .FirstOrDefault(l => l.StartsWith(ExportPrefix, StringComparison.Ordinal));
        var value = line?[ExportPrefix.Length..].Trim('\'', '"');
        if (exitCode != 0 || string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"No Redis Cluster: `{Command}` (in {root}) exited with {exitCode} ")
                .Append(CultureInfo.InvariantCulture, $"and printed no `{ExportPrefix}...` line. Run it by hand, or set {Variable}.")
                .AppendLine().Append("stderr (last lines):").AppendLine()
                .Append(Tail(stderr, 30))
                .ToString());
        }

        return value;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No Ledger.sln above {AppContext.BaseDirectory}: cannot find scripts/redis-cluster-up.sh. Run `{Command}` from the " +
            $"repository root and set {Variable} from its output.");
    }

    private static string Tail(string text, int lines)
    {
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
