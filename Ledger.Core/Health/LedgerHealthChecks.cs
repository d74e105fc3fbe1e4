using Ledger.Cache;
using Ledger.Outbox;
using Microsoft.Extensions.Options;
using Ledger.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ledger.Health;

/// <summary>Ready when the database answers: without it nothing can be posted.</summary>
internal sealed class DatabaseHealthCheck(LedgerStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The database answers.");
        }
        catch (Exception ex) when (ex is MySqlConnector.MySqlException or InvalidOperationException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The database does not answer.", ex);
        }
    }
}

/// <summary>The cache is optional: when Redis is away, or the ledger's identity that its keys carry cannot be read,
/// the ledger still posts and reads (from the database), so this reports Degraded, never Unhealthy.</summary>
internal sealed class CacheHealthCheck(IBalanceCache cache) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!cache.IsEnabled)
        {
            return HealthCheckResult.Healthy("No cache is configured; balances are read from the database.");
        }

        return await cache.PingAsync(cancellationToken).ConfigureAwait(false)
            ? HealthCheckResult.Healthy("The cache answers.")
            : HealthCheckResult.Degraded("The cache does not answer, or the ledger's identity (which its keys carry) cannot be read yet; balances are read from the database.");
    }
}

/// <summary>Degraded (never Unhealthy: posting and reading go on) while the outbox sweeper keeps failing, since the
/// cache may then miss changes whose write-through failed.</summary>
internal sealed class OutboxHealthCheck(OutboxSweeperStatus status, IOptions<LedgerOptions> options, TimeProvider timeProvider) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var outbox = options.Value.Outbox;
        if (!outbox.SweeperEnabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy("The outbox sweeper is off (Ledger:Outbox:SweeperEnabled)."));
        }

        var data = new Dictionary<string, object>
        {
            ["consecutiveFailures"] = status.ConsecutiveFailures,
            ["backlogAtMost"] = status.Backlog?.AtMost ?? 0,
            ["oldestUnpublishedAgeSeconds"] = status.Backlog is { } backlog
                ? Math.Round(Math.Max(0, (timeProvider.GetUtcNow().UtcDateTime - backlog.OldestCreatedAt).TotalSeconds), 1)
                : 0,
        };
        return Task.FromResult(status.ConsecutiveFailures >= outbox.FailuresBeforeError
            ? HealthCheckResult.Degraded($"The outbox sweeper failed {status.ConsecutiveFailures} times in a row; the cache may miss recent changes.", data: data)
            : HealthCheckResult.Healthy("The outbox sweeper works.", data));
    }
}
