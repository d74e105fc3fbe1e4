using System.Diagnostics;

namespace Ledger.Testing;

/// <summary>Runs the machine's own programs (mariadb-admin, redis-cli, nginx, kill) and finds them on PATH or in the
/// sbin folders, which a non-login PATH may lack.</summary>
public static class ExternalProgram
{
    /// <summary>Runs <paramref name="program"/> to its end and returns its stdout; a non-zero exit throws
    /// <see cref="InvalidOperationException"/> with its output.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(Which(program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {await error}{await output}");
        }

        return await output;
    }

    /// <summary>The full path of <paramref name="program"/> from PATH or the sbin folders; the bare name when not found.</summary>
    public static string Which(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var folder in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/local/sbin", "/usr/sbin", "/sbin"]))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return program;
    }

    /// <summary>Sends a signal (<c>KILL</c>, <c>TERM</c>, <c>STOP</c>…) to a process with the machine's <c>kill</c>.</summary>
    public static Task SignalAsync(int processId, string signal, CancellationToken cancellationToken = default) =>
        RunAsync("kill", [$"-{signal}", processId.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);
}
