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

    /// <summary>
    /// True when <paramref name="exception"/>, or one of its inner exceptions, says the database could not be reached,
    /// the connection broke (a socket reset, an I/O error, a server that went away or shut down) or the server could
    /// not take the work now (too many connections, a lock wait time-out, a deadlock, a read-only primary during a
    /// failover). What was sent then either did nothing or has an outcome the caller cannot know, so the answer is
    /// "unavailable, retry with the same id". False for everything the server answered on purpose (a value out of
    /// range, a missing privilege, a missing table, a constraint): those are faults of the request or of the
    /// deployment, and retrying cannot cure them.
    /// </summary>
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
