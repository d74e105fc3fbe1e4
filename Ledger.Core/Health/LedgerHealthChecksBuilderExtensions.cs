using Ledger.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the ledger's health checks.</summary>
public static class LedgerHealthChecksBuilderExtensions
{
    /// <summary>Adds <c>ledger-database</c> (Unhealthy when the database does not answer), <c>ledger-cache</c>
    /// (Degraded when Redis is away) and <c>ledger-outbox</c> (Degraded while the outbox sweeper keeps failing), all
    /// tagged with <paramref name="tags"/>.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="tags">Tags for both checks, for example <c>ready</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddLedgerChecks(this IHealthChecksBuilder builder, params string[] tags)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddCheck<DatabaseHealthCheck>("ledger-database", HealthStatus.Unhealthy, tags, TimeSpan.FromSeconds(5));
        builder.AddCheck<CacheHealthCheck>("ledger-cache", HealthStatus.Degraded, tags);
        builder.AddCheck<OutboxHealthCheck>("ledger-outbox", HealthStatus.Degraded, tags);
        return builder;
    }
}
