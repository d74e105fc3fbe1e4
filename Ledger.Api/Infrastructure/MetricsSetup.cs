using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// Metrics in the Prometheus text format at <c>GET /metrics</c>, through OpenTelemetry (see
/// docs/decisions/0011-metrics-with-opentelemetry.md). The ledger's instruments are plain System.Diagnostics.Metrics
/// on the meter <c>Ledger</c> in Ledger.Core; this host only chooses which meters to export and how.
/// </summary>
internal static class MetricsSetup
{
    public const string ScrapePath = "/metrics";

    /// <summary>The ledger's own meter (Ledger.Core's <c>LedgerMetrics.MeterName</c>).</summary>
    public const string LedgerMeter = "Ledger";

    /// <summary>MySqlConnector's connection-pool instruments: <c>db.client.connections.usage</c> (by state idle or
    /// used), <c>.max</c>, <c>.idle.max</c>, <c>.idle.min</c>, <c>.pending_requests</c>, <c>.timeouts</c>,
    /// <c>.create_time</c>, <c>.wait_time</c> and <c>.use_time</c>, each tagged with <c>pool.name</c>.</summary>
    public const string MySqlConnectorMeter = "MySqlConnector";

    public static WebApplicationBuilder AddLedgerMetrics(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddMeter(LedgerMeter, MySqlConnectorMeter)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        return builder;
    }

    /// <summary>Maps <c>GET /metrics</c>: anonymous like the health endpoints, a management endpoint (on
    /// <see cref="ApiOptions.ManagementPort"/> only, when that is set), and not part of the OpenAPI document.</summary>
    public static WebApplication MapLedgerMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPrometheusScrapingEndpoint(ScrapePath)
            .AllowAnonymous()
            .ExcludeFromDescription()
            .WithTags("Metrics")
            .OnManagementPort();
        return app;
    }
}
