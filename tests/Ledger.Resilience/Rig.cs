using System.Globalization;
using Ledger.Testing;

namespace Ledger.Resilience;

/// <summary>
/// Everything of the run on one machine: a MariaDB and a 3-node Redis Cluster of the suite's own, three API processes
/// ("pods", one per "node"), the supervisor that keeps them running, and nginx in front as the Service.
/// </summary>
internal sealed class Rig : IAsyncDisposable
{
    public const string PosterKey = "resilience-poster-key-0123456789-abcdefghij";
    public const string AdminKey = "resilience-admin-key-0123456789-abcdefghij";
    public static readonly IReadOnlyList<(string Slot, int Node)> Slots = [("pod-a", 0), ("pod-b", 1), ("pod-c", 2)];

    private Rig(Timeline timeline, StoppableMariaDb database, RedisNodes redis, Supervisor pods, Proxy proxy)
    {
        Timeline = timeline;
        Database = database;
        Redis = redis;
        Pods = pods;
        Proxy = proxy;
    }

    public Timeline Timeline { get; }

    public StoppableMariaDb Database { get; }

    public RedisNodes Redis { get; }

    public Supervisor Pods { get; }

    public Proxy Proxy { get; }

    public static async Task<Rig> StartAsync(string apiDll, string workDirectory, Form form, Timeline timeline, CancellationToken cancellationToken)
    {
        timeline.Add("starting MariaDB, a 3-node Redis Cluster, 3 API processes and nginx");
        var database = await StoppableMariaDb.StartAsync();
        RedisNodes? redis = null;
        Supervisor? pods = null;
        try
        {
            redis = await RedisNodes.StartAsync(Path.Combine(workDirectory, "redis"), 3, cancellationToken);
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__Ledger"] = database.ConnectionString,
                ["ConnectionStrings__Redis"] = redis.ConnectionString,
                ["Ledger__MigrateOnStartup"] = "false",
                ["Api__ShutdownDrainDelay"] = form.ShutdownDrainDelay.ToString("c", CultureInfo.InvariantCulture),
                ["Auth__ApiKeys__0__Name"] = "resilience-client",
                ["Auth__ApiKeys__0__Key"] = PosterKey,
                ["Auth__ApiKeys__0__Roles__0"] = "poster",
                ["Auth__ApiKeys__0__Roles__1"] = "reader",
                // It opens the accounts too, each allowed to overdraw: that needs admin as well as poster.
                ["Auth__ApiKeys__0__Roles__2"] = "admin",
                ["Auth__ApiKeys__1__Name"] = "resilience-auditor",
                ["Auth__ApiKeys__1__Key"] = AdminKey,
                ["Auth__ApiKeys__1__Roles__0"] = "admin",
                ["Auth__ApiKeys__1__Roles__1"] = "reader",
            };

            // Migrations once, by the host's own command, as the Helm chart's pre-install Job does.
            await MigrateAsync(apiDll, database.ConnectionString, cancellationToken);
            pods = new Supervisor(apiDll, environment, Path.Combine(workDirectory, "logs"), timeline);
            await pods.StartAsync(Slots, cancellationToken);
            var proxy = await Proxy.StartAsync(Path.Combine(workDirectory, "nginx"), [.. pods.Current.Select(p => p.Port).Order()], cancellationToken);
            pods.DriveEndpoints(proxy);
            timeline.Add($"nginx on {proxy.BaseAddress} in front of {string.Join(", ", pods.Current.Select(p => p.Name))}");
            return new Rig(timeline, database, redis, pods, proxy);
        }
        catch
        {
            if (pods is not null)
            {
                await pods.DisposeAsync();
            }

            if (redis is not null)
            {
                await redis.DisposeAsync();
            }

            await database.DisposeAsync();
            throw;
        }
    }

    private static async Task MigrateAsync(string apiDll, string connectionString, CancellationToken cancellationToken)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(apiDll)!,
        };
        info.ArgumentList.Add(apiDll);
        info.ArgumentList.Add("migrate");
        info.Environment["ConnectionStrings__Ledger"] = connectionString;
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"migrate exited with {process.ExitCode}: {await error}{await output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Pods.DisposeAsync();
        await Proxy.DisposeAsync();
        await Redis.DisposeAsync();
        await Database.DisposeAsync();
    }
}
