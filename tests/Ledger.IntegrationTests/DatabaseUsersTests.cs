using Ledger.Outbox;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>
/// The two database users of db/grants.sql, as scripts/servers-up.sh creates them: <c>ledger_migrator</c> applies the
/// scripts and so defines the procedures; <c>ledger_app</c>, the application's user, holds SELECT and EXECUTE only.
/// The application must work through the procedures alone, and must not be able to rewrite history or drop the
/// triggers that keep it append-only.
/// </summary>
public sealed class DatabaseUsersTests : IAsyncLifetime
{
    // Access denied: to a table (1142), a column (1143), a routine (1370), the database (1044), a global privilege (1227).
    private static readonly int[] AccessDenied = [1142, 1143, 1370, 1044, 1227];

    private readonly string _database = $"ledger_it_users_{Guid.NewGuid():N}"[..32];
    private TestServers.Endpoints _servers = null!;
    private string _app = string.Empty;
    private string _migrator = string.Empty;

    public static TheoryData<string> ForbiddenToTheApplication => new()
    {
        "DROP TRIGGER trg_entries_no_delete",
        "DROP TRIGGER trg_transfers_no_update",
        "DELETE FROM entries",
        "UPDATE accounts SET balance = balance + 100",
        "INSERT INTO entries (transfer_id, account_id, account_version, amount, balance_after, posted_at) " +
            "VALUES (UNHEX(REPLACE(UUID(), '-', '')), 'x', 1, 1, 1, NOW())",
        "UPDATE outbox SET published_at = NOW()",
        "DELETE FROM outbox",
        "TRUNCATE TABLE transfers",
        "ALTER TABLE accounts ADD COLUMN stolen INT",
        "DROP TABLE audit_log",
        "DROP PROCEDURE ledger_post_transactions",
        "CREATE PROCEDURE ledger_steal() SELECT 1",
        "CREATE TABLE stolen (id INT)",
        "INSERT INTO ledger_schema_journal (script_name, applied_at) VALUES ('migrations/9999_x.sql', NOW())",
        "UPDATE ledger_instance SET id = 'another-ledger'",
        "DELETE FROM ledger_instance",
    };

    public async Task InitializeAsync()
    {
        _servers = await TestServers.GetAsync();
        Assert.False(string.IsNullOrEmpty(_servers.MySqlApp), $"{TestServers.MySqlAppVariable} is not set. {TestServers.HowToStart}");
        Assert.False(string.IsNullOrEmpty(_servers.MySqlMigrator), $"{TestServers.MySqlMigratorVariable} is not set. {TestServers.HowToStart}");
        _app = new MySqlConnectionStringBuilder(_servers.MySqlApp) { Database = _database }.ConnectionString;
        _migrator = new MySqlConnectionStringBuilder(_servers.MySqlMigrator) { Database = _database }.ConnectionString;

        // The migrator creates the database and everything in it, as the migration Job does.
        await using var provider = Services();
        var result = await provider.GetRequiredService<ILedger>().MigrateAsync();
        Assert.NotEmpty(result.ScriptsApplied);
    }

