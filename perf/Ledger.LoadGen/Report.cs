using System.Globalization;
using System.Text;

namespace Ledger.LoadGen;

/// <summary>The tags of watch-mode runs (--workload) that the report and the charts look for.</summary>
internal static class Workloads
{
    public const string Single = "single";
    public const string Bulk = "bulk";
    public const string Bare = "bare";
}

internal static class Report
{
    public static string Markdown(IReadOnlyList<RunResult> results)
    {
        var text = new StringBuilder();
        var summary = Summary(results);
        if (summary.Length > 0)
        {
            text.AppendLine(summary);
        }

        // The older ratio table (with p50 and the one-per-call DB CPU, which perf/baseline/compare.sh reads) only where
        // the lead table is not about wrk runs, so the benchmark's output has one table of ratios.
        var ratios = results.Any(r => r.Mode == Options.Watch) ? "" : Ratios(results);
        if (ratios.Length > 0)
        {
            text.AppendLine(ratios);
        }

        text.AppendLine("| run | accounts | hot | callers | rate | transfers/s | p50 ms | p95 ms | p99 ms | max ms | refused (by code) | balance read p50/p99 ms | peak MiB | batches: mean size / ms |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            var refused = r.Refused.Count == 0 ? "none" : string.Join(", ", r.Refused.Select(e => $"{e.Key} {e.Value}"));
            var hot = r.HotShare > 0 ? string.Create(CultureInfo.InvariantCulture, $"{r.HotShare:P0} on {r.HotAccounts}") : "uniform";
            var batches = r.Batches.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{r.Batches.MeanSize} / {r.Batches.MeanMilliseconds}");
            var rate = r.Rate > 0 ? r.Rate.ToString(CultureInfo.InvariantCulture) : "closed";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Label} | {r.Accounts} | {hot} | {r.Concurrency} | {rate} | {r.Note ?? r.PostedPerSecond.ToString("0", CultureInfo.InvariantCulture)} | {r.Post.P50} | {r.Post.P95} | {r.Post.P99} | {r.Post.Max} | {refused} | {r.Read.P50} / {r.Read.P99} | {r.PeakWorkingSetMiB} | {batches} |");
        }

