using MySqlConnector;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>The balance cache's keys as the tests expect them, computed here rather than asked of the library, so a
/// change of their shape shows: <c>{prefix}{ledger identity}:{{account}}:balance</c>.</summary>
public static class CacheKeys
{
    public static string For(string keyPrefix, string ledgerIdentity, string accountId) =>
        $"{keyPrefix}{ledgerIdentity}:{{{accountId}}}:balance";

    /// <summary>The ledger identity of the database <paramref name="connectionString"/> names (<c>ledger_instance.id</c>).</summary>
    public static async Task<string> LedgerIdentityAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT id FROM ledger_instance", connection);
        var id = await command.ExecuteScalarAsync() as string;
        Assert.False(string.IsNullOrEmpty(id), $"database {connection.Database} has no ledger identity");
        return id;
    }
}
