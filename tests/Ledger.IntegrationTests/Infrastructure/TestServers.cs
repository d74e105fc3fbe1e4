using DotNet.Testcontainers.Builders;
using MySqlConnector;
using Testcontainers.MySql;
using Testcontainers.Redis;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>
/// Finds the MariaDB/MySQL and Redis servers the tests run against: <c>LEDGER_TEST_MYSQL</c> and
/// <c>LEDGER_TEST_REDIS</c> when set (scripts/test.sh sets them after starting local servers); otherwise, where a
/// Docker engine answers, MySQL 8.0 and Redis containers; otherwise the tests fail and name the command to run.
/// </summary>
public static class TestServers
{
    public const string MySqlVariable = "LEDGER_TEST_MYSQL";
    public const string RedisVariable = "LEDGER_TEST_REDIS";
    public const string MySqlAppVariable = "LEDGER_TEST_MYSQL_APP";
    public const string MySqlMigratorVariable = "LEDGER_TEST_MYSQL_MIGRATOR";

    public const string HowToStart =
        "No test servers. Run the tests with `bash scripts/test.sh` (it installs and starts local MariaDB and Redis), " +
        "or start them with `bash scripts/servers-up.sh` and then `eval \"$(bash scripts/servers-up.sh --print-env)\"` " +
        $"to set {MySqlVariable} and {RedisVariable}; a Docker engine, where there is one, is used instead.";

    private static readonly Lazy<Task<Endpoints>> Shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The server connection strings; <paramref name="MySql"/> names a user that may create <c>ledger%</c>
    /// databases; <paramref name="MySqlApp"/> and <paramref name="MySqlMigrator"/> name the two users of db/grants.sql
    /// (<c>ledger_app</c>, <c>ledger_migrator</c>), granted on every <c>ledger%</c> database; null when not given.</summary>
    public sealed record Endpoints(string MySql, string Redis, bool FromContainers, string? MySqlApp = null, string? MySqlMigrator = null);

    public static Task<Endpoints> GetAsync() => Shared.Value;

    /// <summary>The two ledger connection strings for a database on the shared test server, as a deployment uses them:
    /// the application's user (<c>ledger_app</c>, SELECT and EXECUTE only) and the schema's owner
    /// (<c>ledger_migrator</c>), each naming the database <paramref name="connectionString"/> names. A connection
    /// string for another server (a MariaDB of a test's own), or when the two users are not given, is returned for
    /// both unchanged.</summary>
    public static (string App, string Migrator) AsLedgerUsers(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        if (!Shared.IsValueCreated || !Shared.Value.IsCompletedSuccessfully)
        {
            return (connectionString, connectionString);
        }

        var servers = Shared.Value.Result;
        var given = new MySqlConnectionStringBuilder(connectionString);
        var shared = new MySqlConnectionStringBuilder(servers.MySql);
        if (servers.MySqlApp is null || servers.MySqlMigrator is null
            || !string.Equals(given.Server, shared.Server, StringComparison.OrdinalIgnoreCase) || given.Port != shared.Port
            || !string.Equals(given.UserID, shared.UserID, StringComparison.Ordinal))
        {
            return (connectionString, connectionString);
        }

        string As(string user)
        {
            var builder = new MySqlConnectionStringBuilder(user) { Database = given.Database };
            // Keep what the test set beyond the user (pool sizes, time-outs, application name).
            foreach (var key in given.Keys.Cast<string>())
            {
                if (key is not ("User ID" or "Password" or "Server" or "Port" or "Database") && given.TryGetValue(key, out var value))
                {
                    builder[key] = value;
                }
            }

            return builder.ConnectionString;
        }

        return (As(servers.MySqlApp), As(servers.MySqlMigrator));
    }

    private static async Task<Endpoints> StartAsync()
    {
        var mysql = Environment.GetEnvironmentVariable(MySqlVariable);
        var redis = Environment.GetEnvironmentVariable(RedisVariable);
        if (!string.IsNullOrWhiteSpace(mysql) && !string.IsNullOrWhiteSpace(redis))
        {
            return new Endpoints(mysql, redis, FromContainers: false,
                Environment.GetEnvironmentVariable(MySqlAppVariable), Environment.GetEnvironmentVariable(MySqlMigratorVariable));
        }

        MySqlContainer mysqlContainer;
        RedisContainer redisContainer;
        try
        {
            mysqlContainer = new MySqlBuilder("mysql:8.0").WithUsername("root").WithPassword("ledger-test").Build();
            redisContainer = new RedisBuilder("redis:7.0").Build();
        }
        catch (DockerUnavailableException ex)
        {
            throw new InvalidOperationException(HowToStart, ex);
        }

        await Task.WhenAll(mysqlContainer.StartAsync(), redisContainer.StartAsync());
        var builder = new MySqlConnectionStringBuilder(mysqlContainer.GetConnectionString()) { Database = "ledger" };
        await CreateRoleUsersAsync(builder.ConnectionString);
        return new Endpoints(builder.ConnectionString, redisContainer.GetConnectionString(), FromContainers: true,
            new MySqlConnectionStringBuilder(builder.ConnectionString) { UserID = "ledger_app", Password = RolePassword }.ConnectionString,
            new MySqlConnectionStringBuilder(builder.ConnectionString) { UserID = "ledger_migrator", Password = RolePassword }.ConnectionString);
    }

    private const string RolePassword = "ledger-test";

    /// <summary>As scripts/servers-up.sh does: the users of db/grants.sql, granted on every <c>ledger%</c> database.</summary>
    private static async Task CreateRoleUsersAsync(string rootConnectionString)
    {
        var grants = string.Join('\n', Ledger.Testing.Repository.ReadText("db/grants.sql").Split('\n').Where(line => !line.StartsWith("--", StringComparison.Ordinal)))
            .Replace("ON `ledger`.*", "ON `ledger%`.*", StringComparison.Ordinal);
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(rootConnectionString) { Database = string.Empty }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(
            $"CREATE USER 'ledger_app'@'%' IDENTIFIED BY '{RolePassword}'; CREATE USER 'ledger_migrator'@'%' IDENTIFIED BY '{RolePassword}'; {grants}",
            connection);
        await command.ExecuteNonQueryAsync();
    }
}
