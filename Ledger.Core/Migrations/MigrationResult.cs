namespace Ledger;

/// <summary>
/// The outcome of a successful database migration.
/// </summary>
/// <param name="Successful">
/// Whether the migration succeeded. The migrator throws <see cref="LedgerMigrationException"/> on failure, so a
/// result it returns always has <see langword="true"/> here.
/// </param>
/// <param name="ScriptsApplied">
/// The scripts run, in order, by journal name: <c>migrations/&lt;file&gt;</c> for the run-once migrations that
/// were new, then <c>procedures/&lt;file&gt;</c> for the stored procedures, which are re-created on every run.
/// </param>
/// <param name="Error">A description of the failure, or <see langword="null"/> when <paramref name="Successful"/> is <see langword="true"/>.</param>
public sealed record MigrationResult(bool Successful, IReadOnlyList<string> ScriptsApplied, string? Error);
