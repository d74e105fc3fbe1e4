using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>A Redis of one test's own, which the test may stop and start without disturbing the others: a
/// <c>redis-server</c> child process on a free loopback port, or, where the servers come from containers, a
/// container.</summary>
public sealed class StoppableRedis : IAsyncDisposable
{
    private readonly int _port;
    private readonly RedisContainer? _container;
    private Process? _process;

    private StoppableRedis(int port, RedisContainer? container)
    {
        _port = port;
        _container = container;
    }

    public string ConnectionString => _container is null ? $"127.0.0.1:{_port}" : _container.GetConnectionString();

    public static async Task<StoppableRedis> StartAsync()
    {
        var servers = await TestServers.GetAsync();
        StoppableRedis redis;
        if (servers.FromContainers)
        {
            redis = new StoppableRedis(0, new RedisBuilder("redis:7.0").Build());
        }
        else
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            redis = new StoppableRedis(port, null);
        }

        await redis.StartAgainAsync();
        return redis;
    }

    public async Task StartAgainAsync()
    {
        if (_container is not null)
        {
            await _container.StartAsync();
            return;
        }

        _process = Process.Start(new ProcessStartInfo("redis-server",
            ["--bind", "127.0.0.1", "--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=500");
                await probe.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public async Task StopAsync()
    {
        if (_container is not null)
        {
            await _container.StopAsync();
            return;
        }

        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
