
namespace Ledger.Resilience;

/// <summary>Runs each scenario under a fresh stream of traffic: lead-in, fault, restore, lead-out, stop, prove.</summary>
internal static class Runner
{
    public static async Task<ScenarioResult> RunAsync(
        Rig rig, Form form, Scenario scenario, string[] accounts, List<TransferJob> allJobs, CancellationToken cancellationToken)
    {
        var timeline = rig.Timeline;
        var start = timeline.Add($"--- scenario {scenario.Name}: {scenario.Title} ---").At;
        var problems = new List<string>();
        var accessLogStart = AccessLogLength(rig.Proxy.AccessLog);
        TimeSpan faultAt;
        TimeSpan restoredAt;
        await using (var traffic = new Traffic(rig.Proxy.BaseAddress, Rig.PosterKey, accounts, form.PostsPerSecond, form.ReadsPerSecond, timeline))
        {
            traffic.Start();
            await Task.Delay(form.LeadIn, cancellationToken);
            faultAt = timeline.Now;
            try
            {
                await scenario.InjectAsync(rig, form, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                problems.Add($"the fault or the recovery went wrong: {ex.Message}");
            }

            restoredAt = timeline.Now;
            await Task.Delay(form.LeadOut, cancellationToken);
            timeline.Add("stopping the stream; waiting for every open transfer's final answer");
            await traffic.StopAsync();
            var end = timeline.Now;
            allJobs.AddRange(traffic.Jobs);

            // nginx writes its log in 64 KiB buffers flushed every second.
            await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
            var proxyRetries = CountProxyRetries(rig.Proxy.AccessLog, accessLogStart);
            var proof = await Proof.CheckAsync(rig.Database.ConnectionString, allJobs, accounts, rig.Proxy.BaseAddress, Rig.AdminKey, cancellationToken);
            var attempts = traffic.Attempts;
            var serverErrors = attempts.Where(a => a.Outcome.StartsWith("500", StringComparison.Ordinal)).ToList();
            if (serverErrors.Count > 0)
            {
                problems.Add($"{serverErrors.Count} answers were 500");
            }

            if (traffic.Skipped > 0)
            {
                problems.Add($"the client could not keep the rate: {traffic.Skipped} requests not sent (more than its in-flight limit open)");
            }

            var result = ScenarioResult.From(scenario, start, faultAt, restoredAt, end, traffic, timeline.Between(start, end), proof, proxyRetries, problems);
            timeline.Add(result.Describe());
            foreach (var problem in result.Problems.Concat(proof.Problems))
            {
                timeline.Add("PROBLEM: " + problem);
            }

            return result;
        }
    }

    private static long AccessLogLength(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>Requests nginx sent to more than one process (its <c>$upstream_status</c> lists each try).</summary>
    private static int CountProxyRetries(string path, long from)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(from, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var count = 0;
        while (reader.ReadLine() is { } line)
        {
            var quoted = line.Split('"');
            if (quoted.Length > 3 && quoted[3].Contains(',', StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }
}
