using System.Globalization;
using MySqlConnector;

namespace Ledger.LoadGen;

/// <summary>CPU time of the processes that take part in a run, read from /proc at the start and at the end of the
/// measured window (after the warm-up): the MariaDB server of the connection string, the Redis server(s), this load
/// generator and, over HTTP, the API. Each is found by its name in /proc/PID/comm and the TCP port it listens on, so a
/// second mariadbd on the machine (a test's own) is never taken for the one under load; a process that is not found,
/// or that restarted during the window, is reported as "n/a", never as a guess.</summary>
internal sealed class CpuWatch
{
    public const string Database = "mariadbd";
    public const string Redis = "redis-server";
    public const string LoadGenerator = "load generator";
    public const string Api = "API";

    private readonly List<Watched> _watched;
    private readonly long _ticksPerSecond;
    private (long Busy, long Total)? _machineBefore;

    private CpuWatch(List<Watched> watched, long ticksPerSecond)
    {
        _watched = watched;
        _ticksPerSecond = ticksPerSecond;
    }

    /// <summary>Finds the processes of a run. <paramref name="mysql"/> and <paramref name="redis"/> are connection
    /// strings (null when unknown); <paramref name="apiUrl"/> is set in HTTP mode, with <paramref name="apiPid"/> when
    /// the caller knows the API's pid (--watch-pid); <paramref name="clientPid"/>, when above 0, is the load client
    /// (wrk in watch mode) instead of this process.</summary>
    public static CpuWatch Find(string? mysql, string? redis, string? apiUrl, int apiPid, int clientPid = 0)
    {
        var watched = new List<Watched>
        {
            FindServer(Database, ["mariadbd", "mysqld"], MySqlEndpoints(mysql)),
            FindServer(Redis, ["redis-server"], RedisEndpoints(redis)),
            clientPid <= 0 ? new(LoadGenerator, [Environment.ProcessId], "this process")
                : ProcFs.Read(clientPid) is null ? new(LoadGenerator, [], $"--client-pid {clientPid} is not a live process")
                : new(LoadGenerator, [clientPid], "--client-pid"),
        };
        if (apiUrl is not null)
        {
            watched.Add(FindApi(apiUrl, apiPid));
        }

        return new CpuWatch(watched, ProcFs.ClockTicksPerSecond());
    }

    /// <summary>A one-line description of what is watched, for the log.</summary>
    public string Describe => string.Join("; ", _watched.Select(w =>
        w.Pids.Count == 0 ? $"{w.Name}: n/a ({w.How})" : $"{w.Name}: pid {string.Join('+', w.Pids)} ({w.How})"));

    /// <summary>Reads every process at the start of the measured window.</summary>
    public void Start()
    {
        foreach (var w in _watched)
        {
            w.Before = w.Pids.Select(ProcFs.Read).ToList();
        }

        _machineBefore = ProcFs.ReadMachine();
    }

    /// <summary>Reads every process again at the end of the window and divides by the transfers posted in it.</summary>
    public CpuReport Stop(long posted, double seconds) => Stop(Snapshot(), posted, seconds);

    /// <summary>Reads every process at the end of the window, for <see cref="Stop(CpuSnapshot, long, double)"/> once
    /// the transfers posted in it are known (watch mode: when the load client has written its count).</summary>
    public CpuSnapshot Snapshot() => new([.. _watched.Select(w => w.Pids.Select(ProcFs.Read).ToList())], ProcFs.ReadMachine());

    /// <summary>The window from <see cref="Start"/> to <paramref name="end"/>, divided by the transfers posted in it.</summary>
    public CpuReport Stop(CpuSnapshot end, long posted, double seconds)
    {
        var machineAfter = end.Machine;
        var processes = new List<ProcessCpu>();
        double ours = 0;
        var allFound = true;
        for (var index = 0; index < _watched.Count; index++)
        {
            var w = _watched[index];
            var after = end.Processes[index];
            long? ticks = w.Pids.Count == 0 ? null : 0;
            for (var i = 0; i < w.Pids.Count && ticks is not null; i++)
            {
                // Gone, or another process under the same pid (a restart): no figure rather than a wrong one.
                ticks = i < w.Before.Count && w.Before[i] is { } b && after[i] is { } a && a.StartTime == b.StartTime && a.CpuTicks >= b.CpuTicks
                    ? ticks + (a.CpuTicks - b.CpuTicks)
                    : null;
            }

            var pids = string.Join('+', w.Pids);
            if (ticks is { } t)
            {
                var cores = ProcFs.Cores(0, t, _ticksPerSecond, seconds);
                ours += cores ?? 0;
                processes.Add(new ProcessCpu(w.Name, pids, w.How, Math.Round(t / (double)_ticksPerSecond, 2),
                    Round(ProcFs.MicrosecondsPerTransfer(0, t, _ticksPerSecond, posted), 1), Round(cores, 2)));
            }
            else
            {
                allFound = false;
                processes.Add(new ProcessCpu(w.Name, pids, w.Pids.Count == 0 ? w.How : $"{w.How}; gone or restarted during the window", null, null, null));
            }
        }

        double? machine = _machineBefore is { } mb && machineAfter is { } ma
            ? ProcFs.Cores(mb.Busy, ma.Busy, _ticksPerSecond, seconds)
            : null;
        return new CpuReport(_ticksPerSecond, Math.Round(seconds, 1), processes, Environment.ProcessorCount, Round(machine, 2),
            machine is { } m && allFound ? Math.Round(Math.Max(0, m - ours), 2) : null);
    }

