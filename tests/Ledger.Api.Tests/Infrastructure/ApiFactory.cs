using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Ledger.Api.Tests.Infrastructure;

/// <summary>
/// The real host (Program) in memory, against the real test database <c>ledger_it_api</c> and the test Redis, with
/// a cache key prefix of its own and four API keys. The environment is <c>Testing</c>, so
/// appsettings.Development.json (and its development key) is not loaded. Tests stay independent by opening accounts
/// of their own through <see cref="CreateAccountAsync"/>.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string DatabaseName = "ledger_it_api";

    public const string PosterName = "tester-poster";
    public const string PosterKey = "tester-poster-key-0123456789-abcdefghij";
    public const string ReaderName = "tester-reader";
    public const string ReaderKey = "tester-reader-key-0123456789-abcdefghij";
    public const string PosterOnlyName = "tester-poster-only";
    public const string PosterOnlyKey = "tester-poster-only-key-0123456789-abcdefghij";
    public const string AdminName = "tester-admin";
    public const string AdminKey = "tester-admin-key-0123456789-abcdefghij";
    public const string BankerName = "tester-banker";
    public const string BankerKey = "tester-banker-key-0123456789-abcdefghij";

    public const string ApiKeyHeader = "X-Api-Key";
    public const string CorrelationHeader = "X-Correlation-ID";

    /// <summary>The bank accounts that fund test accounts may go this far below zero.</summary>
    private const decimal BankOverdraft = 1_000_000_000m;

    public string ConnectionString { get; private set; } = string.Empty;

    public string RedisConnectionString { get; private set; } = string.Empty;

    public string KeyPrefix { get; } = $"test:api:{Guid.NewGuid():N}:";

    public async Task InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        RedisConnectionString = servers.Redis;
        ConnectionString = await TestDatabase.GetAsync(DatabaseName);
        // Starts the host now, so a start-up failure (options validation, configuration) fails here, once.
        _ = Server;
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var (app, migrator) = TestServers.AsLedgerUsers(ConnectionString);
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ConnectionStrings:Ledger"] = app,
            ["ConnectionStrings:LedgerMigrator"] = migrator,
            ["ConnectionStrings:Redis"] = RedisConnectionString,
            ["Ledger:Cache:KeyPrefix"] = KeyPrefix,
            ["Ledger:MigrateOnStartup"] = "false",
        };
        AddTestSettings(settings);

        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        // Also added as the last configuration source, so nothing in appsettings.json can override it.
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }

    /// <summary>A client that sends <paramref name="key"/> as X-Api-Key (no header when null).</summary>
    public HttpClient CreateClient(string? key)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add(ApiKeyHeader, key);
        }

        return client;
    }

    /// <summary>Opens an account through the API (as tester-poster) and returns its id.</summary>
    public async Task<string> CreateAccountAsync(string currency = "USD", decimal overdraftLimit = 0m, string label = "api")
    {
        var id = Ids.Account(label);
        using var client = CreateClient(overdraftLimit > 0m ? BankerKey : PosterKey);
        using var response = await PostJsonAsync(client, "/v1/accounts", JsonSerializer.Serialize(new
        {
            id,
            currency,
            overdraftLimit,
        }));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await DescribeAsync(response));
        return id;
    }

    /// <summary>Moves <paramref name="amount"/> into <paramref name="accountId"/> from a fresh bank account that may
    /// overdraw, and returns the transfer id.</summary>
    public async Task<Guid> FundAsync(string accountId, decimal amount, string currency = "USD")
    {
        var bank = await CreateAccountAsync(currency, BankOverdraft, "bank");
        var id = Guid.CreateVersion7();
        using var client = CreateClient(PosterKey);
        using var response = await PostJsonAsync(client, "/v1/transfers", JsonSerializer.Serialize(new
        {
            id,
            sourceAccountId = bank,
            destinationAccountId = accountId,
            amount,
        }));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await DescribeAsync(response));
        return id;
    }

    /// <summary>An account holding <paramref name="amount"/>.</summary>
    public async Task<string> CreateFundedAccountAsync(decimal amount, string currency = "USD", string label = "funded")
    {
        var account = await CreateAccountAsync(currency, label: label);
        await FundAsync(account, amount, currency);
        return account;
    }

    /// <summary>The balance and version the API reports (as tester-poster, who may read).</summary>
    public async Task<(decimal Balance, long Version)> GetBalanceAsync(string accountId)
    {
        using var client = CreateClient(PosterKey);
        using var response = await client.GetAsync(new Uri($"/v1/accounts/{Uri.EscapeDataString(accountId)}/balance", UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await DescribeAsync(response));
        var body = await ReadJsonAsync(response);
        return (body.GetProperty("balance").GetDecimal(), body.GetProperty("version").GetInt64());
    }

    /// <summary>How many transfer rows the database holds with this id (0 or 1), read directly.</summary>
    public async Task<long> CountTransfersAsync(Guid transferId)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM ledger_transfers WHERE id = @id", connection);
        command.Parameters.AddWithValue("@id", transferId.ToByteArray(bigEndian: true));
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>How many account rows the database holds with this id (0 or 1), read directly.</summary>
    public async Task<long> CountAccountsAsync(string accountId)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        // Compared as bytes: the column is ASCII, and a test may ask about an id that is not (which must not exist).
        await using var command = new MySqlCommand(
            "SELECT COUNT(*) FROM accounts WHERE CAST(id AS BINARY) = CAST(@id AS BINARY)", connection);
        command.Parameters.AddWithValue("@id", accountId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, string json, string mediaType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(client);
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        return await client.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Status and body, for assertion messages.</summary>
    public static async Task<string> DescribeAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return $"{(int)response.StatusCode} {response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
    }

    /// <summary>What every test host has, in-memory or a process: Swagger served (whatever the environment), and the test
    /// keys as Auth:ApiKeys settings: a poster (and reader), a reader, a poster alone, an admin (and reader), and a banker
    /// with all three roles, who may open accounts with an overdraft limit.</summary>
    internal static void AddTestSettings(IDictionary<string, string?> settings)
    {
        settings["Api:SwaggerEnabled"] = "true";
        (string Name, string Key, string[] Roles)[] keys =
        [
            (PosterName, PosterKey, ["poster", "reader"]),
            (ReaderName, ReaderKey, ["reader"]),
            (PosterOnlyName, PosterOnlyKey, ["poster"]),
            (AdminName, AdminKey, ["admin", "reader"]),
            (BankerName, BankerKey, ["poster", "admin", "reader"]),
        ];
        for (var index = 0; index < keys.Length; index++)
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"Auth:ApiKeys:{index}:");
            settings[prefix + "Name"] = keys[index].Name;
            settings[prefix + "Key"] = keys[index].Key;
            for (var i = 0; i < keys[index].Roles.Length; i++)
            {
                settings[string.Create(CultureInfo.InvariantCulture, $"{prefix}Roles:{i}")] = keys[index].Roles[i];
            }
        }
    }
}
