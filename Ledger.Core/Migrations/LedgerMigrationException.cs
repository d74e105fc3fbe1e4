namespace Ledger;

/// <summary>
/// The database migration failed. Scripts before <see cref="ScriptName"/> were applied and journaled; MySQL
/// commits DDL as it goes, so the failing script may have been partly applied and needs a look before a retry.
/// </summary>
public sealed class LedgerMigrationException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public LedgerMigrationException()
        : this("The database migration failed.")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">What went wrong.</param>
    public LedgerMigrationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public LedgerMigrationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a failure in the named script.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="scriptName">The journal name of the failing script, or <see langword="null"/> if the failure came before any script ran.</param>
    /// <param name="innerException">The cause, usually a <c>MySqlConnector.MySqlException</c>.</param>
    public LedgerMigrationException(string message, string? scriptName, Exception? innerException)
        : base(message, innerException)
    {
        ScriptName = scriptName;
    }

    /// <summary>
    /// The journal name of the script that failed (for example <c>migrations/0001_create_currencies.sql</c>), or
    /// <see langword="null"/> if the failure came before any script ran (for example, the server was unreachable).
    /// </summary>
    public string? ScriptName { get; }
}
