namespace Ledger.Verification;

/// <summary>
/// The verifier's SQL. Each check reads what it compares in one statement: InnoDB serves a plain SELECT from one
/// consistent snapshot (under READ COMMITTED as under REPEATABLE READ, with autocommit each statement is its own
/// transaction), and a posting commits the transfer, both entries and both balance changes together, so a
/// statement sees all of a posting or none of it. That is why the checks report no false mismatches while
/// transfers are being posted. Pages are keyset ranges of the primary keys, never OFFSET.
/// </summary>
internal static class VerifierQueries
{
    /// <summary>Per currency: how many accounts and the sum of their balances. One statement over all accounts, so
    /// the sum belongs to one snapshot (a paged sum would mix moments and see money in flight). SUM of BIGINT is a
    /// DECIMAL in MySQL and MariaDB, so it cannot overflow.</summary>
    public const string CurrencySums =
        "SELECT currency, COUNT(*), SUM(balance) FROM accounts GROUP BY currency ORDER BY currency";

    /// <summary>The current version of the accounts <c>@id0</c> .. <c>@id{count - 1}</c>.</summary>
    public static string AccountVersions(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"@id{i}");
        }

        return $"SELECT id, version FROM accounts WHERE id IN ({string.Join(", ", names)})";
    }

    /// <summary>The first page of accounts (see <see cref="AccountsPage"/>).</summary>
    public static readonly string AccountsFirstPage = AccountsPage(first: true);

    /// <summary>The page of accounts after the id <c>@after</c>.</summary>
    public static readonly string AccountsNextPage = AccountsPage(first: false);

    /// <summary>The first page of transfers (see <see cref="TransfersPage"/>).</summary>
    public static readonly string TransfersFirstPage = TransfersPage(first: true);

    /// <summary>The page of transfers after the id <c>@after</c>.</summary>
    public static readonly string TransfersNextPage = TransfersPage(first: false);

    /// <summary>One page of accounts with the aggregate of their entries: sum, count, highest version, and the
    /// balance after the entry whose version is the account's. The entries are a range of the primary key
    /// (account_id, account_version).</summary>
    private static string AccountsPage(bool first) => $"""
        SELECT a.id, a.currency, a.balance, a.version,
               COALESCE(SUM(e.amount), 0),
               COUNT(e.account_id),
               COALESCE(MAX(e.account_version), 0),
               MAX(CASE WHEN e.account_version = a.version THEN e.balance_after END)
        FROM (SELECT id, currency, balance, version FROM accounts
              {(first ? string.Empty : "WHERE id > @after")}
              ORDER BY id LIMIT @limit) a
        LEFT JOIN entries e ON e.account_id = a.id
        GROUP BY a.id, a.currency, a.balance, a.version
        ORDER BY a.id
        """;

    /// <summary>One page of transfers with the aggregate of their entries: count, sum, how many are the expected
    /// debit of the source and credit of the destination, and the entries as text for the report.</summary>
    private static string TransfersPage(bool first) => $"""
        SELECT t.id, t.source_account_id, t.destination_account_id, t.amount, t.currency,
               COUNT(e.transfer_id),
               COALESCE(SUM(e.amount), 0),
               COALESCE(SUM(e.account_id = t.source_account_id AND e.amount = -t.amount), 0),
               COALESCE(SUM(e.account_id = t.destination_account_id AND e.amount = t.amount), 0),
               GROUP_CONCAT(CONCAT(e.account_id, ' ', e.amount) ORDER BY e.amount, e.account_id SEPARATOR ', ')
        FROM (SELECT id, source_account_id, destination_account_id, amount, currency FROM transfers
              {(first ? string.Empty : "WHERE id > @after")}
              ORDER BY id LIMIT @limit) t
        LEFT JOIN entries e ON e.transfer_id = t.id
        GROUP BY t.id, t.source_account_id, t.destination_account_id, t.amount, t.currency
        ORDER BY t.id
        """;
}
