using System.Globalization;

namespace Ledger.Resilience;

/// <summary>What one scenario showed: when things happened, what callers saw, and the proof.</summary>
internal sealed record ScenarioResult(
    string Name,
    string Title,
    string Fault,
    string RestoredMeans,
    double DurationSeconds,
    double FaultAtSeconds,
    double RestoredAfterSeconds,
    double LastFailureAfterSeconds,
    int FailedPostAttempts,
    int FailedReadAttempts,
    int PostsStarted,
    int PostsAcknowledged,
    int PostsRetried,
    int MaxAttempts,
    double CallerP50Ms,
    double CallerP95Ms,
    double CallerP99Ms,
    double CallerMaxMs,
    IReadOnlyDictionary<string, int> PostAttempts,
    IReadOnlyDictionary<string, int> ReadAttempts,
    int ProxyRetries,
    int ClientSkipped,
    IReadOnlyList<TimelineEvent> Events,
    IReadOnlyList<SecondSample> Seconds,
    ProofResult Proof,
    IReadOnlyList<string> Problems)
{
    public bool Ok => Problems.Count == 0 && Proof.Ok;

    /// <summary>Reduces the scenario's traffic to the figures above. Times are relative to the scenario's start.</summary>
    public static ScenarioResult From(
        Scenario scenario, TimeSpan start, TimeSpan faultAt, TimeSpan restoredAt, TimeSpan end, Traffic traffic,
        IReadOnlyList<TimelineEvent> events, ProofResult proof, int proxyRetries, IReadOnlyList<string> problems)
    {
        var attempts = traffic.Attempts;
        var jobs = traffic.Jobs;
        var acknowledged = jobs.Where(j => j.Acknowledged is not null).ToList();
        var latencies = acknowledged.Select(j => (j.Acknowledged!.Value - j.Started).TotalMilliseconds).Order().ToArray();
        var failures = attempts.Where(a => !a.Ok && a.Finished >= faultAt).ToList();
        var lastFailureAfter = failures.Count == 0 ? 0 : (failures.Max(a => a.Finished) - faultAt).TotalSeconds;

        var seconds = new List<SecondSample>();
        var length = (int)Math.Ceiling((end - start).TotalSeconds);
        for (var s = 0; s < length; s++)
        {
            var from = start + TimeSpan.FromSeconds(s);
            var to = from + TimeSpan.FromSeconds(1);
            bool In(TimeSpan t) => t >= from && t < to;
            var acknowledgedNow = acknowledged.Where(j => In(j.Acknowledged!.Value)).Select(j => (j.Acknowledged!.Value - j.Started).TotalMilliseconds).Order().ToArray();
            seconds.Add(new SecondSample(
                s,
                acknowledgedNow.Length,
                Percentile(acknowledgedNow, 0.95),
                attempts.Count(a => a.Post && !a.Ok && In(a.Finished)),
                attempts.Count(a => !a.Post && a.Ok && In(a.Finished)),
                attempts.Count(a => !a.Post && !a.Ok && In(a.Finished))));
        }

        return new ScenarioResult(
            scenario.Name, scenario.Title, scenario.Fault, scenario.Restored,
            (end - start).TotalSeconds, (faultAt - start).TotalSeconds, (restoredAt - faultAt).TotalSeconds, lastFailureAfter,
            attempts.Count(a => a.Post && !a.Ok), attempts.Count(a => !a.Post && !a.Ok),
            jobs.Count, acknowledged.Count, jobs.Count(j => j.Attempts > 1), jobs.Count == 0 ? 0 : jobs.Max(j => j.Attempts),
            Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99), latencies.LastOrDefault(),
            Count(attempts.Where(a => a.Post)), Count(attempts.Where(a => !a.Post)), proxyRetries, traffic.Skipped,
            [.. events.Select(e => e with { At = e.At - start })], seconds, proof, problems);
    }

    private static SortedDictionary<string, int> Count(IEnumerable<Attempt> attempts) =>
        new(attempts.GroupBy(a => a.Outcome).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {PostsAcknowledged}/{PostsStarted} posts acknowledged, {PostsRetried} retried, {FailedPostAttempts} failed post attempts and {FailedReadAttempts} failed reads (the last {LastFailureAfterSeconds:F2} s after the fault), restored after {RestoredAfterSeconds:F2} s; proof {(Proof.Ok ? "clean" : "FAILED")}");
}

/// <summary>One second of a scenario: acknowledged posts (and the p95 of their callers' wait, retries included),
/// failed post attempts, reads answered and reads failed.</summary>
internal sealed record SecondSample(int Second, int Acknowledged, double AcknowledgedP95Ms, int PostFailures, int ReadsOk, int ReadFailures);
