using DbUp.Engine;
using DbUp.Engine.Output;
using DbUp.Engine.Transactions;
using MySqlConnector;

namespace Ledger.Migrations;

/// <summary>
/// Runs each command of a script, then records the script in the journal.
/// </summary>
/// <remarks>
/// DbUp's <c>$variable$</c> substitution is off: our scripts are plain SQL for the <c>mysql</c> client, and a
/// delimiter such as <c>$$</c> must reach the splitter untouched.
/// </remarks>
internal sealed class MySqlScriptExecutor : DbUp.Support.ScriptExecutor
{
    public MySqlScriptExecutor(Func<IConnectionManager> connectionManager, Func<IUpgradeLog> log, Func<IJournal> journal)
        : base(connectionManager, new MySqlObjectParser(), log, schema: null, variablesEnabled: () => false, scriptPreprocessors: [], journal)
    {
    }

    // Only called when a schema is configured, and we configure none: the migrator creates the database itself.
    protected override string GetVerifySchemaSql(string schema) =>
        $"CREATE DATABASE IF NOT EXISTS {QuoteSqlObjectName(schema)}";

    protected override void ExecuteCommandsWithinExceptionHandler(int index, SqlScript script, Action executeCallback)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(executeCallback);
        try
        {
            executeCallback();
        }
        catch (MySqlException ex)
        {
            Log().LogError(
                "Script '{0}' failed at command {1} (counting from 0): MySQL error {2}, SQLSTATE {3}: {4}",
                script.Name, index, ex.Number, ex.SqlState ?? "?", ex.Message);
            throw;
        }
    }
}
