using Ledger.Cache;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using StackExchange.Redis;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>A ledger wired exactly as a host wires it (AddLedger), against the real test database and Redis, with a
/// key prefix of its own so no two fixtures see each other's cache entries.</summary>
public class LedgerFixture : IAsyncLifetime
{
    public const string DatabaseName = "ledger_it_core";
    private readonly string _databaseName;

    private readonly List<ServiceProvider> _providers = [];

    public LedgerFixture()
        : this(DatabaseName)
    {
    }

    /// <summary>A fixture on a database of its own, for tests that hold locks or change the schema (triggers) and so
    /// must not share tables with tests running beside them.</summary>
    protected LedgerFixture(string databaseName) => _databaseName = databaseName;

    public string ConnectionString { get; private set; } = string.Empty;

    public string RedisConnectionString { get; private set; } = string.Empty;

    public string KeyPrefix { get; } = $"test:{Guid.NewGuid():N}:";

    /// <summary>The database's ledger identity (<c>ledger_instance.id</c>), which every cache key carries.</summary>
    public string LedgerIdentity { get; private set; } = string.Empty;

    public ILedger Ledger { get; private set; } = null!;

    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var servers = await TestServers.GetAsync();
        ConnectionString = await TestDatabase.GetAsync(_databaseName);
        LedgerIdentity = await CacheKeys.LedgerIdentityAsync(ConnectionString);
        RedisConnectionString = servers.Redis;
        Redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis);
        Ledger = CreateLedger();
    }

    /// <summary>Another ledger over the same database, optionally with other options (a different Redis, retries).</summary>
    public ILedger CreateLedger(Action<LedgerOptions>? configure = null, TimeProvider? timeProvider = null) =>
        CreateServices(configure, timeProvider).GetRequiredService<ILedger>();

    public ServiceProvider CreateServices(Action<LedgerOptions>? configure = null, TimeProvider? timeProvider = null) =>
        CreateServices(configure, timeProvider, register: null);

    /// <summary>As <see cref="CreateServices(Action{LedgerOptions}?, TimeProvider?)"/>, with services of the test's own
    /// registered before AddLedger, so they take the place of the ledger's (AddLedger adds only what is missing).</summary>
    public ServiceProvider CreateServices(Action<LedgerOptions>? configure, TimeProvider? timeProvider, Action<IServiceCollection>? register)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        register?.Invoke(services);

        services.AddLedger(options =>
        {
            options.ConnectionString = ConnectionString;
            options.RedisConnectionString = RedisConnectionString;
            options.Cache.KeyPrefix = KeyPrefix;
            configure?.Invoke(options);
            // Whatever database the test chose: the application's user (SELECT and EXECUTE only) for the ledger, the
            // schema's owner for its migrations, unless the test named a migrator of its own.
            if (string.IsNullOrEmpty(options.MigrationConnectionString))
            {
                (options.ConnectionString, options.MigrationConnectionString) = TestServers.AsLedgerUsers(options.ConnectionString);
            }
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        lock (_providers)
        {
            _providers.Add(provider);
        }

        return provider;
    }

    /// <summary>The key of an account's cached balance for the fixture's own ledger (its database and key prefix).</summary>
    public string CacheKey(string accountId) => CacheKeys.For(KeyPrefix, LedgerIdentity, accountId);

    public async Task<string> CreateAccountAsync(string currency = "USD", decimal overdraftLimit = 0m, string label = "acct")
    {
        var result = await Ledger.CreateAccountAsync(new CreateAccountRequest
        {
            Id = Ids.Account(label),
            Currency = currency,
            OverdraftLimit = overdraftLimit,
            Actor = "test",
        });
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value!.Id;
    }

    /// <summary>An account holding <paramref name="amount"/>, funded from a fresh account allowed to overdraw.</summary>
    public async Task<string> CreateFundedAccountAsync(decimal amount, string currency = "USD", string label = "funded")
    {
        var bank = await CreateAccountAsync(currency, overdraftLimit: 1_000_000_000m, label: "bank");
        var account = await CreateAccountAsync(currency, label: label);
        var posted = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = bank,
            DestinationAccountId = account,
            Amount = amount,
            PostedBy = "test",
        });
        Assert.True(posted.IsSuccess, posted.ToString());
        return account;
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(result!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The database's own view of an account: balance, version, and how many entries it has.</summary>
    public async Task<(long Balance, long Version, long Entries)> AccountStateAsync(string accountId)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            "SELECT a.balance, a.version, (SELECT COUNT(*) FROM entries e WHERE e.account_id = a.id) " +
            "FROM accounts a WHERE a.id = @id", connection);
        command.Parameters.AddWithValue("@id", accountId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"account {accountId} not found");
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }
}

/// <summary>The database of the tests that hold row locks on purpose: nothing else runs there.</summary>
public sealed class IsolatedLedgerFixture : LedgerFixture
{
    public IsolatedLedgerFixture()
        : base("ledger_it_isolated")
    {
    }
}

/// <summary>The database of the test that creates a trigger (DDL) for a moment: DDL waits for every open transaction
/// on the table and makes the statements behind it wait, and it makes the server re-check the procedures that use the
/// table, so it runs where no other test is.</summary>
public sealed class SchemaChangingLedgerFixture : LedgerFixture
{
    public SchemaChangingLedgerFixture()
        : base("ledger_it_schema")
    {
    }
}


/// <summary>The database of the outbox sweeper's tests: a sweeper claims every unpublished row of its database, so
/// no other test's rows may be there.</summary>
public sealed class OutboxLedgerFixture : LedgerFixture
{
    public OutboxLedgerFixture()
        : base("ledger_it_outbox")
    {
    }
}

/// <summary>The database of <see cref="GuardFailureTests"/>, whose posting procedure is replaced by one that always
/// fails its version guard.</summary>
public sealed class GuardFailureLedgerFixture : LedgerFixture
{
    public GuardFailureLedgerFixture()
        : base("ledger_it_guard")
    {
    }
}
