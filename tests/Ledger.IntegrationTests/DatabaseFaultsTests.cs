using Ledger.Testing;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>What <see cref="DatabaseFaults.IsUnavailable"/> and <see cref="DatabaseFaults.IsMisconfigured"/> say of the
/// errors a real server and client give: a refused connection and a connection killed mid-statement are "unavailable,
/// retry"; a refused login and a missing privilege are a misconfigured deployment; a value out of range is neither
/// (retrying cannot cure the last two kinds, so the API answers 500 and no outage is counted).</summary>
public sealed class DatabaseFaultsTests
{
    [Fact]
    public async Task ConnectionRefused_IsUnavailable()
    {
        var exception = await RealDatabaseErrors.ConnectionRefusedAsync();

        Assert.True(DatabaseFaults.IsUnavailable(exception), exception.ToString());
        Assert.False(DatabaseFaults.IsMisconfigured(exception), exception.ToString());
        Assert.True(DatabaseFaults.IsDatabaseError(exception), exception.ToString());
    }

    [Fact]
    public async Task ConnectionKilledMidStatement_IsUnavailable()
    {
        var connectionString = new MySqlConnectionStringBuilder((await TestServers.GetAsync()).MySql) { Pooling = false }.ConnectionString;
        await using var victim = new MySqlConnection(connectionString);
        await victim.OpenAsync();
        var victimId = victim.ServerThread;
        await using var sleep = new MySqlCommand("SELECT SLEEP(60)", victim);
        var running = sleep.ExecuteScalarAsync();

        await using (var killer = new MySqlConnection(connectionString))
        {
            await killer.OpenAsync();
            // The statement must be running before it is cut off, or the kill would only close an idle session.
            await Eventually.UntilAsync(async () =>
            {
                await using var look = new MySqlCommand("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = @id AND INFO LIKE 'SELECT SLEEP%'", killer);
                look.Parameters.AddWithValue("@id", victimId);
                return Convert.ToInt64(await look.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) == 1;
            }, "the victim's SELECT SLEEP(60) to be running");
            await using var kill = new MySqlCommand($"KILL CONNECTION {victimId}", killer);
            await kill.ExecuteNonQueryAsync();
        }

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => running);
        Assert.True(DatabaseFaults.IsUnavailable(exception), exception.ToString());
    }

    [Fact]
    public async Task ValueOutOfRange_IsNotUnavailable()
    {
        var exception = await RealDatabaseErrors.ValueOutOfRangeAsync();

        Assert.Equal(MySqlErrorCode.DataOutOfRange, exception.ErrorCode);
        Assert.False(DatabaseFaults.IsUnavailable(exception), exception.ToString());
        Assert.False(DatabaseFaults.IsMisconfigured(exception), exception.ToString());
    }

    [Fact]
    public async Task PrivilegeMissing_IsMisconfiguredNotUnavailable()
    {
        var servers = await TestServers.GetAsync();
        Assert.False(string.IsNullOrEmpty(servers.MySqlApp), $"{TestServers.MySqlAppVariable} is not set. {TestServers.HowToStart}");
        var app = new MySqlConnectionStringBuilder(servers.MySqlApp)
        {
            Database = new MySqlConnectionStringBuilder(await TestDatabase.GetAsync(LedgerFixture.DatabaseName)).Database,
        };

        // The application's user holds SELECT and EXECUTE only.
        var exception = await Assert.ThrowsAsync<MySqlException>(async () =>
        {
            await using var connection = new MySqlConnection(app.ConnectionString);
            await connection.OpenAsync();
            await using var write = new MySqlCommand("DELETE FROM outbox WHERE id = -1", connection);
            await write.ExecuteNonQueryAsync();
        });

        Assert.Equal(1142, exception.Number);
        Assert.True(DatabaseFaults.IsMisconfigured(exception), exception.ToString());
        Assert.True(DatabaseFaults.IsDatabaseError(new InvalidOperationException("wrapped", exception)));
        Assert.StartsWith("1142: DELETE command denied to user 'ledger_app'", DatabaseFaults.ServerError(new InvalidOperationException("wrapped", exception)), StringComparison.Ordinal);
        Assert.False(DatabaseFaults.IsUnavailable(exception), exception.ToString());
    }

    [Fact]
    public async Task LoginRefused_IsNotUnavailable()
    {
        var wrongPassword = new MySqlConnectionStringBuilder((await TestServers.GetAsync()).MySql)
        {
            Password = "not-the-password-" + Guid.NewGuid().ToString("N"),
            Pooling = false,
        };

        var exception = await Assert.ThrowsAsync<MySqlException>(async () =>
        {
            await using var connection = new MySqlConnection(wrongPassword.ConnectionString);
            await connection.OpenAsync();
        });

        Assert.Equal(MySqlErrorCode.AccessDenied, exception.ErrorCode);
        Assert.False(DatabaseFaults.IsUnavailable(exception), exception.ToString());
        Assert.True(DatabaseFaults.IsMisconfigured(exception), exception.ToString());
    }
}
