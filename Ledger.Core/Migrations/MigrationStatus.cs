namespace Ledger;

/// <summary>How a database's journal compares with the scripts of this version of the library
/// (<see cref="ILedger.GetMigrationStatusAsync"/>).</summary>
/// <param name="Applied">The scripts of this version that the journal records, in the order they run, by journal name
/// (<c>migrations/&lt;file&gt;</c>, <c>procedures/&lt;file&gt;@&lt;hash&gt;</c>).</param>
/// <param name="Pending">The scripts of this version the journal does not record, in the order they would run: what
/// <see cref="ILedger.MigrateAsync"/> (or <c>db/apply.sh</c>) would apply. A procedure is pending when its text
/// changed since it was last applied.</param>
public sealed record MigrationStatus(IReadOnlyList<string> Applied, IReadOnlyList<string> Pending)
{
    /// <summary>Whether the database is up to date with this version: nothing is pending.</summary>
    public bool IsUpToDate => Pending.Count == 0;
}
