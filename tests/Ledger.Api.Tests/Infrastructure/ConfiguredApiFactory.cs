using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Ledger.Api.Tests.Infrastructure;

/// <summary>
/// The real host (Program) in memory over a database, Redis and key prefix the test chooses, with the four API keys
/// of <see cref="ApiFactory"/> and, optionally, logging configured by the test (a capturing provider, a lower
/// minimum level). For tests that need a host of their own rather than the shared <see cref="ApiFactory"/> fixture,
/// or another replica beside it (<see cref="Beside"/>): two hosts over one database and key prefix are two API
/// replicas sharing one ledger, as two pods behind a Service are.
/// </summary>
public sealed class ConfiguredApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<ILoggingBuilder>? _logging;

    /// <param name="connectionString">The database: on the shared test server, the host connects as the application's
    /// user and migrates as the schema's owner (<see cref="TestServers.AsLedgerUsers"/>).</param>
    /// <param name="redisConnectionString">ConnectionStrings:Redis.</param>
    /// <param name="migrateOnStartup">Ledger:MigrateOnStartup.</param>
    /// <param name="logging">Runs after the default (Warning) minimum level is set; null keeps the default.</param>
    /// <param name="extraSettings">More configuration, applied last.</param>
    /// <param name="keyPrefix">Ledger:Cache:KeyPrefix; null makes one of its own.</param>
    public ConfiguredApiFactory(
        string connectionString,
        string redisConnectionString,
        bool migrateOnStartup,
        Action<ILoggingBuilder>? logging = null,
        IReadOnlyDictionary<string, string?>? extraSettings = null,
        string? keyPrefix = null)
    {
        _logging = logging;
        KeyPrefix = keyPrefix ?? $"test:api:{Guid.NewGuid():N}:";
        var (app, migrator) = TestServers.AsLedgerUsers(connectionString);
        _settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings:Ledger"] = app,
            ["ConnectionStrings:LedgerMigrator"] = migrator,
            ["ConnectionStrings:Redis"] = redisConnectionString,
            ["Ledger:Cache:KeyPrefix"] = KeyPrefix,
            ["Ledger:MigrateOnStartup"] = migrateOnStartup ? "true" : "false",
        };
        ApiFactory.AddTestSettings(_settings);
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string KeyPrefix { get; }

    /// <summary>Another replica next to <paramref name="primary"/> (the same database, Redis and key prefix), with
    /// <paramref name="settings"/> on top; started now, so a start-up failure shows here rather than mid-test.</summary>
    public static ConfiguredApiFactory Beside(ApiFactory primary, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        var replica = new ConfiguredApiFactory(primary.ConnectionString, primary.RedisConnectionString, migrateOnStartup: false,
            extraSettings: settings, keyPrefix: primary.KeyPrefix);
        _ = replica.Server;
        return replica;
    }

    /// <summary>A client that sends <paramref name="key"/> as X-Api-Key (no header when null).</summary>
    public HttpClient CreateClient(string? key)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add(ApiFactory.ApiKeyHeader, key);
        }

        return client;
    }

    /// <summary>Opens an account through the API (as tester-poster, or tester-banker when it has an overdraft limit)
    /// and returns its id.</summary>
    public async Task<string> CreateAccountAsync(decimal overdraftLimit = 0m, string label = "api", string currency = "USD")
    {
        var id = Ids.Account(label);
        using var client = CreateClient(overdraftLimit > 0m ? ApiFactory.BankerKey : ApiFactory.PosterKey);
        using var response = await ApiFactory.PostJsonAsync(client, "/v1/accounts",
            JsonSerializer.Serialize(new { id, currency, overdraftLimit }));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        return id;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
        builder.ConfigureLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            _logging?.Invoke(logging);
        });
    }
}
