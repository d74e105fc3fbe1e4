using Ledger.Testing;
using MySqlConnector;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>Exceptions as the real client and server give them (MySqlConnector does not let its exceptions be made by
/// hand), for the tests of what a database failure means.</summary>
public static class RealDatabaseErrors
{
    /// <summary>Opening a connection to a port where nothing listens.</summary>
    public static async Task<Exception> ConnectionRefusedAsync()
    {
        var refused = new MySqlConnectionStringBuilder((await TestServers.GetAsync()).MySql)
        {
            Port = (uint)LocalPorts.Free(),
            ConnectionTimeout = 2,
            Pooling = false,
        };
        return await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var connection = new MySqlConnection(refused.ConnectionString);
            await connection.OpenAsync();
        });
    }

    /// <summary>The server's "BIGINT value is out of range", what a balance overflow once raised.</summary>
    public static async Task<MySqlException> ValueOutOfRangeAsync()
    {
        await using var connection = new MySqlConnection((await TestServers.GetAsync()).MySql);
        await connection.OpenAsync();
        await using var overflow = new MySqlCommand("SELECT CAST(9223372036854775807 AS SIGNED) + 1", connection);
        return await Assert.ThrowsAsync<MySqlException>(() => overflow.ExecuteScalarAsync());
    }
}
