namespace Ledger;

/// <summary>
/// The database could not be reached, or stayed unavailable through the ledger's retries (a refused or dropped
/// connection, a server that went away, a deadlock or lock wait that outlasted them: <see cref="DatabaseFaults.IsUnavailable"/>).
/// Nothing is known to have changed unless the same request, sent again with the same id, says so: posts are
/// idempotent by their id, so sending it again once the database is back is safe. The database client's exception is
/// the <see cref="Exception.InnerException"/>; <see cref="DatabaseFaults.ServerError"/> reads the server's words from it.
/// </summary>
public sealed class LedgerUnavailableException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public LedgerUnavailableException()
        : base("The ledger's database is unavailable.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public LedgerUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the database client's exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The database client's exception.</param>
    public LedgerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
