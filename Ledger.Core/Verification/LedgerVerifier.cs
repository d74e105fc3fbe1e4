using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Ledger.Cache;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using StackExchange.Redis;

namespace Ledger.Verification;

/// <summary>
/// Checks that the ledger adds up (see <see cref="ILedger.VerifyAsync"/>): the currency sums in one statement, then
/// the accounts and the transactions (transfers included) a page at a time (keyset pages of the primary keys), so
/// memory stays flat however big the ledger is. Read-only, and safe to run while transactions are posted: every
/// comparison is made within one SQL statement (see <see cref="VerifierQueries"/>).
/// </summary>
internal sealed class LedgerVerifier(MySqlDataSource dataSource, IBalanceCache cache, ILogger<LedgerVerifier> logger)
{
    public const int DefaultPageSize = 1000;

    // A page holding an account with millions of entries, or the currency sums over millions of accounts, may take
    // longer than MySqlConnector's default 30 s; the caller's token still cancels at any moment.
    private const int CommandTimeoutSeconds = 600;

    /// <summary>Accounts or transactions per query. Tests make it small to cross page boundaries.</summary>
    internal int PageSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = DefaultPageSize;

    public async Task<IntegrityReport> VerifyAsync(int maxMismatches, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxMismatches);
        var started = Stopwatch.GetTimestamp();
        var findings = new Findings(maxMismatches);
        var ahead = new AheadEntries();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var settings = new MySqlCommand(VerifierQueries.SessionSettings, connection))
        {
            await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var currencies = await CheckCurrencySumsAsync(connection, findings, cancellationToken).ConfigureAwait(false);
        var (accounts, stale) = await CheckAccountsAsync(connection, findings, ahead, cancellationToken).ConfigureAwait(false);
        var transactions = await CheckTransactionsAsync(connection, findings, cancellationToken).ConfigureAwait(false);

        var report = new IntegrityReport(
            findings.Total == 0, accounts, transactions, currencies, stale, findings.Reported, findings.Total > maxMismatches);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (ahead.Count > 0)
        {
            Log.IntegrityCacheAhead(logger, ahead.Count, string.Join(", ", ahead.Examples));
        }

        if (report.Ok)
        {
            Log.IntegrityOk(logger, accounts, transactions, currencies, stale, elapsed);
        }
        else
        {
            Log.IntegrityMismatches(logger, findings.Total, accounts, transactions, currencies, elapsed);
        }

        return report;
    }

    private static async Task<long> CheckCurrencySumsAsync(
        MySqlConnection connection, Findings findings, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(VerifierQueries.CurrencySums, connection)
        {
            CommandTimeout = CommandTimeoutSeconds,
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        long checkedCurrencies = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            checkedCurrencies++;
            var currency = reader.GetString(0);
            var count = GetInt64(reader, 1);
            var sum = reader.GetDecimal(2);
            if (sum != 0m)
            {
                findings.Add(new IntegrityMismatch(
                    IntegrityKinds.CurrencySumNotZero, null, null, currency, "0", Text(sum),
                    $"The balances of the {Text(count)} accounts in {currency} sum to {Text(sum)} minor units, not 0: " +
                    "money was created or destroyed outside a transaction."));
            }
        }

        return checkedCurrencies;
    }

    private async Task<(long Accounts, long Stale)> CheckAccountsAsync(
        MySqlConnection connection, Findings findings, AheadEntries aheadEntries, CancellationToken cancellationToken)
    {
        long checkedAccounts = 0;
        long stale = 0;
        var checkCache = cache.IsEnabled;
        string? after = null;
        var page = new List<AccountAggregate>(PageSize);
        do
        {
            page.Clear();
            await using (var command = new MySqlCommand(
                after is null ? VerifierQueries.AccountsFirstPage : VerifierQueries.AccountsNextPage, connection))
            {
                command.CommandTimeout = CommandTimeoutSeconds;
                command.Parameters.AddWithValue("@after", after);
                command.Parameters.AddWithValue("@limit", PageSize);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    page.Add(new AccountAggregate(
                        reader.GetString(0),
                        reader.GetString(1),
                        reader.GetInt64(2),
                        reader.GetInt64(3),
                        reader.GetDecimal(4),
                        GetInt64(reader, 5),
                        GetInt64(reader, 6),
                        reader.IsDBNull(7) ? null : GetInt64(reader, 7)));
                }
            }

            foreach (var account in page)
            {
                CheckAccount(account, findings);
            }

            if (checkCache && page.Count > 0)
            {
                var pageStale = await CheckCacheAsync(connection, page, findings, aheadEntries, cancellationToken).ConfigureAwait(false);
                if (pageStale is null)
                {
                    checkCache = false;
                }
                else
                {
                    stale += pageStale.Value;
                }
            }

            checkedAccounts += page.Count;
            after = page.Count > 0 ? page[^1].Id : after;
        }
        while (page.Count == PageSize);

        return (checkedAccounts, stale);
    }

    private static void CheckAccount(AccountAggregate account, Findings findings)
    {
        if (account.EntrySum != account.Balance)
        {
            findings.Add(new IntegrityMismatch(
                IntegrityKinds.BalanceNotSumOfEntries, account.Id, null, account.Currency, Text(account.EntrySum),
                Text(account.Balance),
                $"Account {account.Id} has the balance {Text(account.Balance)} but its {Text(account.EntryCount)} " +
                $"entries sum to {Text(account.EntrySum)} (minor units of {account.Currency})."));
        }

        if (account.Version != account.EntryCount)
        {
            findings.Add(new IntegrityMismatch(
                IntegrityKinds.VersionNotEntryCount, account.Id, null, account.Currency, Text(account.EntryCount),
                Text(account.Version),
                $"Account {account.Id} is at version {Text(account.Version)} but has {Text(account.EntryCount)} " +
                $"entries (highest entry version {Text(account.MaxEntryVersion)})."));
        }
        else if (account.MaxEntryVersion != account.Version)
        {
            // As many entries as the version says, yet not numbered 1..n: a gap and a version beyond the count.
            findings.Add(new IntegrityMismatch(
                IntegrityKinds.VersionNotEntryCount, account.Id, null, account.Currency, Text(account.MaxEntryVersion),
                Text(account.Version),
                $"Account {account.Id} is at version {Text(account.Version)} and has {Text(account.EntryCount)} " +
                $"entries, but the highest entry version is {Text(account.MaxEntryVersion)}: the versions have a gap."));
        }

        // No entry at the account's version is already a version mismatch; only an entry that exists is compared.
        if (account.Version > 0 && account.LastBalanceAfter is { } balanceAfter && balanceAfter != account.Balance)
        {
            findings.Add(new IntegrityMismatch(
                IntegrityKinds.BalanceAfterMismatch, account.Id, null, account.Currency, Text(balanceAfter),
                Text(account.Balance),
                $"Account {account.Id} has the balance {Text(account.Balance)} but its entry at version " +
                $"{Text(account.Version)} says the balance after it is {Text(balanceAfter)}."));
        }
    }

    /// <summary>Compares the page with the cached snapshots, read concurrently so they travel pipelined. Returns the
    /// number of stale entries (older than the database's, or newer than it: see <see cref="ConfirmAheadAsync"/>), or
    /// null when the cache failed: then the cache is not checked any further, and the database checks go on.</summary>
    private async Task<long?> CheckCacheAsync(
        MySqlConnection connection, List<AccountAggregate> page, Findings findings, AheadEntries aheadEntries,
        CancellationToken cancellationToken)
    {
        var reads = new Task<BalanceSnapshot?>[page.Count];
        try
        {
            for (var i = 0; i < page.Count; i++)
            {
                reads[i] = cache.GetAsync(page[i].Id, cancellationToken);
            }

            await Task.WhenAll(reads).ConfigureAwait(false);
        }
        catch (Exception ex) when (CacheFailure.Is(ex))
        {
            Log.IntegrityCacheNotChecked(logger, ex);
            return null;
        }

        long stale = 0;
        List<BalanceSnapshot>? ahead = null;
        for (var i = 0; i < page.Count; i++)
        {
            if (reads[i].Result is not { } cached)
            {
                continue;
            }

            var account = page[i];
            if (cached.Version < account.Version)
            {
                stale++;
            }
            else if (cached.Version == account.Version && cached.Balance != account.Balance)
            {
                findings.Add(new IntegrityMismatch(
                    IntegrityKinds.CacheDisagrees, account.Id, null, account.Currency, Text(account.Balance),
                    Text(cached.Balance),
                    $"The cache holds the balance {Text(cached.Balance)} for account {account.Id} at version " +
                    $"{Text(cached.Version)}; the database has {Text(account.Balance)} at that version."));
            }
            else if (cached.Version > account.Version)
            {
                (ahead ??= []).Add(cached);
            }
        }

        if (ahead is not null)
        {
            stale += await ConfirmAheadAsync(connection, ahead, aheadEntries, cancellationToken).ConfigureAwait(false);
        }

        return stale;
    }

    /// <summary>
    /// A cached version above the page's is either a posting that committed after the page was read, or a balance
    /// the database never had: one written for a copy of the database that shares its identity, or before the
    /// database was restored to an earlier point (before the keys carried the identity, another ledger's too). The
    /// cache is written only after a commit, so a version the database has still not reached now, after the cache was
    /// read, was never this database's: such an entry is stale, and nothing repairs it (the compare-and-set refuses
    /// every version up to its own), so the run logs them (event 6004) with their accounts. Returns how many there
    /// are. Against a replica that lags, a posting the replica has not applied yet counts here too.
    /// </summary>
    private static async Task<long> ConfirmAheadAsync(
        MySqlConnection connection, List<BalanceSnapshot> ahead, AheadEntries aheadEntries, CancellationToken cancellationToken)
    {
        var versions = new Dictionary<string, long>(ahead.Count, StringComparer.Ordinal);
        await using (var command = new MySqlCommand(VerifierQueries.AccountVersions(ahead.Count), connection))
        {
            command.CommandTimeout = CommandTimeoutSeconds;
            for (var i = 0; i < ahead.Count; i++)
            {
                command.Parameters.AddWithValue(string.Create(CultureInfo.InvariantCulture, $"@id{i}"), ahead[i].AccountId);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                versions[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        long count = 0;
        foreach (var cached in ahead)
        {
            var version = versions.GetValueOrDefault(cached.AccountId);
            if (cached.Version > version)
            {
                count++;
                aheadEntries.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{cached.AccountId} (cached version {cached.Version}, database {version})"));
            }
        }

        return count;
    }

    private async Task<long> CheckTransactionsAsync(
        MySqlConnection connection, Findings findings, CancellationToken cancellationToken)
    {
        long checkedTransactions = 0;
        byte[]? after = null;
        int rows;
        do
        {
            rows = 0;
            await using var command = new MySqlCommand(
                after is null ? VerifierQueries.TransactionsFirstPage : VerifierQueries.TransactionsNextPage, connection);
            command.CommandTimeout = CommandTimeoutSeconds;
            command.Parameters.AddWithValue("@after", after);
            command.Parameters.AddWithValue("@limit", PageSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows++;
                after = (byte[])reader.GetValue(0);
                CheckTransaction(
                    new TransactionAggregate(
                        ToGuid(after),
                        reader.GetString(1),
                        GetInt64(reader, 2),
                        reader.IsDBNull(3) ? null : ToGuid((byte[])reader.GetValue(3)),
                        GetInt64(reader, 4),
                        reader.GetDecimal(5),
                        reader.IsDBNull(6) ? string.Empty : GetText(reader, 6),
                        reader.IsDBNull(7) ? null : GetText(reader, 7),
                        reader.IsDBNull(8) ? string.Empty : GetText(reader, 8)),
                    findings);
            }

            checkedTransactions += rows;
        }
        while (rows == PageSize);

        return checkedTransactions;
    }

    // The kinds keep their transfer_* names (a stable contract) and apply to every transaction, transfers included.
    private static void CheckTransaction(TransactionAggregate transaction, Findings findings)
    {
        var id = transaction.Id;
        if (transaction.EntryCount != transaction.Legs)
        {
            findings.Add(new IntegrityMismatch(
                IntegrityKinds.TransferEntryCount, null, id, transaction.Currency, Text(transaction.Legs),
                Text(transaction.EntryCount),
                $"Transaction {id} has {Text(transaction.EntryCount)} entries, not its {Text(transaction.Legs)} legs" +
                (transaction.EntryCount == 0 ? "." : $": {transaction.Entries}.")));
            if (transaction.EntryCount == 0)
            {
                return;
            }
        }

        if (transaction.EntrySum != 0m)
        {
            findings.Add(new IntegrityMismatch(
                IntegrityKinds.TransferEntriesDoNotCancel, null, id, transaction.Currency, "0", Text(transaction.EntrySum),
                $"The entries of transaction {id} sum to {Text(transaction.EntrySum)}, not 0: {transaction.Entries}."));
        }

        if (transaction.ForeignEntries is { } foreign)
        {
            findings.Add(new IntegrityMismatch(
                IntegrityKinds.TransferEntriesWrongAccounts, null, id, transaction.Currency, transaction.Currency, foreign,
                $"Transaction {id} is in {transaction.Currency}, but some of its entries are on accounts in another " +
                $"currency ({foreign}): {transaction.Entries}."));
        }

        // The reversal's entries are the original's negated; both texts list the entries in the same order, so they
        // are equal exactly when the entries mirror each other.
        if (transaction.ReversalOf is { } original &&
            !string.Equals(transaction.OriginalNegated, transaction.Entries, StringComparison.Ordinal))
        {
            findings.Add(new IntegrityMismatch(
                IntegrityKinds.TransferEntriesWrongAccounts, null, id, transaction.Currency, transaction.OriginalNegated,
                transaction.Entries,
                $"Transaction {id} reverses {original}, so its entries should be those of {original} negated " +
                $"({(transaction.OriginalNegated.Length == 0 ? "it has none" : transaction.OriginalNegated)}); " +
                $"they are {transaction.Entries}."));
        }
    }

    private static long GetInt64(DbDataReader reader, int ordinal) =>
        Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    // GROUP_CONCAT of an ASCII column and a number may come back as text or as bytes, depending on the server.
    private static string GetText(DbDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
        var value => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static Guid ToGuid(byte[] bytes) => bytes.Length == 16
        ? new Guid(bytes, bigEndian: true)
        : throw new InvalidOperationException($"A stored transaction id has {bytes.Length} bytes, not 16.");

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record AccountAggregate(
        string Id,
        string Currency,
        long Balance,
        long Version,
        decimal EntrySum,
        long EntryCount,
        long MaxEntryVersion,
        long? LastBalanceAfter);

    /// <summary>A transaction and the aggregate of its entries. <c>Entries</c> lists them as <c>account amount, ...</c>
    /// by amount then account; <c>ForeignEntries</c> those on accounts of another currency, as
    /// <c>account currency, ...</c> (null when there are none); <c>OriginalNegated</c>, for a reversal, the entries of
    /// the transaction it reverses, negated, in the form and order of <c>Entries</c> (empty otherwise).</summary>
    private sealed record TransactionAggregate(
        Guid Id,
        string Currency,
        long Legs,
        Guid? ReversalOf,
        long EntryCount,
        decimal EntrySum,
        string Entries,
        string? ForeignEntries,
        string OriginalNegated);

    /// <summary>Cached entries ahead of the database: every one is counted; the first few are named in the log.</summary>
    private sealed class AheadEntries
    {
        private const int MaxNamed = 20;
        private readonly List<string> _examples = [];

        public long Count { get; private set; }

        public IReadOnlyList<string> Examples => _examples;

        public void Add(string account)
        {
            Count++;
            if (_examples.Count < MaxNamed)
            {
                _examples.Add(account);
            }
        }
    }

    /// <summary>Every mismatch is counted; the first <c>max</c> are kept for the report.</summary>
    private sealed class Findings(int max)
    {
        private readonly List<IntegrityMismatch> _reported = [];

        public long Total { get; private set; }

        public IReadOnlyList<IntegrityMismatch> Reported => _reported;

        public void Add(IntegrityMismatch mismatch)
        {
            Total++;
            if (_reported.Count < max)
            {
                _reported.Add(mismatch);
            }
        }
    }
}
