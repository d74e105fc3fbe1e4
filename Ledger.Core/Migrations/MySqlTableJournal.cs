using System.Data;
using DbUp.Engine;
using DbUp.Engine.Output;
using DbUp.Engine.Transactions;
using DbUp.Support;

namespace Ledger.Migrations;

/// <summary>
/// Records the run-once migrations that have been applied, in the table <c>ledger_schema_journal</c>.
/// </summary>
/// <remarks>
/// <para>The table has exactly this shape, and it must keep it, because DBAs also write to it:</para>
/// <code>
/// CREATE TABLE IF NOT EXISTS ledger_schema_journal (
///   id INT AUTO_INCREMENT PRIMARY KEY,
///   script_name VARCHAR(255) NOT NULL UNIQUE,
///   applied_at DATETIME(6) NOT NULL
/// ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
/// </code>
/// <para>
/// A DBA who applies a migration by hand with the <c>mysql</c> client records it the same way the migrator
/// does, so that the migrator skips it afterwards:
/// <c>INSERT INTO ledger_schema_journal (script_name, applied_at) VALUES ('migrations/0001_create_currencies.sql', UTC_TIMESTAMP(6));</c>
/// — the name is <c>migrations/</c> plus the file name, and <c>applied_at</c> is in UTC.
/// </para>
/// <para>
/// Run-always scripts (the stored procedures, re-created on every run) are not recorded: the journal lists
/// change scripts only, and one row per name is all the <c>UNIQUE</c> key allows.
/// </para>
/// </remarks>
internal sealed class MySqlTableJournal : TableJournal
{
    /// <summary>The journal table's name.</summary>
    internal const string TableName = "ledger_schema_journal";

    private readonly TimeProvider timeProvider;

    public MySqlTableJournal(Func<IConnectionManager> connectionManager, Func<IUpgradeLog> log, TimeProvider timeProvider)
        : base(connectionManager, log, new MySqlObjectParser(), schema: null, TableName)
    {
        this.timeProvider = timeProvider;
    }

    public override void StoreExecutedScript(SqlScript script, Func<IDbCommand> dbCommandFactory)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (script.SqlScriptOptions.ScriptType == ScriptType.RunAlways)
        {
            EnsureTableExistsAndIsLatestVersion(dbCommandFactory);
            return;
        }

        base.StoreExecutedScript(script, dbCommandFactory);
    }

    protected override IDbCommand GetInsertScriptCommand(Func<IDbCommand> dbCommandFactory, SqlScript script)
    {
        ArgumentNullException.ThrowIfNull(dbCommandFactory);
        ArgumentNullException.ThrowIfNull(script);

        // The base class stamps local time from the system clock; we stamp UTC from the injected clock.
        var command = dbCommandFactory();
        AddParameter(command, "scriptName", script.Name);
        AddParameter(command, "applied", timeProvider.GetUtcNow().UtcDateTime);
        command.CommandText = GetInsertJournalEntrySql("@scriptName", "@applied");
        command.CommandType = CommandType.Text;
        return command;
    }

    protected override string GetInsertJournalEntrySql(string scriptName, string applied) =>
        $"INSERT INTO {TableName} (script_name, applied_at) VALUES ({scriptName}, {applied})";

    protected override string GetJournalEntriesSql() =>
        $"SELECT script_name FROM {TableName} ORDER BY id";

    protected override string CreateSchemaTableSql(string quotedPrimaryKeyName) =>
        $"""
        CREATE TABLE IF NOT EXISTS {TableName} (
          id INT AUTO_INCREMENT PRIMARY KEY,
          script_name VARCHAR(255) NOT NULL UNIQUE,
          applied_at DATETIME(6) NOT NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
        """;

    // The base query matches the table name in any database the account can see; look in the current one only.
    protected override string DoesTableExistSql() =>
        $"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{TableName}'";

    private static void AddParameter(IDbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
