using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Ledger.LoadGen;

/// <summary>Watch mode: another client (wrk) posts; this process only reads the CPU of the processes over the window
/// and then takes the transfers and latency from the client's "wrk-result {...}" line (perf/wrk/report.lua), so a wrk
/// run has the same JSON shape, tables and CPU columns as the library, HTTP and baseline runs.</summary>
internal static class WatchRun
{
    /// <summary>The prefix of the machine-readable line.</summary>
    public const string Marker = "wrk-result ";

    /// <summary>What a run whose endpoint answered only 404 or 405 is reported as (the bulk endpoint may not be there
    /// yet): not a failure, no figures.</summary>
    public const string EndpointMissing = "n/a (endpoint missing)";

    public static async Task<RunResult> ExecuteAsync(Options options, CpuWatch cpu)
    {
        Console.Error.WriteLine($"loadgen: watching for {options.Duration.TotalSeconds:0} s while the client loads {options.Url}");
        cpu.Start();
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(options.Duration);
        var window = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var stopTicks = cpu.Snapshot();
        if (options.ClientPid > 0 && ProcFs.Read(options.ClientPid) is null)
        {
            Console.Error.WriteLine($"loadgen: warning: the client (pid {options.ClientPid}) ended before the window did; its figures do not cover the window");
        }

        var path = options.WrkOutput!;
        WrkResult? wrk = null;
        for (var waited = 0; wrk is null && waited < 600; waited++)
        {
            wrk = File.Exists(path) ? Parse(await File.ReadAllTextAsync(path)) : null;
            if (wrk is null)
            {
                await Task.Delay(100);
            }
        }

        if (wrk is null)
        {
            throw new InvalidOperationException($"No \"{Marker.Trim()}\" line in {path} a minute after the window: did wrk run?");
        }

        // The client counted over its own run; the CPU was read over this window (the same length, started together),
        // so the transfers in the window are its rate times the window.
        var perSecond = wrk.Seconds > 0 ? wrk.Transfers / wrk.Seconds : 0;
        var cpuReport = cpu.Stop(stopTicks, (long)Math.Round(perSecond * window), window);
        var missing = wrk.Transfers == 0 && wrk.Statuses.Count > 0 && wrk.Statuses.Keys.All(s => s is 404 or 405);
        var refused = wrk.Statuses.Where(s => s.Key is not (200 or 201)).ToDictionary(s => $"http_{s.Key.ToString(CultureInfo.InvariantCulture)}", s => s.Value);
        foreach (var (kind, count) in wrk.Errors.Where(e => e.Key != "status" && e.Value > 0))
        {
            refused[$"socket_{kind}"] = count;
        }

        return new RunResult(
            Label: string.IsNullOrEmpty(options.Label) ? $"wrk, {options.Concurrency} connections" : options.Label,
            Target: $"wrk against {options.Url}",
            Mode: Options.Watch,
            TransfersPerCall: wrk.Requests > 0 ? (int)Math.Max(1, Math.Round(wrk.Transfers / (double)wrk.Requests)) : 1,
            Accounts: options.Accounts,
            HotShare: 0,
            HotAccounts: options.HotAccounts,
            Concurrency: options.Concurrency,
            Rate: 0,
            Seconds: Math.Round(wrk.Seconds, 1),
            Posted: wrk.Transfers,
            PostedPerSecond: Math.Round(perSecond),
            Refused: refused,
            Post: new Percentiles(wrk.Requests, Math.Round(wrk.P50, 2), Math.Round(wrk.P95, 2), Math.Round(wrk.P99, 2), Math.Round(wrk.Max, 2)),
            Read: new Percentiles(0, 0, 0, 0, 0),
            PeakWorkingSetMiB: 0,
            Batches: new Batches(0, 0, 0),
            WatchedPid: options.WatchPid,
            WatchedMiBEachSecond: [],
            PostedEachSecond: [],
            Cpu: missing ? null : cpuReport,
            Workload: options.Workload,
            Note: missing ? EndpointMissing : null);
    }

    /// <summary>The last wrk-result line of a wrk output; null when there is none (yet).</summary>
    internal static WrkResult? Parse(string output)
    {
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(line[Marker.Length..]);
        var root = json.RootElement;
        var latency = root.GetProperty("latencyMs");
        return new WrkResult(
            root.GetProperty("seconds").GetDouble(),
            root.GetProperty("requests").GetInt64(),
            root.GetProperty("transfers").GetInt64(),
            root.GetProperty("statuses").EnumerateObject().ToDictionary(p => int.Parse(p.Name, CultureInfo.InvariantCulture), p => p.Value.GetInt64()),
            root.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal),
            latency.GetProperty("p50").GetDouble(),
            latency.GetProperty("p95").GetDouble(),
            latency.GetProperty("p99").GetDouble(),
            latency.GetProperty("max").GetDouble());
    }
}

/// <summary>wrk's figures for its whole run: seconds, requests, transfers posted, requests by status, socket errors
/// by kind, and request latency in milliseconds.</summary>
internal sealed record WrkResult(
    double Seconds,
    long Requests,
    long Transfers,
    Dictionary<int, long> Statuses,
    Dictionary<string, long> Errors,
    double P50,
    double P95,
    double P99,
    double Max);
