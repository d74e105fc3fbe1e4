using System.Diagnostics;
using System.Globalization;

namespace Ledger.LoadGen;

/// <summary>Reading CPU time from Linux's /proc: the pure parsing and arithmetic (unit-tested), and finding the
/// processes to watch. Only Linux; elsewhere every figure is "n/a".</summary>
internal static class ProcFs
{
    /// <summary>Ticks of CPU time (user + system) and the start time of a process, from the text of
    /// <c>/proc/PID/stat</c>; null when the text is not a stat line. The second field (the command name) is in
    /// parentheses and may itself hold spaces and parentheses, so the fields are counted from the last ')'.</summary>
    public static ProcStat? ParseStat(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        // After ") " come field 3 (state) onwards: utime is field 14, stime 15, starttime 22 (man 5 proc).
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int First = 3;
        if (fields.Length < 22 - First + 1
            || !long.TryParse(fields[14 - First], NumberStyles.None, CultureInfo.InvariantCulture, out var utime)
            || !long.TryParse(fields[15 - First], NumberStyles.None, CultureInfo.InvariantCulture, out var stime)
            || !long.TryParse(fields[22 - First], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return new ProcStat(utime + stime, start);
    }

    /// <summary>Busy and total ticks of all CPUs from the first line of <c>/proc/stat</c> ("cpu  user nice system
    /// idle iowait irq softirq steal ..."); busy is everything but idle and iowait. Null when it is not that line.</summary>
    public static (long Busy, long Total)? ParseMachineStat(string text)
    {
        var line = text.AsSpan();
        var end = line.IndexOf('\n');
        if (end >= 0)
        {
            line = line[..end];
        }

        var fields = line.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[0] != "cpu")
        {
            return null;
        }

        long total = 0, idle = 0;
        // guest and guest_nice (fields 9 and 10 after "cpu") are already counted in user and nice.
        for (var i = 1; i < Math.Min(fields.Length, 9); i++)
        {
            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            total += value;
            if (i is 4 or 5)
            {
                idle += value;
            }
        }

        return (total - idle, total);
    }

    /// <summary>The inodes of the sockets listening on <paramref name="port"/> in the text of <c>/proc/net/tcp</c> or
    /// <c>/proc/net/tcp6</c> (state 0A is LISTEN; the local address ends in the port in hexadecimal).</summary>
    public static IReadOnlyList<long> ListeningInodes(string procNetTcp, int port)
    {
        var inodes = new List<long>();
        foreach (var line in procNetTcp.Split('\n').Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || fields[3] != "0A")
            {
                continue;
            }

            var colon = fields[1].LastIndexOf(':');
            if (colon >= 0
                && int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var local)
                && local == port
                && long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                && inode > 0)
            {
                inodes.Add(inode);
            }
        }

        return inodes;
    }

    /// <summary>The inode of a <c>/proc/PID/fd/N</c> link target such as <c>socket:[12345]</c>; null for other files.</summary>
    public static long? SocketInode(string linkTarget) =>
        linkTarget.StartsWith("socket:[", StringComparison.Ordinal) && linkTarget.EndsWith(']')
        && long.TryParse(linkTarget.AsSpan(8, linkTarget.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
            ? inode
            : null;

    /// <summary>Microseconds of CPU per posted transfer over a window; null (reported as "n/a") when nothing was
    /// posted or the counter went backwards (another process took the pid).</summary>
    public static double? MicrosecondsPerTransfer(long ticksBefore, long ticksAfter, long ticksPerSecond, long transfers) =>
        transfers <= 0 || ticksAfter < ticksBefore || ticksPerSecond <= 0
            ? null
            : (ticksAfter - ticksBefore) * 1_000_000.0 / ticksPerSecond / transfers;

    /// <summary>Cores kept busy on average over a window of <paramref name="seconds"/>.</summary>
    public static double? Cores(long ticksBefore, long ticksAfter, long ticksPerSecond, double seconds) =>
        seconds <= 0 || ticksAfter < ticksBefore || ticksPerSecond <= 0
            ? null
            : (ticksAfter - ticksBefore) / (double)ticksPerSecond / seconds;

    /// <summary>Clock ticks per second (<c>getconf CLK_TCK</c>; 100, Linux's value, when getconf is missing).</summary>
    public static long ClockTicksPerSecond()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is not null)
            {
                var output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode == 0 && long.TryParse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks > 0)
                {
                    return ticks;
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No getconf: fall through to Linux's USER_HZ.
        }

        return 100;
    }

    /// <summary>The current reading of <c>/proc/PID/stat</c>; null when the process is gone or unreadable.</summary>
    public static ProcStat? Read(int pid)
    {
        try
        {
            return ParseStat(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The current reading of <c>/proc/stat</c>'s cpu line; null off Linux.</summary>
    public static (long Busy, long Total)? ReadMachine()
    {
        try
        {
            return ParseMachineStat(File.ReadAllText("/proc/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Live processes whose <c>/proc/PID/comm</c> is <paramref name="comm"/> (the kernel keeps the first 15
    /// bytes of the name).</summary>
    public static IReadOnlyList<int> ByComm(string comm)
    {
        var name = comm.Length > 15 ? comm[..15] : comm;
        var pids = new List<int>();
        foreach (var pid in AllPids())
        {
            try
            {
                if (File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").TrimEnd('\n') == name)
                {
                    pids.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return pids;
    }

    /// <summary>The one process that listens on TCP <paramref name="port"/> on this machine, among
    /// <paramref name="candidates"/> (or among all processes when null): the socket inodes of /proc/net/tcp and tcp6
    /// matched against each candidate's open files. Null when none (or more than one process) is found, or when the
    /// open files cannot be read (not root and not the owner).</summary>
    public static int? ListeningOn(int port, IReadOnlyList<int>? candidates)
    {
        var inodes = new HashSet<long>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            try
            {
                inodes.UnionWith(ListeningInodes(File.ReadAllText(table), port));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // No IPv6, or no /proc.
            }
        }

        if (inodes.Count == 0)
        {
            return null;
        }

        var found = new HashSet<int>();
        foreach (var pid in candidates ?? AllPids())
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd"))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && SocketInode(target) is { } inode && inodes.Contains(inode))
                    {
                        found.Add(pid);
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        // Threads share the descriptor table but are not listed in /proc; a forked child that kept the socket would
        // make two: then the answer is not known.
        return found.Count == 1 ? found.First() : null;
    }

    private static IEnumerable<int> AllPids()
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories("/proc");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var entry in entries)
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }
}

/// <summary>One reading of <c>/proc/PID/stat</c>: user + system CPU time and the start time, in clock ticks. The start
/// time tells a process from a later one that was given the same pid.</summary>
internal readonly record struct ProcStat(long CpuTicks, long StartTime);
