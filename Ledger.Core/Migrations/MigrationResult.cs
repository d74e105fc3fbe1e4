namespace Ledger;

/// <summary>
/// The outcome of a successful database migration: the scripts it ran. <see cref="ILedger.MigrateAsync"/> returns a
/// result only when the migration succeeded; a failure is thrown as <see cref="LedgerMigrationException"/>.
/// </summary>
/// <remarks>
/// <see cref="Successful"/>, <see cref="Error"/>, the three-argument constructor and <see cref="Deconstruct"/> are
/// obsolete (diagnostic <c>LEDGER0001</c>) since 0.4.0 and go in the next minor version: they could only ever say
/// "succeeded" and "no error".
/// </remarks>
public sealed record MigrationResult
{
    private const string ObsoleteId = "LEDGER0001";

    /// <summary>A result listing the scripts a migration ran (for a test double of <see cref="ILedger"/>; the ledger
    /// creates its own).</summary>
    /// <param name="scriptsApplied">The scripts run, in order, by journal name (see <see cref="ScriptsApplied"/>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="scriptsApplied"/> is null.</exception>
    public MigrationResult(IReadOnlyList<string> scriptsApplied)
    {
        ArgumentNullException.ThrowIfNull(scriptsApplied);
        ScriptsApplied = scriptsApplied;
    }

    /// <summary>A result with the obsolete success flag and error text.</summary>
    /// <param name="Successful">Ignored by the ledger: a result always means success.</param>
    /// <param name="ScriptsApplied">The scripts run, in order, by journal name.</param>
    /// <param name="Error">Ignored by the ledger: a failure is thrown, not returned.</param>
    [Obsolete("A MigrationResult always means success: use MigrationResult(scriptsApplied).", DiagnosticId = ObsoleteId)]
    public MigrationResult(bool Successful, IReadOnlyList<string> ScriptsApplied, string? Error)
    {
        this.Successful = Successful;
        this.ScriptsApplied = ScriptsApplied;
        this.Error = Error;
    }

    /// <summary>Always <see langword="true"/>: <see cref="ILedger.MigrateAsync"/> throws
    /// <see cref="LedgerMigrationException"/> on failure and returns a result only on success.</summary>
    [Obsolete("Always true: MigrateAsync throws LedgerMigrationException on failure and returns a result only on success.", DiagnosticId = ObsoleteId)]
    public bool Successful { get; init; } = true;

    /// <summary>
    /// The scripts run, in order, by journal name: <c>migrations/&lt;file&gt;</c> for the run-once migrations that
    /// were new, then <c>procedures/&lt;file&gt;@&lt;hash&gt;</c> for the stored procedures that were re-created because
    /// their text is new to the database (decision 0006). Empty when the database was up to date.
    /// </summary>
    public IReadOnlyList<string> ScriptsApplied { get; init; }

    /// <summary>Always <see langword="null"/>: a failed migration throws <see cref="LedgerMigrationException"/>, whose
    /// message and <see cref="LedgerMigrationException.ScriptName"/> say what failed.</summary>
    [Obsolete("Always null: a failed migration throws LedgerMigrationException.", DiagnosticId = ObsoleteId)]
    public string? Error { get; init; }

    /// <summary>Deconstructs the result, with the obsolete flag and error text.</summary>
    /// <param name="Successful">Always <see langword="true"/>.</param>
    /// <param name="ScriptsApplied">The scripts run.</param>
    /// <param name="Error">Always <see langword="null"/>.</param>
    [Obsolete("Successful and Error carry nothing: read ScriptsApplied.", DiagnosticId = ObsoleteId)]
    public void Deconstruct(out bool Successful, out IReadOnlyList<string> ScriptsApplied, out string? Error)
    {
        Successful = this.Successful;
        ScriptsApplied = this.ScriptsApplied;
        Error = this.Error;
    }
}
