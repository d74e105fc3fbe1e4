using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Ledger.Api.Tests.Infrastructure;

/// <summary>
/// Another replica of the host (Program) in memory, over a database and Redis key prefix that someone else owns:
/// two of these, or one of these next to an <see cref="ApiFactory"/>, are two API replicas sharing one ledger, as
/// two pods behind a Service are. It knows the same four API keys as <see cref="ApiFactory"/>.
/// </summary>
public sealed class ReplicaApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public ReplicaApiFactory(string connectionString, string redisConnectionString, string keyPrefix)
    {
        _settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings:Ledger"] = connectionString,
            ["ConnectionStrings:Redis"] = redisConnectionString,
            ["Ledger:Cache:KeyPrefix"] = keyPrefix,
            ["Ledger:MigrateOnStartup"] = "false",
        };
        AddKey(0, ApiFactory.PosterName, ApiFactory.PosterKey, "poster", "reader");
        AddKey(1, ApiFactory.ReaderName, ApiFactory.ReaderKey, "reader");
        AddKey(2, ApiFactory.PosterOnlyName, ApiFactory.PosterOnlyKey, "poster");
        AddKey(3, ApiFactory.AdminName, ApiFactory.AdminKey, "admin", "reader");
    }

    /// <summary>A second replica next to <paramref name="primary"/>: the same database, Redis and key prefix.</summary>
    public static ReplicaApiFactory Beside(ApiFactory primary)
    {
        ArgumentNullException.ThrowIfNull(primary);
        var replica = new ReplicaApiFactory(primary.ConnectionString, primary.RedisConnectionString, primary.KeyPrefix);
        // Starts the host now, so a start-up failure shows here rather than in the middle of a test.
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

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    private void AddKey(int index, string name, string key, params string[] roles)
    {
        var prefix = string.Create(CultureInfo.InvariantCulture, $"Auth:ApiKeys:{index}:");
        _settings[prefix + "Name"] = name;
        _settings[prefix + "Key"] = key;
        for (var i = 0; i < roles.Length; i++)
        {
            _settings[string.Create(CultureInfo.InvariantCulture, $"{prefix}Roles:{i}")] = roles[i];
        }
    }
}
