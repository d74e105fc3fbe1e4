using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

/// <summary>Whether the host is shutting down; readiness reports it.</summary>
internal sealed class ShutdownState
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void BeginDraining() => _draining = true;
}

/// <summary>
/// Graceful shutdown. On SIGTERM (<see cref="IHostApplicationLifetime.ApplicationStopping"/>) readiness turns 503
/// at once; for <see cref="ApiOptions.ShutdownDrainDelay"/> the host still listens and serves, so a load balancer sees
/// the pod unready and stops sending; then the server stops accepting and finishes the requests in flight, and the
/// ledger posts what it has queued (the batcher drains when the container is disposed), all within
/// <see cref="ApiOptions.ShutdownTimeout"/>.
/// </summary>
internal sealed partial class GracefulShutdown(
    ShutdownState state,
    IHostApplicationLifetime lifetime,
    IOptions<ApiOptions> options,
    TimeProvider timeProvider,
    ILogger<GracefulShutdown> logger) : IHostedLifecycleService, IDisposable
{
    private CancellationTokenRegistration _stopping;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(state.BeginDraining);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any hosted service stops, the web server included, so the host still serves meanwhile.
    /// The delay is for a host that was told to stop (SIGTERM, Ctrl+C, <see cref="IHostApplicationLifetime.StopApplication"/>),
    /// which signals <see cref="IHostApplicationLifetime.ApplicationStopping"/> before the host stops; a host stopped
    /// directly in-process (<c>IHost.StopAsync</c>, as WebApplicationFactory does) has no load balancer and stops at once.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        state.BeginDraining();
        var delay = options.Value.ShutdownDrainDelay;
        if (delay <= TimeSpan.Zero || !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return;
        }

        LogDraining(logger, delay.TotalSeconds);
        try
        {
            await Task.Delay(delay, timeProvider, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The shutdown timeout ended the delay; stop now.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(5101, LogLevel.Information, "Shutting down: readiness reports 503; serving for {Seconds} s more before the server stops accepting")]
    private static partial void LogDraining(ILogger logger, double seconds);
}

/// <summary>Unhealthy (so <c>/health/ready</c> answers 503) once the host is shutting down.</summary>
internal sealed class ShutdownHealthCheck(ShutdownState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsDraining
            ? HealthCheckResult.Unhealthy("The host is shutting down.")
            : HealthCheckResult.Healthy());
}

internal static class GracefulShutdownSetup
{
    public const string CheckName = "shutdown";

    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services)
    {
        services.AddSingleton<ShutdownState>();
        services.AddHostedService<GracefulShutdown>();
        services.AddHealthChecks().AddCheck<ShutdownHealthCheck>(CheckName, tags: ["ready"]);
        return services;
    }
}