    private static double? Round(double? value, int digits) => value is { } v ? Math.Round(v, digits) : null;

    private static Watched FindServer(string name, string[] comms, IReadOnlyList<(string Host, int Port)> endpoints)
    {
        if (endpoints.Count == 0)
        {
            return new Watched(name, [], "no connection string");
        }

        var candidates = comms.SelectMany(ProcFs.ByComm).ToList();
        var pids = new List<int>();
        foreach (var (host, port) in endpoints)
        {
            if (!IsLocal(host))
            {
                return new Watched(name, [], $"{host} is not this machine");
            }

            if (candidates.Count == 0)
            {
                return new Watched(name, [], $"no {string.Join(" or ", comms)} process");
            }

            if (ProcFs.ListeningOn(port, candidates) is not { } pid)
            {
                return new Watched(name, [], $"no {comms[0]} found listening on port {port}");
            }

            pids.Add(pid);
        }

        return new Watched(name, [.. pids.Distinct()], "port " + string.Join(", ", endpoints.Select(e => e.Port)));
    }

    private static Watched FindApi(string url, int pid)
    {
        if (pid > 0)
        {
            return ProcFs.Read(pid) is null
                ? new Watched(Api, [], $"--watch-pid {pid} is not a live process")
                : new Watched(Api, [pid], "--watch-pid");
        }

        var uri = new Uri(url);
        if (!IsLocal(uri.Host))
        {
            return new Watched(Api, [], $"{uri.Host} is not this machine");
        }

        return ProcFs.ListeningOn(uri.Port, null) is { } found
            ? new Watched(Api, [found], $"listening on port {uri.Port}")
            : new Watched(Api, [], $"nothing found listening on port {uri.Port}");
    }

    internal static bool IsLocal(string host) =>
        host is "localhost" or "::1" or "[::1]" || host.StartsWith("127.", StringComparison.Ordinal);

    /// <summary>Host and port of a MySqlConnector connection string (3306 by default).</summary>
    internal static IReadOnlyList<(string Host, int Port)> MySqlEndpoints(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return [];
        }

        var builder = new MySqlConnectionStringBuilder(connectionString);
        return builder.Server.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(host => (host, (int)builder.Port))
            .ToList();
    }

    /// <summary>The endpoints of a StackExchange.Redis configuration string: the comma-separated parts that are not
    /// options (name=value), port 6379 when none is given.</summary>
    internal static IReadOnlyList<(string Host, int Port)> RedisEndpoints(string? configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration))
        {
            return [];
        }

        var endpoints = new List<(string, int)>();
        foreach (var part in configuration.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Contains('=', StringComparison.Ordinal))
            {
                continue;
            }

            var colon = part.LastIndexOf(':');
            var bracketed = part.StartsWith('[') && part.EndsWith(']');
            endpoints.Add(colon > 0 && !bracketed && int.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                ? (part[..colon], port)
                : (part, 6379));
        }

        return endpoints;
    }

    private sealed record Watched(string Name, IReadOnlyList<int> Pids, string How)
    {
        public List<ProcStat?> Before { get; set; } = [];
    }
}

/// <summary>A reading of the watched processes (in the order watched) and of the machine at one moment.</summary>
internal sealed record CpuSnapshot(IReadOnlyList<List<ProcStat?>> Processes, (long Busy, long Total)? Machine);

/// <summary>CPU of one process (or, for a Redis Cluster, the sum of its servers) over the measured window; the figures
/// are null ("n/a") when it was not found or restarted.</summary>
internal sealed record ProcessCpu(string Name, string Pids, string How, double? CpuSeconds, double? MicrosecondsPerTransfer, double? Cores);

/// <summary>The CPU of a run's processes over its measured window, and of the whole machine: how busy it was, and how
/// much of that went to processes other than those watched (other test suites on a shared machine, for example).</summary>
internal sealed record CpuReport(
    long TicksPerSecond,
    double Seconds,
    IReadOnlyList<ProcessCpu> Processes,
    int MachineCores,
    double? MachineBusyCores,
    double? OtherCores)
{
    public ProcessCpu? Of(string name) => Processes.FirstOrDefault(p => p.Name == name);
}
