using System.Diagnostics;

namespace Ledger.Testing;

/// <summary>Runs the machine's own programs (mariadb-admin, redis-cli, nginx, chown) and finds them on PATH or in the
/// sbin folders, which a non-login PATH may lack.</summary>
public static class ExternalProgram
{
    /// <summary>Runs <paramref name="program"/> to its end and returns its stdout; a non-zero exit throws
    /// <see cref="InvalidOperationException"/> with its output.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var run = await ExecuteAsync(program, arguments, cancellationToken);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {run.ExitCode}: {run.Error}{run.Output}");
        }

        return run.Output;
    }

    /// <summary>Runs <paramref name="program"/> to its end and returns its exit code, stdout and stderr.</summary>
    public static async Task<ProgramRun> ExecuteAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
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
        return new ProgramRun(process.ExitCode, await output, await error);
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

    /// <summary>Sends a signal (<c>KILL</c>, <c>TERM</c>, <c>HUP</c>, <c>QUIT</c>, <c>STOP</c>, <c>CONT</c>) to a
    /// process with kill(2), so no <c>kill</c> program is needed (a minimal Debian has none).</summary>
    public static Task SignalAsync(int processId, string signal, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var number = signal.ToUpperInvariant() switch
        {
            "HUP" => 1,
            "QUIT" => 3,
            "KILL" => 9,
            "TERM" => 15,
            "CONT" => 18,
            "STOP" => 19,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal this helper knows"),
        };
        if (Native.Kill(processId, number) != 0)
        {
            throw new InvalidOperationException(
                $"kill({processId}, SIG{signal.ToUpperInvariant()}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }

        return Task.CompletedTask;
    }

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}

/// <summary>How a program ended: its exit code, stdout and stderr.</summary>
public sealed record ProgramRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
