using Ledger.Cache;
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

/// <summary>The cache is optional: when Redis is away the ledger still posts and reads (from the database), so this
/// reports Degraded, never Unhealthy.</summary>
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
            : HealthCheckResult.Degraded("The cache does not answer; balances are read from the database.");
    }
}
