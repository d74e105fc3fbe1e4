using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Ledger.Testing;

namespace Ledger.Resilience;

/// <summary>One API process: a pod of the Deployment.</summary>
internal sealed class Pod(string slot, int node, int generation, int port, Process process)
{
    public string Slot { get; } = slot;

    /// <summary>The "node" the pod runs on: the node failure takes the pod and the Redis node of the same index.</summary>
    public int Node { get; } = node;

    public int Generation { get; } = generation;

    public int Port { get; } = port;

    public Process Process { get; } = process;

    public string Name => string.Create(CultureInfo.InvariantCulture, $"{Slot}#{Generation}");

    /// <summary>Set before the pod is stopped on purpose (rolling update, end of run), so the supervisor lets it go.</summary>
    public volatile bool Retiring;
}

/// <summary>
/// Starts the API processes and keeps them running, as the kubelet and the Deployment controller do: a pod that dies
/// is started again at once on the same port (a container restart), a rolling update starts the new pod, waits for
/// it to be ready, then sends SIGTERM to the old one and waits for it to exit. An endpoints loop probes
/// <c>/health/ready</c> of every live pod every 250 ms and gives the proxy exactly the ready ones.
/// </summary>
internal sealed class Supervisor : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private readonly string _apiDll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _logs;
    private readonly Timeline _timeline;
    private readonly ConcurrentDictionary<string, Pod> _slots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, Pod> _live = new();
    private readonly ConcurrentBag<Task> _watchers = [];
    private readonly HttpClient _probe = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(1) };
    private readonly CancellationTokenSource _stopping = new();
    private Proxy? _proxy;
    private Task? _endpoints;
    private volatile int[] _readyPorts = [];

    public Supervisor(string apiDll, IReadOnlyDictionary<string, string> environment, string logs, Timeline timeline)
    {
        _apiDll = apiDll;
        _environment = environment;
        _logs = logs;
        _timeline = timeline;
        Directory.CreateDirectory(logs);
    }

    /// <summary>Exit codes of pods stopped with SIGTERM (a rolling update), by pod name.</summary>
    public ConcurrentDictionary<string, int> GracefulExitCodes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyCollection<Pod> Current => [.. _slots.Values.OrderBy(p => p.Slot, StringComparer.Ordinal)];

    public Pod this[string slot] => _slots[slot];

    /// <summary>Starts a pod in each slot, waits until all are ready.</summary>
    public async Task StartAsync(IReadOnlyList<(string Slot, int Node)> slots, CancellationToken cancellationToken)
    {
        var pods = await Task.WhenAll(slots.Select(s => StartPodAsync(s.Slot, s.Node, 1, LocalPorts.Free(), cancellationToken)));
        foreach (var pod in pods)
        {
            _slots[pod.Slot] = pod;
        }
    }

    /// <summary>Hands the ready set to <paramref name="proxy"/> from now on.</summary>
    public void DriveEndpoints(Proxy proxy)
    {
        _proxy = proxy;
        _endpoints = Task.Run(() => EndpointsLoopAsync(_stopping.Token));
    }

    /// <summary>kill -9 of the slot's pod; the supervisor notices the exit and starts it again.</summary>
    public void Kill(string slot)
    {
        var pod = _slots[slot];
        _timeline.Add($"kill -9 {pod.Name} (pid {pod.Process.Id})", "fault");
        pod.Process.Kill();
    }

    /// <summary>Waits until the slot runs a pod newer than <paramref name="generation"/> that is ready and in the
    /// proxy's endpoints.</summary>
    public async Task<TimeSpan> WaitUntilServingAsync(string slot, int generation, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        while (!(_slots.TryGetValue(slot, out var pod) && pod.Generation > generation && InEndpoints(pod)))
        {
            if (started.Elapsed > ReadyTimeout)
            {
                throw new TimeoutException($"{slot} was not serving again within {ReadyTimeout}");
            }

            await Task.Delay(50, cancellationToken);
        }

        return started.Elapsed;
    }

    /// <summary>A rolling update of one slot: new pod up and ready, then SIGTERM to the old one, which must exit 0.</summary>
    public async Task RollAsync(string slot, CancellationToken cancellationToken)
    {
        var old = _slots[slot];
        _timeline.Add($"rolling: starting the replacement of {old.Name}");
        var replacement = await StartPodAsync(slot, old.Node, old.Generation + 1, LocalPorts.Free(), cancellationToken);
        _slots[slot] = replacement;
        while (!InEndpoints(replacement))
        {
            await Task.Delay(50, cancellationToken);
        }

        old.Retiring = true;
        _timeline.Add($"rolling: SIGTERM to {old.Name}", "fault");
        await ExternalProgram.SignalAsync(old.Process.Id, "TERM", cancellationToken);
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(TimeSpan.FromSeconds(45));
        await old.Process.WaitForExitAsync(grace.Token);
        GracefulExitCodes[old.Name] = old.Process.ExitCode;
        _timeline.Add($"rolling: {old.Name} exited with {old.Process.ExitCode}", "restored");
    }

    public bool InEndpoints(Pod pod) => _readyPorts.Contains(pod.Port);

    private async Task<Pod> StartPodAsync(string slot, int node, int generation, int port, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(_apiDll)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(_apiDll);
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["ASPNETCORE_URLS"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        var process = new Process { StartInfo = info };
        var log = new StreamWriter(Path.Combine(_logs, string.Create(CultureInfo.InvariantCulture, $"{slot}-{generation}.log")), append: true) { AutoFlush = false };
        var sync = TextWriter.Synchronized(log);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { sync.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { sync.WriteLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var pod = new Pod(slot, node, generation, port, process);
        _live[port] = pod;
        _watchers.Add(Task.Run(() => WatchAsync(pod, sync), CancellationToken.None));

        var started = Stopwatch.StartNew();
        var ready = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/health/ready"));
        try
        {
            while (!await IsReadyAsync(ready, cancellationToken))
            {
                if (process.HasExited || started.Elapsed > ReadyTimeout)
                {
                    throw new InvalidOperationException($"{pod.Name} did not become ready (exited: {process.HasExited}); see {_logs}");
                }

                await Task.Delay(100, cancellationToken);
            }
        }
        catch
        {
            pod.Retiring = true;
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw;
        }

        _timeline.Add($"{pod.Name} ready on port {port} after {started.Elapsed.TotalSeconds:F1} s");
        return pod;
    }

    private async Task WatchAsync(Pod pod, TextWriter log)
    {
        await pod.Process.WaitForExitAsync(CancellationToken.None);
        _live.TryRemove(pod.Port, out _);
        await log.FlushAsync();
        if (pod.Retiring || _stopping.IsCancellationRequested)
        {
            return;
        }

        // A container restart: same slot, same port, next generation.
        _timeline.Add($"{pod.Name} exited ({pod.Process.ExitCode}); the supervisor starts it again");
        try
        {
            var replacement = await StartPodAsync(pod.Slot, pod.Node, pod.Generation + 1, pod.Port, _stopping.Token);
            _slots[pod.Slot] = replacement;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task EndpointsLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await UpdateEndpointsUntilStoppedAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private async Task UpdateEndpointsUntilStoppedAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var pods = _live.Values.ToList();
            var ready = new List<Pod>();
            await Task.WhenAll(pods.Select(async pod =>
            {
                var uri = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{pod.Port}/health/ready"));
                if (await IsReadyAsync(uri, cancellationToken))
                {
                    lock (ready)
                    {
                        ready.Add(pod);
                    }
                }
            }));
            var ports = ready.Select(p => p.Port).Order().ToArray();
            if (!ports.SequenceEqual(_readyPorts))
            {
                await _proxy!.SetUpstreamsAsync(ports, cancellationToken);
                _readyPorts = ports;
                _timeline.Add("endpoints: " + (ready.Count == 0 ? "none ready" : string.Join(", ", ready.OrderBy(p => p.Slot, StringComparer.Ordinal).Select(p => p.Name))));
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private async Task<bool> IsReadyAsync(Uri uri, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _probe.GetAsync(uri, cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_endpoints is not null)
        {
            await _endpoints;
        }

        foreach (var pod in _live.Values)
        {
            pod.Retiring = true;
            if (!pod.Process.HasExited)
            {
                pod.Process.Kill(entireProcessTree: true);
            }
        }

        await Task.WhenAll(_watchers);
        _probe.Dispose();
        _stopping.Dispose();
    }
}
