using DbUp.Support;

namespace Ledger.Migrations;

/// <summary>Quotes MySQL identifiers with backticks.</summary>
internal sealed class MySqlObjectParser : SqlObjectParser
{
    public MySqlObjectParser()
        : base("`", "`")
    {
    }
}
