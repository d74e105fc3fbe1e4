using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ledger.Testing;

namespace Ledger.Resilience;

/// <summary>
/// nginx (Debian's) in front of the API processes, standing in for the Kubernetes Service: it sends each request to a
/// ready process and, because a transfer id makes a post idempotent, retries a request that failed to connect or broke
/// off on another process (<c>proxy_next_upstream error timeout non_idempotent</c>). The endpoint list is rewritten
/// and nginx reloaded (SIGHUP, graceful) whenever the set of ready processes changes, as the endpoints controller does
/// from readiness probes. With no ready process at all it answers 503 <c>no_ready_endpoints</c> itself.
/// </summary>
internal sealed class Proxy : IAsyncDisposable
{
    private readonly string _root;
    private readonly object _gate = new();
    private Process? _process;
    private IReadOnlyList<int> _upstreams = [];

    private Proxy(string root, int port)
    {
        _root = root;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}"));

    /// <summary>One line per proxied request: time, status, the upstreams tried and their statuses.</summary>
    public string AccessLog => Path.Combine(_root, "access.log");

    public static async Task<Proxy> StartAsync(string root, IReadOnlyList<int> upstreams, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        var proxy = new Proxy(root, LocalPorts.Free());
        proxy.WriteConfig(upstreams);
        var info = new ProcessStartInfo(ExternalProgram.Which("nginx"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-p", root, "-c", Path.Combine(root, "nginx.conf"), "-e", Path.Combine(root, "error.log") })
        {
            info.ArgumentList.Add(argument);
        }

        proxy._process = Process.Start(info) ?? throw new InvalidOperationException("nginx did not start.");
        proxy._process.OutputDataReceived += (_, _) => { };
        proxy._process.ErrorDataReceived += (_, _) => { };
        proxy._process.BeginOutputReadLine();
        proxy._process.BeginErrorReadLine();
        var started = Stopwatch.StartNew();
        while (!LocalPorts.Answers(proxy.Port))
        {
            if (proxy._process.HasExited || started.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"nginx did not start; see {root}/error.log:\n{ReadTail(Path.Combine(root, "error.log"))}");
            }

            await Task.Delay(50, cancellationToken);
        }

        return proxy;
    }

    /// <summary>Points nginx at exactly these API ports (none: it answers 503 itself) and reloads it.</summary>
    public async Task SetUpstreamsAsync(IReadOnlyList<int> upstreams, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_upstreams.SequenceEqual(upstreams))
            {
                return;
            }

            WriteConfig(upstreams);
        }

        await ExternalProgram.SignalAsync(_process!.Id, "HUP", cancellationToken);
    }

    private void WriteConfig(IReadOnlyList<int> upstreams)
    {
        _upstreams = [.. upstreams];
        var user = Environment.UserName == "root" ? "user root;" : string.Empty;
        var config = new StringBuilder();
        config.Append(CultureInfo.InvariantCulture, $$"""
            # Written by tests/Ledger.Resilience (Proxy.cs); rewritten on every change of the ready set.
            {{user}}
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{_root}}/nginx.pid;
            error_log {{_root}}/error.log warn;
            events { worker_connections 8192; }
            http {
                log_format resilience '$msec $status "$upstream_addr" "$upstream_status" $request_time $request_method $uri';
                access_log {{_root}}/access.log resilience buffer=64k flush=1s;
                client_body_temp_path {{_root}}/client_body;
                proxy_temp_path {{_root}}/proxy;
                fastcgi_temp_path {{_root}}/fastcgi;
                uwsgi_temp_path {{_root}}/uwsgi;
                scgi_temp_path {{_root}}/scgi;

            """);
        if (upstreams.Count > 0)
        {
            config.Append("    upstream ledger {\n");
            foreach (var port in upstreams)
            {
                // A process that refuses a connection is passed over for 2 s; the endpoints update follows within 250 ms.
                config.Append(CultureInfo.InvariantCulture, $"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;\n");
            }

            config.Append("""
                        keepalive 64;
                    }

                """);
        }

        config.Append(CultureInfo.InvariantCulture, $$"""
                server {
                    listen 127.0.0.1:{{Port}} backlog=4096;
                    location / {

            """);
        if (upstreams.Count > 0)
        {
            config.Append("""
                            proxy_pass http://ledger;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_set_header X-Forwarded-For $remote_addr;
                            # Transfer ids make posts idempotent, so a post that failed to connect or broke off is safe to
                            # send again to another process (the ledger replays or posts it once).
                            proxy_next_upstream error timeout non_idempotent;
                            proxy_next_upstream_tries 3;
                            proxy_next_upstream_timeout 10s;
                            proxy_connect_timeout 1s;
                            proxy_read_timeout 30s;

                """);
        }
        else
        {
            config.Append("""
                            default_type application/problem+json;
                            add_header Retry-After 1 always;
                            return 503 '{"status":503,"code":"no_ready_endpoints","title":"No ready API process"}';

                """);
        }

        config.Append("""
                    }
                }
            }

            """);
        File.WriteAllText(Path.Combine(_root, "nginx.conf"), config.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            try
            {
                await ExternalProgram.SignalAsync(process.Id, "QUIT");
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
    }

    private static string ReadTail(string path)
    {
        try
        {
            var lines = File.ReadAllLines(path);
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 20)));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
