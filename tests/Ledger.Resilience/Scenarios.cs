namespace Ledger.Resilience;

/// <summary>A fault and what "restored" means for it. <see cref="InjectAsync"/> injects the fault, undoes it where a
/// person or Kubernetes would (the supervisor restarts pods by itself), and returns once the part is back.</summary>
internal sealed record Scenario(string Name, string Title, string Fault, string Restored, Func<Rig, Form, CancellationToken, Task> InjectAsync);

internal static class Scenarios
{
    public static readonly IReadOnlyList<Scenario> All =
    [
        new("pod-kill", "Pod restart",
            "`kill -9` of one API process (pod-a)",
            "the supervisor has started it again and it is back in nginx's endpoints",
            async (rig, _, ct) =>
            {
                var generation = rig.Pods["pod-a"].Generation;
                rig.Pods.Kill("pod-a");
                var took = await rig.Pods.WaitUntilServingAsync("pod-a", generation, ct);
                rig.Timeline.Add($"pod-a serving again ({took.TotalSeconds:F1} s after the kill)", "restored");
            }),
        new("rolling-update", "Rolling update",
            "each API process in turn replaced: the new one started and ready, then SIGTERM to the old one (readiness 503, drain, exit)",
            "all three replaced and every old process exited 0",
            async (rig, _, ct) =>
            {
                foreach (var (slot, _) in Rig.Slots)
                {
                    await rig.Pods.RollAsync(slot, ct);
                }

                var bad = rig.Pods.GracefulExitCodes.Where(e => e.Value != 0).ToList();
                if (bad.Count > 0)
                {
                    throw new InvalidOperationException("a pod stopped with SIGTERM exited non-zero: " + string.Join(", ", bad));
                }

                rig.Timeline.Add("rolling update done", "restored");
            }),
        new("node-failure", "Node failure",
            "one \"node\" lost at once: `kill -9` of pod-b and of Redis Cluster node 2 (its shard of the cache)",
            "pod-b rescheduled and serving, the Redis node back and the cluster ok",
            async (rig, form, ct) =>
            {
                var generation = rig.Pods["pod-b"].Generation;
                var node = rig.Pods["pod-b"].Node;
                rig.Timeline.Add($"node {node + 1} fails: kill -9 of Redis node {node + 1} and of pod-b", "fault");
                await rig.Redis.KillNodeAsync(node, ct);
                rig.Pods.Kill("pod-b");
                await rig.Pods.WaitUntilServingAsync("pod-b", generation, ct);
                rig.Timeline.Add("pod-b serving again", "restored");
                await Task.Delay(form.Hold, ct);
                await rig.Redis.StartNodeAsync(node, ct);
                await rig.Redis.WaitUntilClusterOkAsync(TimeSpan.FromSeconds(30), ct);
                rig.Timeline.Add($"Redis node {node + 1} back, cluster ok", "restored");
            }),
        new("redis-stop", "Cache stopped",
            "every Redis node stopped (SHUTDOWN NOSAVE), then started again empty",
            "the cluster is ok again",
            async (rig, form, ct) =>
            {
                rig.Timeline.Add("Redis stopped (all nodes)", "fault");
                await rig.Redis.StopAllAsync(ct);
                await Task.Delay(form.Hold, ct);
                await rig.Redis.StartAllAsync(ct);
                rig.Timeline.Add("Redis started, cluster ok", "restored");
            }),
        new("redis-flush", "Cache flushed",
            "FLUSHALL on every Redis node: every cached balance gone at once",
            "immediately (the ledger reads from the database until the cache is filled again)",
            async (rig, _, ct) =>
            {
                rig.Timeline.Add("Redis flushed (all nodes)", "fault");
                await rig.Redis.FlushAllAsync(ct);
                rig.Timeline.Add("flush done", "restored");
            }),
        new("database-restart", "Database restart",
            "MariaDB shut down cleanly, kept down, started again",
            "MariaDB answers and a pod is back in the endpoints",
            (rig, form, ct) => DatabaseDownAndBackAsync(rig, form, kill: false, ct)),
        new("database-kill", "Database crash",
            "`kill -9` of MariaDB mid-stream (transactions and sockets cut off), kept down, started again (crash recovery)",
            "MariaDB answers and a pod is back in the endpoints",
            (rig, form, ct) => DatabaseDownAndBackAsync(rig, form, kill: true, ct)),
    ];

    private static async Task DatabaseDownAndBackAsync(Rig rig, Form form, bool kill, CancellationToken ct)
    {
        if (kill)
        {
            rig.Timeline.Add("MariaDB killed (-9)", "fault");
            await rig.Database.KillAsync();
        }
        else
        {
            rig.Timeline.Add("MariaDB shutting down", "fault");
            await rig.Database.StopAsync();
        }

        rig.Timeline.Add("MariaDB down");
        await Task.Delay(form.Hold, ct);
        await rig.Database.StartAgainAsync();
        rig.Timeline.Add("MariaDB answers again", "restored");
        while (!rig.Pods.Current.Any(rig.Pods.InEndpoints))
        {
            await Task.Delay(50, ct);
        }

        rig.Timeline.Add("a pod is ready again", "restored");
    }
}
