using System.Globalization;
using System.Text;

namespace Ledger.LoadGen;

internal static class Report
{
    public static string Markdown(IReadOnlyList<RunResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| run | accounts | hot | callers | rate | transfers/s | p50 ms | p95 ms | p99 ms | max ms | refused (by code) | balance read p50/p99 ms | peak MiB | batches: mean size / ms |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            var refused = r.Refused.Count == 0 ? "none" : string.Join(", ", r.Refused.Select(e => $"{e.Key} {e.Value}"));
            var hot = r.HotShare > 0 ? string.Create(CultureInfo.InvariantCulture, $"{r.HotShare:P0} on {r.HotAccounts}") : "uniform";
            var batches = r.Batches.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{r.Batches.MeanSize} / {r.Batches.MeanMilliseconds}");
            var rate = r.Rate > 0 ? r.Rate.ToString(CultureInfo.InvariantCulture) : "closed";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Label} | {r.Accounts} | {hot} | {r.Concurrency} | {rate} | {r.PostedPerSecond:0} | {r.Post.P50} | {r.Post.P95} | {r.Post.P99} | {r.Post.Max} | {refused} | {r.Read.P50} / {r.Read.P99} | {r.PeakWorkingSetMiB} | {batches} |");
        }

        foreach (var r in results.Where(r => r.WatchedMiBEachSecond.Length > 0))
        {
            var memory = r.WatchedMiBEachSecond;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"\nMemory (RSS) of process {r.WatchedPid} during \"{r.Label}\": first {memory[0]} MiB, peak {memory.Max()} MiB, last {memory[^1]} MiB ({memory.Length} samples, one per second).");
        }

        return text.ToString();
    }
}
