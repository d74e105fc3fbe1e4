using MySqlConnector;

namespace Ledger;

/// <summary>Connection strings as an operator may read them in a log: where they lead, never the password.</summary>
public static class LedgerConnection
{
    /// <summary>The database, server, port and user a MySqlConnector connection string names, as
    /// <c>database 'ledger' on db.internal:3306 as 'ledger_app'</c>; never the password or any other option.</summary>
    /// <param name="connectionString">A MySqlConnector connection string (any of its key spellings).</param>
    /// <returns>The description.</returns>
    /// <exception cref="ArgumentException">The connection string does not parse.</exception>
    public static string Describe(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var builder = new MySqlConnectionStringBuilder(connectionString);
        return $"database '{builder.Database}' on {builder.Server}:{builder.Port} as '{builder.UserID}'";
    }
}
