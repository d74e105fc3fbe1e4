using DbUp.Engine.Transactions;
using MySqlConnector;

namespace Ledger.Migrations;

/// <summary>
/// Gives DbUp MySqlConnector connections and splits scripts with <see cref="MySqlScriptSplitter"/>.
/// </summary>
/// <remarks>
/// Runs with no wrapping transaction: MySQL commits DDL implicitly, so a transaction would promise a
/// rollback it cannot deliver. A failed deploy stops after the last script that succeeded.
/// </remarks>
internal sealed class MySqlConnectionManager : DatabaseConnectionManager
{
    public MySqlConnectionManager(string connectionString)
        : base(_ => new MySqlConnection(connectionString))
    {
        TransactionMode = TransactionMode.NoTransaction;
    }

    public override IEnumerable<string> SplitScriptIntoCommands(string scriptContents) =>
        MySqlScriptSplitter.Split(scriptContents);
}
