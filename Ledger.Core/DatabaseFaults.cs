using System.Net.Sockets;
using MySqlConnector;

namespace Ledger;

/// <summary>
/// The one table of what a database failure means to the caller of the ledger. The posting retry policy, the batcher
/// and the HTTP host all ask it, so "the database is unavailable" means the same everywhere.
/// </summary>
public static class DatabaseFaults
{
    // Server and client error numbers that say the connection could not be made, was lost or was cut, or that the
    // server cannot take work right now. A statement that met one of them either did nothing or has an unknown outcome
    // (a lost COMMIT), and the ledger's ids make sending it again safe.
    private static readonly HashSet<int> ConnectionNumbers =
    [
        1040, // ER_CON_COUNT_ERROR: too many connections
        1042, // ER_BAD_HOST_ERROR: MySqlConnector's "unable to connect to any of the specified hosts"
        1053, // ER_SERVER_SHUTDOWN: shutdown in progress
        1152, // ER_ABORTING_CONNECTION
        1158, 1159, 1160, 1161, // ER_NET_READ_ERROR, ER_NET_READ_INTERRUPTED, ER_NET_ERROR_ON_WRITE, ER_NET_WRITE_INTERRUPTED
        1184, // ER_NEW_ABORTING_CONNECTION
        1205, // ER_LOCK_WAIT_TIMEOUT
        1213, // ER_LOCK_DEADLOCK
        1290, // ER_OPTION_PREVENTS_STATEMENT: a read-only server (a primary being failed over)
        1317, // ER_QUERY_INTERRUPTED: the server is killing its sessions (shutdown)
        1836, // ER_READ_ONLY_MODE
        1927, // ER_CONNECTION_KILLED (MariaDB)
        2002, 2003, 2006, 2013, // client: cannot connect (socket, TCP), server gone away, lost during query
    ];

    // Server error numbers that say the deployment does not fit the ledger: a privilege missing (db/grants.sql names
    // each user's), a login refused, or a schema other than the one this version expects (a migration not applied).
    // Every call fails the same way until an operator mends it, so retrying is pointless and it is no outage either.
    private static readonly HashSet<int> ConfigurationNumbers =
    [
        1044, // ER_DBACCESS_DENIED_ERROR: no access to the database
        1045, // ER_ACCESS_DENIED_ERROR: login refused (user or password)
        1046, // ER_NO_DB_ERROR: no database selected
        1049, // ER_BAD_DB_ERROR: unknown database
        1054, // ER_BAD_FIELD_ERROR: unknown column (the schema is older than the code)
        1142, // ER_TABLEACCESS_DENIED_ERROR: "<command> command denied to user ... for table ..."
        1143, // ER_COLUMNACCESS_DENIED_ERROR
        1146, // ER_NO_SUCH_TABLE
        1227, // ER_SPECIFIC_ACCESS_DENIED_ERROR
        1305, // ER_SP_DOES_NOT_EXIST: a procedure missing (migrations not applied)
        1318, // ER_SP_WRONG_NO_OF_ARGS: a procedure of another version
        1370, // ER_PROCACCESS_DENIED_ERROR: no EXECUTE on a procedure
        1449, // ER_NO_SUCH_USER: the procedures' DEFINER does not exist
        1698, // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    ];

    /// <summary>
    /// True when <paramref name="exception"/>, or one of its inner exceptions, is the server refusing the ledger's own
    /// statement because the deployment does not fit it: a missing privilege (a grant of <c>db/grants.sql</c>, the
    /// definer's <c>CREATE TEMPORARY TABLES</c> say), a refused login, an unknown database, or a table, column or
    /// procedure the schema lacks (migrations not applied). Every call fails alike until an operator mends it:
    /// retrying cannot help, and it is not an outage. Never true when <see cref="IsUnavailable"/> is.
    /// </summary>
    /// <param name="exception">What a ledger call threw.</param>
    /// <returns>Whether it is a fault of the deployment's database configuration.</returns>
    public static bool IsMisconfigured(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (IsUnavailable(exception))
        {
            return false;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case MySqlException mysql when ConfigurationNumbers.Contains(mysql.Number):
                    return true;

                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(IsMisconfigured);
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="exception"/>, or one of its inner exceptions, comes from the database or its
    /// client: unavailable (<see cref="IsUnavailable"/>), misconfigured (<see cref="IsMisconfigured"/>) or any other
    /// error the server answered. A caller can then handle database failures without referencing the client library.</summary>
    /// <param name="exception">What a ledger call threw.</param>
    /// <returns>Whether the database or its client raised it.</returns>
    public static bool IsDatabaseError(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return IsUnavailable(exception) || ServerError(exception) is not null;
    }

    /// <summary>The database server's error number and message (<c>1142: INSERT command denied to user ...</c>), from
    /// <paramref name="exception"/> or the first inner exception that carries one; null when none does. The server's
    /// words name the privilege, table or procedure at fault, and never a password.</summary>
    /// <param name="exception">What a ledger call threw.</param>
    /// <returns>The server's error, or null.</returns>
    public static string? ServerError(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case MySqlException mysql:
                    return $"{mysql.Number}: {mysql.Message}";

                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Select(ServerError).FirstOrDefault(error => error is not null);
            }
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="exception"/>, or one of its inner exceptions, says the database could not be reached,
    /// the connection broke (a socket reset, an I/O error, a server that went away or shut down) or the server could
    /// not take the work now (too many connections, a lock wait time-out, a deadlock, a read-only primary during a
    /// failover). What was sent then either did nothing or has an outcome the caller cannot know, so the answer is
    /// "unavailable, retry with the same id". False for everything the server answered on purpose (a value out of
    /// range, a missing privilege, a missing table, a constraint): those are faults of the request or of the
    /// deployment, and retrying cannot cure them.
    /// </summary>
    /// <param name="exception">What a ledger call threw.</param>
    /// <returns>Whether the database was unreachable or lost, so the same call may be retried with the same id.</returns>
    public static bool IsUnavailable(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case MySqlException mysql when mysql.IsTransient || ConnectionNumbers.Contains(mysql.Number):
                case MySqlProtocolException:
                case SocketException:
                case IOException:
                case TimeoutException:
                    return true;

                // A connection the server dropped leaves the client's session closed or disposed under the caller.
                case InvalidOperationException or ObjectDisposedException
                    when string.Equals(current.Source, "MySqlConnector", StringComparison.Ordinal):
                    return true;

                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(IsUnavailable);
            }
        }

        return false;
    }
}
