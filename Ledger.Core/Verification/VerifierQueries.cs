namespace Ledger.Verification;

/// <summary>
/// The verifier's SQL. Each check reads what it compares in one statement: InnoDB serves a plain SELECT from one
/// consistent snapshot (under READ COMMITTED as under REPEATABLE READ, with autocommit each statement is its own
/// transaction), and a posting commits the transaction, all its entries and all its balance changes together, so a
/// statement sees all of a posting or none of it. That is why the checks report no false mismatches while
/// transactions are being posted. Pages are keyset ranges of the primary keys, never OFFSET.
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

    /// <summary>The first page of transactions (see <see cref="TransactionsPage"/>).</summary>
    public static readonly string TransactionsFirstPage = TransactionsPage(first: true);

    /// <summary>The page of transactions after the id <c>@after</c>.</summary>
    public static readonly string TransactionsNextPage = TransactionsPage(first: false);

    /// <summary>Run once per check, before the pages: the entries of a transaction of 100 legs as text are about
    /// 9,000 characters, over MySQL's default of 1,024, and a text cut short would hide a reversal that does not
    /// mirror its original beyond the cut. 64 KiB holds 100 legs several times over and still bounds a page of
    /// forged transactions with thousands of entries (their entry count is wrong, which is reported whatever the
    /// texts say).</summary>
    public const string SessionSettings = "SET SESSION group_concat_max_len = 65536";

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

    /// <summary>One page of transactions (transfers are the two-leg ones) with the aggregate of their entries: count,
    /// sum, the entries as text (<c>account amount, ...</c> by amount, then account), the entries on accounts of
    /// another currency than the transaction's (<c>account currency, ...</c>; null when there are none), and for a
    /// reversal the entries of the transaction it reverses, negated, in the same text form and order, so that the
    /// reversal mirrors its original exactly when the two texts are equal. Served by indexes only: the page is a range
    /// of the primary key of transactions, the entries of each come from ix_entries_transfer, their accounts from the
    /// primary key of accounts, and the original's entries from ix_entries_transfer again (a subquery per reversal,
    /// not a join, so the two sets of entries do not multiply). The original's amounts are negated as DECIMAL, so a
    /// forged amount at the BIGINT limit is reported rather than failing the statement.</summary>
    private static string TransactionsPage(bool first) => $"""
        SELECT t.id, t.currency, t.legs, t.reversal_of,
               COUNT(e.transfer_id),
               COALESCE(SUM(e.amount), 0),
               GROUP_CONCAT(CONCAT(e.account_id, ' ', e.amount) ORDER BY e.amount, e.account_id SEPARATOR ', '),
               GROUP_CONCAT(CASE WHEN NOT (a.currency <=> t.currency)
                                 THEN CONCAT(e.account_id, ' ', COALESCE(a.currency, 'none')) END
                            ORDER BY e.account_id SEPARATOR ', '),
               (SELECT GROUP_CONCAT(CONCAT(o.account_id, ' ', -CAST(o.amount AS DECIMAL(20, 0)))
                                    ORDER BY o.amount DESC, o.account_id SEPARATOR ', ')
                  FROM entries o
                 WHERE o.transfer_id = t.reversal_of)
        FROM (SELECT id, currency, legs, reversal_of FROM transactions
              {(first ? string.Empty : "WHERE id > @after")}
              ORDER BY id LIMIT @limit) t
        LEFT JOIN entries e ON e.transfer_id = t.id
        LEFT JOIN accounts a ON a.id = e.account_id
        GROUP BY t.id, t.currency, t.legs, t.reversal_of
        ORDER BY t.id
        """;
}
