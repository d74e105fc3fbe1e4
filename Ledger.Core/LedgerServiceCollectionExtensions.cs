using Ledger;
using Ledger.Accounts;
using Ledger.Cache;
using Ledger.Outbox;
using Ledger.Hosting;
using Ledger.Migrations;
using Ledger.Posting;
using Ledger.Storage;
using Ledger.Verification;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ledger in a service collection.</summary>
public static class LedgerServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ILedger"/> with options bound from configuration: the <c>Ledger</c> section,
    /// <c>ConnectionStrings:Ledger</c>, <c>ConnectionStrings:LedgerMigrator</c> and <c>ConnectionStrings:Redis</c>. Options are validated at start-up.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The application's configuration root.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddLedger(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LedgerOptions>()
            .Bind(configuration.GetSection(LedgerOptions.SectionName))
            .Configure(options =>
            {
                options.ConnectionString = configuration.GetConnectionString("Ledger") ?? options.ConnectionString;
                options.RedisConnectionString = configuration.GetConnectionString("Redis") ?? options.RedisConnectionString;
                options.MigrationConnectionString = configuration.GetConnectionString("LedgerMigrator") ?? options.MigrationConnectionString;
            });
        return AddLedgerCore(services);
    }

    /// <summary>Registers <see cref="ILedger"/> with options set in code. Options are validated at start-up.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; at least <see cref="LedgerOptions.ConnectionString"/>.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddLedger(this IServiceCollection services, Action<LedgerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<LedgerOptions>().Configure(configure);
        return AddLedgerCore(services);
    }

    private static IServiceCollection AddLedgerCore(IServiceCollection services)
    {
        services.AddOptions<LedgerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LedgerOptions>, LedgerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton(provider => DataSource(provider, "ledger", maximumPoolSize: null));
        // The integrity scan reads every row: a small pool of its own, so it never takes the posting pool's connections.
        services.TryAddSingleton(provider => new VerifierDataSource(DataSource(provider, "ledger-verifier", maximumPoolSize: 2)));
        // Posting has a pool of its own whose connections are not reset between uses: the posting procedure keeps its
        // MEMORY temporary tables on the connection, and a reset would drop them, so every post would create five
        // tables again (milliseconds of database time, most of a lone post's cost: docs/performance.md). Nothing else
        // runs on these connections, and every use ends its transaction (ADR 0017).
        services.TryAddSingleton(provider => new PostingDataSource(DataSource(provider, "ledger-posting", maximumPoolSize: null, reset: false)));
        services.TryAddSingleton(provider =>
            new LedgerStore(provider.GetRequiredService<MySqlDataSource>()));
        services.TryAddSingleton<CurrencyCatalog>();
        services.TryAddSingleton<IBalanceCache>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<LedgerOptions>>().Value;
            return string.IsNullOrWhiteSpace(options.RedisConnectionString)
                ? new NoBalanceCache()
                : new RedisBalanceCache(options.RedisConnectionString, options.Cache, provider.GetRequiredService<LedgerIdentity>(),
                    provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<LedgerMetrics>(),
                    provider.GetRequiredService<ILogger<RedisBalanceCache>>());
        });
        // Read once, at the cache's first use; after a failed read, not again for the cache's break duration.
        services.TryAddSingleton(provider => new LedgerIdentity(
            provider.GetRequiredService<MySqlDataSource>(),
            provider.GetRequiredService<IOptions<LedgerOptions>>().Value.Cache.BreakDuration,
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<LedgerIdentity>>()));
        services.AddMetrics();
        services.TryAddSingleton<LedgerMetrics>();
        services.TryAddSingleton<OutboxSweeperStatus>();
        services.TryAddSingleton<IOutboxStore>(provider => new OutboxStore(provider.GetRequiredService<MySqlDataSource>()));

        services.TryAddSingleton<LedgerMigrator>();
        services.TryAddSingleton(provider => new LedgerVerifier(
            provider.GetRequiredService<VerifierDataSource>().DataSource, provider.GetRequiredService<IBalanceCache>(),
            provider.GetRequiredService<ILogger<LedgerVerifier>>()));
        services.TryAddSingleton(provider => new PostingStore(provider.GetRequiredService<PostingDataSource>().DataSource));
        services.TryAddSingleton<PostingRunner>();
        services.TryAddSingleton<TransactionBatcher>();
        services.TryAddSingleton<PostingService>();
        services.TryAddSingleton<AccountService>();
        services.TryAddSingleton<ILedger, LedgerService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MigrateOnStartupService>());
        // After the migrations (hosted services start in order); it does nothing when Ledger:Outbox:SweeperEnabled is false.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxSweeper>());
        return services;
    }

    private static MySqlDataSource DataSource(IServiceProvider provider, string name, uint? maximumPoolSize, bool reset = true)
    {
        var options = provider.GetRequiredService<IOptions<LedgerOptions>>().Value;
        var connectionString = new MySqlConnectionStringBuilder(options.ConnectionString)
        {
            // ROW_COUNT() in the procedures then counts rows changed, whatever the client's default: the version
            // guard reads "zero rows" as "another writer won".
            UseAffectedRows = true,
        };
        if (!reset)
        {
            connectionString.ConnectionReset = false;
        }

        if (maximumPoolSize is { } size)
        {
            connectionString.MaximumPoolSize = size;
            connectionString.MinimumPoolSize = 0;
        }

        return new MySqlDataSourceBuilder(connectionString.ConnectionString)
            // The pool's name labels MySqlConnector's metrics; without it the label is the connection string
            // (server, user and database, minus the password).
            .UseName(name)
            .UseLoggerFactory(provider.GetService<ILoggerFactory>())
            .Build();
    }
}

/// <summary>The posting procedure's own connection pool (<c>ledger-posting</c>, connections not reset between uses),
/// disposed with the container.</summary>
internal sealed class PostingDataSource(MySqlDataSource dataSource) : IDisposable
{
    public MySqlDataSource DataSource { get; } = dataSource;

    public void Dispose() => DataSource.Dispose();
}

/// <summary>The integrity scan's own connection pool (<c>ledger-verifier</c>), disposed with the container.</summary>
internal sealed class VerifierDataSource(MySqlDataSource dataSource) : IDisposable
{
    public MySqlDataSource DataSource { get; } = dataSource;

    public void Dispose() => DataSource.Dispose();
}