        text.AppendLine();
        text.AppendLine("CPU per posted transfer (µs), from /proc/PID/stat (utime + stime) over the measured window, and the machine's busy cores in it (of which outside the processes named):");
        text.AppendLine();
        text.AppendLine($"| run | transfers/s | {CpuWatch.Database} | {CpuWatch.Redis} | {CpuWatch.LoadGenerator} | {CpuWatch.Api} | machine busy cores (others) |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            var machine = r.Cpu?.MachineBusyCores is { } busy
                ? string.Create(CultureInfo.InvariantCulture, $"{busy:0.00} of {r.Cpu.MachineCores} ({(r.Cpu.OtherCores is { } o ? o.ToString("0.00", CultureInfo.InvariantCulture) : "n/a")})")
                : "n/a";
            if (r.Note is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Label} | {r.Note} | | | | | |");
                continue;
            }

            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Label} | {r.PostedPerSecond:0} | {Cpu(r, CpuWatch.Database)} | {Cpu(r, CpuWatch.Redis)} | {Cpu(r, CpuWatch.LoadGenerator)} | {(r.Mode is Options.Http or Options.Watch ? Cpu(r, CpuWatch.Api) : "-")} | {machine} |");
        }

        var missing = results.SelectMany(r => r.Cpu?.Processes.Where(p => p.MicrosecondsPerTransfer is null) ?? []).ToList();
        foreach (var p in missing)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"\n{p.Name}: n/a ({p.How}).");
        }

        foreach (var r in results.Where(r => r.WatchedMiBEachSecond.Length > 0))
        {
            var memory = r.WatchedMiBEachSecond;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"\nMemory (RSS) of process {r.WatchedPid} during \"{r.Label}\": first {memory[0]} MiB, peak {memory.Max()} MiB, last {memory[^1]} MiB ({memory.Length} samples, one per second).");
        }

        return text.ToString();
    }

    /// <summary>The benchmark's lead table (perf/benchmark.sh), one row per run, when the results hold a baseline or a
    /// watch (wrk) run: first the ratios, transfers/s ÷ the one-per-call baseline's, database CPU per transfer ÷ the
    /// plain batch baseline's, p95 ÷ the one-per-call baseline's, and the API's CPU per transfer ÷ the bare endpoint's
    /// per request; then the absolute figures (transfers/s, p50/p95/p99, balance-read p99) and the CPU per transfer of
    /// each process, with the machine's busy cores and how many went to processes not named.</summary>
    internal static string Summary(IReadOnlyList<RunResult> results)
    {
        var single = results.FirstOrDefault(r => r.Mode == Options.BaselineSingle);
        var batch = results.FirstOrDefault(r => r.Mode == Options.BaselineBatch);
        var bare = results.FirstOrDefault(r => r.Workload == Workloads.Bare && r.Note is null);
        if ((single is null && batch is null && results.All(r => r.Mode != Options.Watch)) || results.Count < 2)
        {
            return "";
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Ratios to yardsticks measured in the same run (one per call = \"{single?.Label ?? "not run"}\"; plain batch = \"{batch?.Label ?? "not run"}\"; bare endpoint = \"{bare?.Label ?? "not run"}\"), then absolute figures and CPU µs per transfer (per request for the bare endpoint) from /proc over the measured window:");
        text.AppendLine();
        text.AppendLine($"| run | transfers/s ÷ one per call | DB CPU/transfer ÷ plain batch | p95 ÷ one per call | API CPU ÷ bare | transfers/s | p50 / p95 / p99 ms | read p99 ms | {CpuWatch.Database} | {CpuWatch.Redis} | {CpuWatch.Api} | load client | machine busy (others) |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            if (r.Note is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Label} | {r.Note} | | | | | | | | | | | |");
                continue;
            }

            var api = r.Cpu?.Of(CpuWatch.Api)?.MicrosecondsPerTransfer;
            var read = r.Read.Count > 0 ? r.Read.P99.ToString(CultureInfo.InvariantCulture) : "-";
            var machine = r.Cpu?.MachineBusyCores is { } busy
                ? string.Create(CultureInfo.InvariantCulture, $"{busy:0.00} ({(r.Cpu.OtherCores is { } o ? o.ToString("0.00", CultureInfo.InvariantCulture) : "n/a")})")
                : "n/a";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Label} | {Ratio(r.PostedPerSecond, single?.PostedPerSecond)} | {(r.Workload == Workloads.Bare ? "-" : Ratio(DatabaseCpu(r), DatabaseCpu(batch)))} | {Ratio(r.Post.P95, single?.Post.P95)} | {Ratio(api, bare?.Cpu?.Of(CpuWatch.Api)?.MicrosecondsPerTransfer)} | {r.PostedPerSecond:0} | {r.Post.P50} / {r.Post.P95} / {r.Post.P99} | {read} | {Cpu(r, CpuWatch.Database)} | {Cpu(r, CpuWatch.Redis)} | {(r.Cpu?.Of(CpuWatch.Api) is null ? "-" : Cpu(r, CpuWatch.Api))} | {Cpu(r, CpuWatch.LoadGenerator)} | {machine} |");
        }

        return text.ToString();
    }

    /// <summary>The table of ratios of each run to the baseline runs among the results (the first baseline-single and
    /// the first baseline-batch run), or nothing when there is no baseline run or no other run: database CPU per
    /// transfer, throughput and p50, each Ledger ÷ baseline.</summary>
    internal static string Ratios(IReadOnlyList<RunResult> results)
    {
        var single = results.FirstOrDefault(r => r.Mode == Options.BaselineSingle);
        var batch = results.FirstOrDefault(r => r.Mode == Options.BaselineBatch);
        var others = results.Where(r => r.Mode is not (Options.BaselineSingle or Options.BaselineBatch) && r.Note is null).ToList();
        if ((single is null && batch is null) || others.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder();
        var singleName = single is null ? "one per call: not run" : $"one per call = \"{single.Label}\"";
        var batchName = batch is null ? "batch: not run" : $"batch = \"{batch.Label}\"";
        text.AppendLine(CultureInfo.InvariantCulture, $"Ratios to the baseline procedures measured in the same run (run ÷ baseline; {singleName}; {batchName}):");
        text.AppendLine();
        text.AppendLine("| run | DB CPU/transfer ÷ one per call | DB CPU/transfer ÷ batch | transfers/s ÷ one per call | transfers/s ÷ batch | p50 ÷ one per call | DB CPU µs/transfer | transfers/s | p50 / p95 / p99 ms |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in others)
        {
            var cpu = DatabaseCpu(r);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Label} | {Ratio(cpu, DatabaseCpu(single))} | {Ratio(cpu, DatabaseCpu(batch))} | {Ratio(r.PostedPerSecond, single?.PostedPerSecond)} | {Ratio(r.PostedPerSecond, batch?.PostedPerSecond)} | {Ratio(r.Post.P50, single?.Post.P50)} | {Micro(cpu)} | {r.PostedPerSecond:0} | {r.Post.P50} / {r.Post.P95} / {r.Post.P99} |");
        }

        return text.ToString();
    }

    /// <summary>A ratio with two decimals; "n/a" when either side is missing or the divisor is not positive.</summary>
    internal static string Ratio(double? value, double? of) =>
        value is { } v && of is { } o && o > 0 ? (v / o).ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    private static double? DatabaseCpu(RunResult? r) => r?.Cpu?.Of(CpuWatch.Database)?.MicrosecondsPerTransfer;

    private static string Cpu(RunResult r, string name) => Micro(r.Cpu?.Of(name)?.MicrosecondsPerTransfer);

    private static string Micro(double? value) => value switch
    {
        null => "n/a",
        >= 100 => value.Value.ToString("0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
    };
}
