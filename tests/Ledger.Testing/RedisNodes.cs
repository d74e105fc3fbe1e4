using System.Diagnostics;
using System.Globalization;
namespace Ledger.Testing;

/// <summary>
/// A Redis Cluster of masters of one test's (or the resilience suite's) own: no replicas, nothing persisted but each
/// node's cluster config, child processes on free loopback ports, so a node can be killed, stopped, started and
/// flushed without touching the development servers. <c>cluster-require-full-coverage no</c>: while a node is away, the others keep
/// serving their slots, as a cluster with a failed shard does until the operator acts.
/// </summary>
public sealed class RedisNodes : IAsyncDisposable
{
    private readonly string _root;
    private readonly int[] _ports;
    private readonly Process?[] _processes;

    private RedisNodes(string root, int[] ports)
    {
        _root = root;
        _ports = ports;
        _processes = new Process?[ports.Length];
    }

    /// <summary>The TCP port of node <paramref name="index"/>.</summary>
    public int PortOf(int index) => _ports[index];

    /// <summary>The StackExchange.Redis configuration string: every node, so the client finds the cluster from any.</summary>
    public string ConnectionString => string.Join(',', _ports.Select(p => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{p}")));

    public static async Task<RedisNodes> StartAsync(string root, int count, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        var ports = new List<int>();
        while (ports.Count < count)
        {
            // The cluster bus listens on port + 10000.
            var port = LocalPorts.Free();
            if (port <= 55535 && !ports.Contains(port) && !LocalPorts.Answers(port + 10000))
            {
                ports.Add(port);
            }
        }

        var nodes = new RedisNodes(root, [.. ports]);
        try
        {
            for (var i = 0; i < count; i++)
            {
                await nodes.StartNodeAsync(i, cancellationToken);
            }

            await ExternalProgram.RunAsync("redis-cli",
                ["--cluster", "create", .. ports.Select(p => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{p}")), "--cluster-replicas", "0", "--cluster-yes"],
                cancellationToken);
            await nodes.WaitUntilClusterOkAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts node <paramref name="index"/> (again) on its port and folder; its nodes.conf brings it back
    /// into the cluster with its slots.</summary>
    public async Task StartNodeAsync(int index, CancellationToken cancellationToken)
    {
        if (_processes[index] is { HasExited: false })
        {
            throw new InvalidOperationException($"Redis node {index} is already running.");
        }

        var port = _ports[index];
        var folder = Path.Combine(_root, port.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        var info = new ProcessStartInfo(ExternalProgram.Which("redis-server"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        foreach (var argument in new[]
        {
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "no",
            "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(folder, "nodes.conf"),
            "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no",
            "--dir", folder, "--save", string.Empty, "--appendonly", "no", "--daemonize", "no",
            "--logfile", Path.Combine(folder, "redis.log"),
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[index] = process;
        var started = Stopwatch.StartNew();
        while (!await PingAsync(port, cancellationToken))
        {
            if (process.HasExited || started.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException($"Redis node on port {port} did not start; see {folder}/redis.log");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>SIGKILL: the node is gone at once, as when its machine dies.</summary>
    public async Task KillNodeAsync(int index, CancellationToken cancellationToken)
    {
        if (_processes[index] is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync(cancellationToken);
        }
    }

    /// <summary>Stops every node (SHUTDOWN NOSAVE, as a clean stop of the service).</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _ports.Length; i++)
        {
            if (_processes[i] is { HasExited: false } process)
            {
                try
                {
                    await ExternalProgram.RunAsync("redis-cli", ["-p", _ports[i].ToString(CultureInfo.InvariantCulture), "shutdown", "nosave"], cancellationToken);
                }
                catch (InvalidOperationException)
                {
                    // redis-cli reports the lost connection of a successful shutdown as an error on some versions.
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    process.Kill();
                }
            }
        }
    }

    public async Task StartAllAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _ports.Length; i++)
        {
            if (_processes[i] is not { HasExited: false })
            {
                await StartNodeAsync(i, cancellationToken);
            }
        }

        await WaitUntilClusterOkAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>FLUSHALL on every node: every cached balance is gone at once.</summary>
    public async Task FlushAllAsync(CancellationToken cancellationToken)
    {
        foreach (var port in _ports)
        {
            await ExternalProgram.RunAsync("redis-cli", ["-p", port.ToString(CultureInfo.InvariantCulture), "flushall"], cancellationToken);
        }
    }

    public async Task WaitUntilClusterOkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            var ok = 0;
            foreach (var port in _ports)
            {
                try
                {
                    var info = await ExternalProgram.RunAsync("redis-cli", ["-p", port.ToString(CultureInfo.InvariantCulture), "cluster", "info"], cancellationToken);
                    ok += info.Contains("cluster_state:ok", StringComparison.Ordinal) ? 1 : 0;
                }
                catch (InvalidOperationException)
                {
                    // Not answering yet.
                }
            }

            if (ok == _ports.Length)
            {
                return;
            }

            if (started.Elapsed > timeout)
            {
                throw new TimeoutException($"the Redis Cluster was not ok on all nodes within {timeout}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (process is { HasExited: false })
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            process?.Dispose();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static async Task<bool> PingAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await ExternalProgram.RunAsync("redis-cli", ["-p", port.ToString(CultureInfo.InvariantCulture), "ping"], cancellationToken);
            return answer.Contains("PONG", StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