    public async Task DisposeAsync()
    {
        var admin = new MySqlConnectionStringBuilder(_servers.MySql) { Database = string.Empty }.ConnectionString;
        await using var connection = new MySqlConnection(admin);
        await connection.OpenAsync();
        await using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{_database}`", connection);
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Procedures_AfterMigration_AreDefinedByTheMigratorAndRunWithItsRights()
    {
        var definers = await ScalarAsync<string>(_app,
            "SELECT GROUP_CONCAT(DISTINCT CONCAT(DEFINER, ' ', SECURITY_TYPE)) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()");

        Assert.StartsWith("ledger_migrator@", definers, StringComparison.Ordinal);
        Assert.EndsWith(" DEFINER", definers, StringComparison.Ordinal);
        Assert.DoesNotContain(",", definers, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ForbiddenToTheApplication))]
    public async Task ApplicationUser_DdlOrWritingATableDirectly_IsDeniedAndChangesNothing(string sql)
    {
        var schemaBefore = await SchemaFingerprintAsync();

        var exception = await Assert.ThrowsAsync<MySqlException>(() => ExecuteAsync(_app, sql));

        Assert.Contains(exception.Number, AccessDenied);
        Assert.Equal(schemaBefore, await SchemaFingerprintAsync());
    }

    [Fact]
    public async Task ApplicationUser_ThroughTheProcedures_OpensPostsReversesSweepsAndVerifies()
    {
        foreach (var batching in new[] { false, true })
        {
            await using var provider = Services(options => options.Batching.Enabled = batching);
            var ledger = provider.GetRequiredService<ILedger>();

            var bank = await ledger.CreateAccountAsync(new CreateAccountRequest { Id = Ids.Account("bank"), Currency = "EUR", Actor = "test" });
            Assert.True(bank.IsSuccess, bank.ToString());
            var limit = await ledger.SetOverdraftLimitAsync(new SetOverdraftLimitRequest { AccountId = bank.Value!.Id, OverdraftLimit = 1000m, Actor = "test" });
            Assert.True(limit.IsSuccess, limit.ToString());
            var customer = await ledger.CreateAccountAsync(new CreateAccountRequest { Id = Ids.Account("cust"), Currency = "EUR", Actor = "test" });
            var posted = await ledger.PostTransferAsync(new PostTransferRequest
            {
                SourceAccountId = bank.Value.Id, DestinationAccountId = customer.Value!.Id, Amount = 12.34m, PostedBy = "test",
            });
            Assert.True(posted.IsSuccess, posted.ToString());
            var refused = await ledger.PostTransferAsync(new PostTransferRequest
            {
                SourceAccountId = customer.Value.Id, DestinationAccountId = bank.Value.Id, Amount = 99m, PostedBy = "test",
            });
            Assert.Equal(LedgerErrorCode.InsufficientFunds, refused.Error?.Code);
            var reversed = await ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = posted.Value!.Id, PostedBy = "test" });
            Assert.True(reversed.IsSuccess, reversed.ToString());

            var balance = await ledger.GetBalanceAsync(customer.Value.Id);
            Assert.Equal(0m, balance.Value!.Amount.Amount);
        }

        await using (var provider = Services())
        {
            var store = provider.GetRequiredService<IOutboxStore>();
            long claimed;
            await using (var claim = await store.ClaimAsync(1000, CancellationToken.None))
            {
                claimed = claim.RowIds.Count;
                Assert.True(claimed >= 8, $"claimed {claimed} outbox rows");
                await claim.MarkPublishedAsync(DateTime.UtcNow.AddMinutes(-1), CancellationToken.None);
            }

            Assert.Null(await store.GetBacklogAsync(CancellationToken.None));
            Assert.Equal(claimed, await store.PruneAsync(DateTime.UtcNow, CancellationToken.None));

            var report = await provider.GetRequiredService<ILedger>().VerifyAsync();
            Assert.True(report.Ok, string.Join("; ", report.Mismatches));
            Assert.Equal(4, report.CheckedTransfers);
        }
    }

    [Fact]
    public async Task ApplicationUser_WithACache_ReadsTheLedgerIdentityAndAnswersFromTheCache()
    {
        // The cache's keys carry ledger_instance.id, which the application's SELECT is enough to read.
        var prefix = $"test:users:{Guid.NewGuid():N}:";
        await using var provider = Services(options =>
        {
            options.RedisConnectionString = _servers.Redis;
            options.Cache.KeyPrefix = prefix;
        });
        var ledger = provider.GetRequiredService<ILedger>();
        var account = await ledger.CreateAccountAsync(new CreateAccountRequest { Id = Ids.Account("cached"), Currency = "EUR", Actor = "test" });
        Assert.True(account.IsSuccess, account.ToString());

        var first = await ledger.GetBalanceAsync(account.Value!.Id);
        var second = await ledger.GetBalanceAsync(account.Value.Id);

        Assert.Equal(BalanceSource.Database, first.Value?.Source);
        Assert.Equal(BalanceSource.Cache, second.Value?.Source);
        Assert.True(await provider.GetRequiredService<Ledger.Cache.IBalanceCache>().PingAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ApplicationUser_Migrating_IsRefusedAndCreatesNothing()
    {
        var fresh = $"ledger_it_users_{Guid.NewGuid():N}"[..32];
        await using var provider = Services(options =>
        {
            options.ConnectionString = new MySqlConnectionStringBuilder(_app) { Database = fresh }.ConnectionString;
            options.MigrationConnectionString = null;
        });

        var exception = await Assert.ThrowsAsync<LedgerMigrationException>(() => provider.GetRequiredService<ILedger>().MigrateAsync());

        var denied = Assert.IsType<MySqlException>(exception.InnerException);
        Assert.Contains(denied.Number, AccessDenied);
        Assert.Equal(0L, await ScalarAsync<long>(
            new MySqlConnectionStringBuilder(_servers.MySql) { Database = string.Empty }.ConnectionString,
            $"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{fresh}'"));
    }

    /// <summary>A host's ledger: the application's user for everything, the migrator's for <see cref="ILedger.MigrateAsync"/>.</summary>
    private ServiceProvider Services(Action<LedgerOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLedger(options =>
        {
            options.ConnectionString = _app;
            options.MigrationConnectionString = _migrator;
            configure?.Invoke(options);
        });
        return services.BuildServiceProvider();
    }

    /// <summary>Every table, trigger and routine of the database with its definition's length: any DDL changes it.</summary>
    private Task<string> SchemaFingerprintAsync() => ScalarAsync<string>(_migrator,
        "SELECT CONCAT_WS('|', " +
        "(SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()), " +
        "(SELECT GROUP_CONCAT(CONCAT(TABLE_NAME, '.', COLUMN_NAME) ORDER BY TABLE_NAME, ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()), " +
        "(SELECT GROUP_CONCAT(TRIGGER_NAME ORDER BY TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()), " +
        "(SELECT GROUP_CONCAT(CONCAT(ROUTINE_NAME, ':', LENGTH(ROUTINE_DEFINITION)) ORDER BY ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()), " +
        "(SELECT COUNT(*) FROM entries), (SELECT COUNT(*) FROM transactions), (SELECT COALESCE(SUM(balance), 0) FROM accounts), " +
        "(SELECT COUNT(*) FROM outbox WHERE published_at IS NULL), (SELECT COUNT(*) FROM ledger_schema_journal), " +
        "(SELECT GROUP_CONCAT(id) FROM ledger_instance))");

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
