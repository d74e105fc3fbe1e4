using System.Globalization;
using Ledger.Cache;
using Ledger.Storage;
using Ledger.Testing;
using Ledger.Verification;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using StackExchange.Redis;

namespace Ledger.IntegrationTests;

/// <summary>
/// The integrity verifier. Tests that corrupt data do it in databases of their own, never in the shared
/// <see cref="LedgerFixture.DatabaseName"/>, which other tests verify and expect to be clean:
/// <c>ledger_it_verify</c> (accounts and cache corrupted by hand; each test looks only at its own accounts and
/// currency), <c>ledger_it_verify_paging</c> (one test, exact counts) and <c>ledger_it_verify_raw</c> (append-only
/// triggers dropped, so entries and transactions can be forged). Every posting is a transaction, transfers included:
/// the <c>transfer_*</c> kinds and <see cref="IntegrityReport.CheckedTransfers"/> are about transactions.
/// </summary>
public sealed class VerifierTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    private const string CorruptDatabase = "ledger_it_verify";
    private const string PagingDatabase = "ledger_it_verify_paging";
    private const string RawDatabase = "ledger_it_verify_raw";

    private static readonly Lazy<Task> RawTriggersDropped = new(DropAppendOnlyTriggersAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    [Fact]
    public async Task VerifyAsync_CleanLedgerWithTransfersTransactionsAndReversals_IsOk()
    {
        var source = await fixture.CreateFundedAccountAsync(50m, label: "vclean");
        var destination = await fixture.CreateAccountAsync(label: "vclean");
        var other = await fixture.CreateAccountAsync(label: "vclean");
        var transfers = new List<Guid>();
        for (var i = 1; i <= 3; i++)
        {
            transfers.Add(await PostAsync(fixture.Ledger, source, destination, i));
        }

        // Two legs of one amount: the mirror check orders a reversal's entries by amount, then account.
        var transaction = await PostTransactionAsync(fixture.Ledger, (source, -10m), (destination, 5m), (other, 5m));
        await ReverseAsync(fixture.Ledger, transaction);
        await ReverseAsync(fixture.Ledger, transfers[0]);

        var report = await fixture.Ledger.VerifyAsync();

        AssertOk(report);
        Assert.False(report.Truncated);
        Assert.True(report.CheckedAccounts >= 4, $"checked {report.CheckedAccounts} accounts");
        Assert.True(report.CheckedTransfers >= 7, $"checked {report.CheckedTransfers} transactions");
        Assert.True(report.CheckedCurrencies >= 1, $"checked {report.CheckedCurrencies} currencies");
    }

    [Fact]
    public async Task VerifyAsync_BalanceChangedByHand_ReportsBalanceCurrencySumAndBalanceAfter()
    {
        // CHF is this test's alone in its database, so the currency's sum is off by exactly this corruption.
        var bench = await Bench.OnAsync(fixture, CorruptDatabase);
        var account = await bench.CreateFundedAccountAsync(10m, "CHF", "vbal");
        await bench.ExecuteAsync("UPDATE accounts SET balance = balance + 1 WHERE id = @a", ("@a", account));

        var report = await bench.Ledger.VerifyAsync(10_000);

        Assert.False(report.Ok);
        var balance = Assert.Single(report.Mismatches, m => m.Kind == "balance_not_sum_of_entries" && m.AccountId == account);
        Assert.Equal(("CHF", "1000", "1001"), (balance.Currency, balance.Expected, balance.Actual));
        var sum = Assert.Single(report.Mismatches, m => m.Kind == "currency_sum_not_zero" && m.Currency == "CHF");
        Assert.Equal(("0", "1"), (sum.Expected, sum.Actual));
        Assert.Null(sum.AccountId);
        var balanceAfter = Assert.Single(report.Mismatches, m => m.Kind == "balance_after_mismatch" && m.AccountId == account);
        Assert.Equal(("1000", "1001"), (balanceAfter.Expected, balanceAfter.Actual));
        Assert.DoesNotContain(report.Mismatches, m => m.Kind == "version_not_entry_count" && m.AccountId == account);
        Assert.All(report.Mismatches, m => Assert.False(string.IsNullOrWhiteSpace(m.Detail)));
    }

    [Fact]
    public async Task VerifyAsync_VersionBumpedByHand_ReportsVersionNotEntryCount()
    {
        var bench = await Bench.OnAsync(fixture, CorruptDatabase);
        var account = await bench.CreateFundedAccountAsync(5m, "USD", "vver");
        await bench.ExecuteAsync("UPDATE accounts SET version = version + 1 WHERE id = @a", ("@a", account));

        var report = await bench.Ledger.VerifyAsync(10_000);

        Assert.False(report.Ok);
        var version = Assert.Single(report.Mismatches, m => m.Kind == "version_not_entry_count" && m.AccountId == account);
        Assert.Equal(("USD", "1", "2"), (version.Currency, version.Expected, version.Actual));
        // The balance still matches its entries; with no entry at version 2 there is no balance-after to compare.
        Assert.DoesNotContain(report.Mismatches, m => m.AccountId == account && m.Kind != "version_not_entry_count");
        // The cache holds version 1, older than the row's 2: stale, not a mismatch.
        Assert.True(report.StaleCacheEntries >= 1, $"{report.StaleCacheEntries} stale entries");
    }

    [Fact]
    public async Task VerifyAsync_CacheOverwrittenAtTheSameVersion_ReportsCacheDisagrees()
    {
        var bench = await Bench.OnAsync(fixture, CorruptDatabase);
        var account = await bench.CreateFundedAccountAsync(5m, "USD", "vcache");
        await WriteCacheAsync(bench.CacheKey(account), balance: 12_345, version: 1);

        var report = await bench.Ledger.VerifyAsync(10_000);

        Assert.False(report.Ok);
        var cache = Assert.Single(report.Mismatches, m => m.AccountId == account);
        Assert.Equal(("cache_disagrees", "USD", "500", "12345"), (cache.Kind, cache.Currency, cache.Expected, cache.Actual));
    }

    [Fact]
    public async Task VerifyAsync_CacheOlderVersion_CountsItStaleAndStaysOk()
    {
        // A key prefix of this test's own over the shared database: the stale entry is the only one it can see.
        var prefix = $"test:vstale:{Guid.NewGuid():N}:";
        var ledger = fixture.CreateLedger(options => options.Cache.KeyPrefix = prefix);
        var bank = await CreateAccountAsync(ledger, "USD", 1_000_000m, "vstale-bank");
        var account = await CreateAccountAsync(ledger, "USD", 0m, "vstale");
        await PostAsync(ledger, bank, account, 2m);
        await PostAsync(ledger, bank, account, 3m);
        await WriteCacheAsync(CacheKeys.For(prefix, fixture.LedgerIdentity, account), balance: 200, version: 1);

        var report = await ledger.VerifyAsync();

        AssertOk(report);
        Assert.Equal(1, report.StaleCacheEntries);
    }

    [Fact]
    public async Task VerifyAsync_CacheAheadOfTheDatabase_CountsItStaleAndLogsTheAccount()
    {
        // A balance the database never had at that version (a copy of the database that shares its identity, or a
        // restore to an earlier point): the version guard keeps it until the account's version passes it.
        var prefix = $"test:vahead:{Guid.NewGuid():N}:";
        var log = new RecordingLoggerProvider();
        await using var provider = fixture.CreateServices(options => options.Cache.KeyPrefix = prefix, timeProvider: null,
            register: services => services.AddSingleton<ILoggerProvider>(log));
        var ledger = provider.GetRequiredService<ILedger>();
        var bank = await CreateAccountAsync(ledger, "USD", 1_000_000m, "vahead-bank");
        var account = await CreateAccountAsync(ledger, "USD", 0m, "vahead");
        await PostAsync(ledger, bank, account, 2m);
        await WriteCacheAsync(CacheKeys.For(prefix, fixture.LedgerIdentity, account), balance: 12_550, version: 5);

        var report = await ledger.VerifyAsync();

        AssertOk(report);
        Assert.Equal(1, report.StaleCacheEntries);
        var warning = Assert.Single(log.Lines, line => line.EventId == 6004);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"{account} (cached version 5, database 1)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_PostingCommitsBetweenThePageAndTheCacheRead_NotCountedStale()
    {
        // A cached version above the page's that the database has reached by the time the cache was read is a
        // posting made during the check, not a stale entry: the cache read of one account posts to it first.
        var prefix = $"test:vrace:{Guid.NewGuid():N}:";
        await using var writer = fixture.CreateServices(options => options.Cache.KeyPrefix = prefix);
        var writerLedger = writer.GetRequiredService<ILedger>();
        var bank = await CreateAccountAsync(writerLedger, "USD", 1_000_000m, "vrace-bank");
        var account = await CreateAccountAsync(writerLedger, "USD", 0m, "vrace");
        await PostAsync(writerLedger, bank, account, 2m);
        var log = new RecordingLoggerProvider();
        await using var checker = fixture.CreateServices(options => options.Cache.KeyPrefix = prefix, timeProvider: null,
            register: services =>
            {
                services.AddSingleton<ILoggerProvider>(log);
                services.AddSingleton<IBalanceCache>(new PostingBeforeReadCache(
                    writer.GetRequiredService<IBalanceCache>(), account, () => PostAsync(writerLedger, bank, account, 3m)));
            });

        var report = await checker.GetRequiredService<ILedger>().VerifyAsync();

        AssertOk(report);
        Assert.Equal((5m, 2L), await BalanceAsync(writerLedger, account));
        Assert.Equal(0, report.StaleCacheEntries);
        Assert.DoesNotContain(log.Lines, line => line.EventId == 6004);
    }

    [Fact]
    public async Task VerifyAsync_CacheUnreachable_ChecksTheDatabaseWithoutFailing()
    {
        // Nothing listens on port 1: every cache read fails at once, and the check goes on without the cache.
        var ledger = fixture.CreateLedger(options => options.RedisConnectionString = "127.0.0.1:1,connectTimeout=200");
        await fixture.CreateFundedAccountAsync(1m, label: "vnocache");

        var report = await ledger.VerifyAsync();

        AssertOk(report);
        Assert.True(report.CheckedAccounts >= 2);
        Assert.Equal(0, report.StaleCacheEntries);
    }

    [Fact]
    public async Task VerifyAsync_MoreAccountsThanOnePage_ChecksThemAllAndFindsACorruptionOnALaterPage()
    {
        var bench = await Bench.OnAsync(fixture, PagingDatabase);
        var bank = await bench.CreateAccountAsync("SEK", 1_000_000m, "vpage-bank");
        var accounts = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            var account = await bench.CreateAccountAsync("SEK", 0m, "vpage");
            await bench.PostAsync(bank, account, 1m + i);
            accounts.Add(account);
        }

        // 10 accounts in pages of 3 (3, 3, 3, 1); 9 transactions (3, 3, 3, then an empty page).
        var verifier = bench.Verifier(pageSize: 3);
        var clean = await verifier.VerifyAsync(100, CancellationToken.None);
        AssertOk(clean);
        Assert.Equal((10L, 9L, 1L), (clean.CheckedAccounts, clean.CheckedTransfers, clean.CheckedCurrencies));

        var last = accounts.Append(bank).Max(StringComparer.Ordinal)!;
        await bench.ExecuteAsync("UPDATE accounts SET balance = balance - 7 WHERE id = @a", ("@a", last));
        var report = await verifier.VerifyAsync(100, CancellationToken.None);
        var withDefaultPages = await bench.Ledger.VerifyAsync(100);

        Assert.False(report.Ok);
        Assert.Equal((10L, 9L, 1L), (report.CheckedAccounts, report.CheckedTransfers, report.CheckedCurrencies));
        Assert.Contains(report.Mismatches, m => m.Kind == "balance_not_sum_of_entries" && m.AccountId == last);
        Assert.Contains(report.Mismatches, m => m.Kind == "currency_sum_not_zero" && m.Currency == "SEK" && m.Actual == "-7");
        Assert.Equal(Describe(report), Describe(withDefaultPages));
    }

    [Fact]
    public async Task VerifyAsync_MoreMismatchesThanTheLimit_ReportsTheLimitAndTruncated()
    {
        var bench = await Bench.OnAsync(fixture, CorruptDatabase);
        var first = await bench.CreateFundedAccountAsync(3m, "NOK", "vtrunc");
        var second = await bench.CreateFundedAccountAsync(4m, "NOK", "vtrunc");
        await bench.ExecuteAsync("UPDATE accounts SET balance = balance + 5 WHERE id IN (@a, @b)", ("@a", first), ("@b", second));

        var one = await bench.Ledger.VerifyAsync(1);
        var none = await bench.Ledger.VerifyAsync(0);

        Assert.False(one.Ok);
        Assert.True(one.Truncated);
        Assert.Single(one.Mismatches);
        Assert.False(none.Ok);
        Assert.True(none.Truncated);
        Assert.Empty(none.Mismatches);
    }

    [Fact]
    public async Task VerifyAsync_TransferWithAThirdEntry_ReportsTransferEntryCount()
    {
        var bench = await RawBenchAsync();
        var source = await bench.CreateAccountAsync("USD", 1_000_000m, "vraw-src");
        var destination = await bench.CreateAccountAsync("USD", 0m, "vraw-dst");
        var intruder = await bench.CreateAccountAsync("USD", 0m, "vraw-extra");
        var transfer = await bench.PostAsync(source, destination, 10m);
        // The intruder's own row is kept consistent with its forged entry, so only the transfer is wrong.
        await bench.ExecuteAsync(
            "INSERT INTO entries (account_id, account_version, transfer_id, amount, balance_after, posted_at) " +
            "VALUES (@a, 1, @t, 500, 500, UTC_TIMESTAMP(6))",
            ("@a", intruder), ("@t", transfer.ToByteArray(bigEndian: true)));
        await bench.ExecuteAsync("UPDATE accounts SET balance = 500, version = 1 WHERE id = @a", ("@a", intruder));

        var report = await bench.Ledger.VerifyAsync(10_000);

        Assert.False(report.Ok);
        var count = Assert.Single(report.Mismatches, m => m.Kind == "transfer_entry_count" && m.TransferId == transfer);
        Assert.Equal(("USD", "2", "3"), (count.Currency, count.Expected, count.Actual));
        var cancel = Assert.Single(report.Mismatches, m => m.Kind == "transfer_entries_do_not_cancel" && m.TransferId == transfer);
        Assert.Equal(("0", "500"), (cancel.Expected, cancel.Actual));
        Assert.DoesNotContain(report.Mismatches, m => m.AccountId == intruder);
        Assert.Contains(report.Mismatches, m => m.Kind == "currency_sum_not_zero" && m.Currency == "USD");
    }

    [Fact]
    public async Task VerifyAsync_TransferWithoutEntries_ReportsTransferEntryCountOnly()
    {
        var bench = await RawBenchAsync();
        var source = await bench.CreateAccountAsync("USD", 1_000_000m, "vraw-src");
        var destination = await bench.CreateAccountAsync("USD", 0m, "vraw-dst");
        var transfer = await bench.PostAsync(source, destination, 2m);
        await bench.ExecuteAsync("DELETE FROM entries WHERE transfer_id = @t", ("@t", transfer.ToByteArray(bigEndian: true)));

        var report = await bench.Ledger.VerifyAsync(10_000);

        var count = Assert.Single(report.Mismatches, m => m.TransferId == transfer);
        Assert.Equal(("transfer_entry_count", "2", "0"), (count.Kind, count.Expected, count.Actual));
        Assert.Contains(report.Mismatches, m => m.Kind == "balance_not_sum_of_entries" && m.AccountId == destination);
    }

    [Fact]
    public async Task VerifyAsync_ReversalEntriesOnSwappedSides_ReportsWrongAccounts()
    {
        var bench = await RawBenchAsync();
        var source = await bench.CreateAccountAsync("USD", 1_000_000m, "vraw-src");
        var destination = await bench.CreateAccountAsync("USD", 0m, "vraw-dst");
        var transfer = await bench.PostAsync(source, destination, 10m);
        var reversal = await bench.ReverseAsync(transfer);
        // The reversal now repeats its original instead of undoing it: its entries still cancel, but do not mirror.
        await bench.ExecuteAsync("UPDATE entries SET amount = -amount WHERE transfer_id = @t", ("@t", reversal.ToByteArray(bigEndian: true)));

        var report = await bench.Ledger.VerifyAsync(10_000);

        Assert.False(report.Ok);
        var wrong = Assert.Single(report.Mismatches, m => m.TransferId == reversal);
        Assert.Equal(("transfer_entries_wrong_accounts", "USD"), (wrong.Kind, wrong.Currency));
        Assert.Equal($"{destination} -1000, {source} 1000", wrong.Expected);
        Assert.Equal($"{source} -1000, {destination} 1000", wrong.Actual);
        Assert.Contains(transfer.ToString(), wrong.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Mismatches, m => m.TransferId == transfer);
    }

    [Fact]
    public async Task VerifyAsync_TransferEntriesOnSwappedSides_ReportedByTheBalanceChecks()
    {
        // Nothing but the entries says which side of a plain transfer is which: the transfer itself still adds up,
        // and the two balances no longer do.
        var bench = await RawBenchAsync();
        var source = await bench.CreateAccountAsync("USD", 1_000_000m, "vraw-src");
        var destination = await bench.CreateAccountAsync("USD", 0m, "vraw-dst");
        var transfer = await bench.PostAsync(source, destination, 10m);
        await bench.ExecuteAsync("UPDATE entries SET amount = -amount WHERE transfer_id = @t", ("@t", transfer.ToByteArray(bigEndian: true)));

        var report = await bench.Ledger.VerifyAsync(10_000);

        Assert.False(report.Ok);
        Assert.DoesNotContain(report.Mismatches, m => m.TransferId == transfer);
        var debited = Assert.Single(report.Mismatches, m => m.Kind == "balance_not_sum_of_entries" && m.AccountId == source);
        Assert.Equal(("1000", "-1000"), (debited.Expected, debited.Actual));
        var credited = Assert.Single(report.Mismatches, m => m.Kind == "balance_not_sum_of_entries" && m.AccountId == destination);
        Assert.Equal(("-1000", "1000"), (credited.Expected, credited.Actual));
    }

    [Fact]
    public async Task VerifyAsync_TransactionOfThreeLegsWhoseEntriesDoNotCancel_ReportsThem()
    {
        var bench = await RawBenchAsync();
        var payer = await bench.CreateAccountAsync("USD", 1_000_000m, "vraw-payer");
        var first = await bench.CreateAccountAsync("USD", 0m, "vraw-first");
        var second = await bench.CreateAccountAsync("USD", 0m, "vraw-second");
        var transaction = await bench.PostTransactionAsync((payer, -10m), (first, 4m), (second, 6m));
        await bench.ExecuteAsync(
            "UPDATE entries SET amount = amount + 1 WHERE transfer_id = @t AND account_id = @a",
            ("@t", transaction.ToByteArray(bigEndian: true)), ("@a", second));

        var report = await bench.Ledger.VerifyAsync(10_000);

        Assert.False(report.Ok);
        var cancel = Assert.Single(report.Mismatches, m => m.TransferId == transaction);
        Assert.Equal(("transfer_entries_do_not_cancel", "USD", "0", "1"), (cancel.Kind, cancel.Currency, cancel.Expected, cancel.Actual));
        Assert.Contains($"{payer} -1000, {first} 400, {second} 601", cancel.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_TransactionOfThreeLegsMissingAnEntry_ReportsEntryCountAgainstItsLegs()
    {
        var bench = await RawBenchAsync();
        var payer = await bench.CreateAccountAsync("USD", 1_000_000m, "vraw-payer");
        var first = await bench.CreateAccountAsync("USD", 0m, "vraw-first");
        var second = await bench.CreateAccountAsync("USD", 0m, "vraw-second");
        var transaction = await bench.PostTransactionAsync((payer, -10m), (first, 4m), (second, 6m));
        await bench.ExecuteAsync(
            "DELETE FROM entries WHERE transfer_id = @t AND account_id = @a",
            ("@t", transaction.ToByteArray(bigEndian: true)), ("@a", second));

        var report = await bench.Ledger.VerifyAsync(10_000);

        var count = Assert.Single(report.Mismatches, m => m.Kind == "transfer_entry_count" && m.TransferId == transaction);
        Assert.Equal(("3", "2"), (count.Expected, count.Actual));
        var cancel = Assert.Single(report.Mismatches, m => m.Kind == "transfer_entries_do_not_cancel" && m.TransferId == transaction);
        Assert.Equal(("0", "-600"), (cancel.Expected, cancel.Actual));
    }

    [Fact]
    public async Task VerifyAsync_EntryMovedOntoAnAccountOfAnotherCurrency_ReportsWrongAccounts()
    {
        var bench = await RawBenchAsync();
        var source = await bench.CreateAccountAsync("USD", 1_000_000m, "vraw-src");
        var destination = await bench.CreateAccountAsync("USD", 0m, "vraw-dst");
        var euros = await bench.CreateAccountAsync("EUR", 0m, "vraw-eur");
        var transfer = await bench.PostAsync(source, destination, 10m);
        // The credit moves to the EUR account; both accounts' rows follow it, so only the transaction is wrong.
        await bench.ExecuteAsync(
            "UPDATE entries SET account_id = @to WHERE transfer_id = @t AND account_id = @from",
            ("@t", transfer.ToByteArray(bigEndian: true)), ("@from", destination), ("@to", euros));
        await bench.ExecuteAsync("UPDATE accounts SET balance = 0, version = 0 WHERE id = @a", ("@a", destination));
        await bench.ExecuteAsync("UPDATE accounts SET balance = 1000, version = 1 WHERE id = @a", ("@a", euros));

        var report = await bench.Ledger.VerifyAsync(10_000);

        Assert.False(report.Ok);
        var wrong = Assert.Single(report.Mismatches, m => m.TransferId == transfer);
        Assert.Equal(("transfer_entries_wrong_accounts", "USD"), (wrong.Kind, wrong.Currency));
        Assert.Equal(("USD", $"{euros} EUR"), (wrong.Expected, wrong.Actual));
        Assert.DoesNotContain(report.Mismatches, m => m.AccountId == destination || m.AccountId == euros);
        Assert.Contains(report.Mismatches, m => m.Kind == "currency_sum_not_zero" && m.Currency == "EUR");
    }

    [Fact]
    public async Task VerifyAsync_EntriesThatDoNotCancel_ReportsThem()
    {
        var bench = await RawBenchAsync();
        var source = await bench.CreateAccountAsync("USD", 1_000_000m, "vraw-src");
        var destination = await bench.CreateAccountAsync("USD", 0m, "vraw-dst");
        var transfer = await bench.PostAsync(source, destination, 10m);
        await bench.ExecuteAsync(
            "UPDATE entries SET amount = amount + 1 WHERE transfer_id = @t AND account_id = @a",
            ("@t", transfer.ToByteArray(bigEndian: true)), ("@a", destination));

        var report = await bench.Ledger.VerifyAsync(10_000);

        var cancel = Assert.Single(report.Mismatches, m => m.Kind == "transfer_entries_do_not_cancel" && m.TransferId == transfer);
        Assert.Equal(("0", "1"), (cancel.Expected, cancel.Actual));
        Assert.DoesNotContain(report.Mismatches, m => m.Kind == "transfer_entry_count" && m.TransferId == transfer);
    }

    [Fact]
    public async Task VerifyAsync_WhileTransfersArePosted_ReportsNoFalseMismatch()
    {
        // Posts through the fixture's ledger (and its cache prefix) while verifiers with the same cache check the
        // shared database: small pages, so pages are read while balances and the cache move underneath them.
        var accounts = new[]
        {
            await fixture.CreateFundedAccountAsync(1_000m, label: "vconc"),
            await fixture.CreateFundedAccountAsync(1_000m, label: "vconc"),
            await fixture.CreateFundedAccountAsync(1_000m, label: "vconc"),
        };
        var smallPages = Verifier(fixture.CreateServices(), pageSize: 5);
        using var stop = new CancellationTokenSource();
        var posted = 0;
        var posters = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            while (!stop.IsCancellationRequested)
            {
                var from = random.Next(accounts.Length);
                var to = (from + 1 + random.Next(accounts.Length - 1)) % accounts.Length;
                var result = await fixture.Ledger.PostTransferAsync(new PostTransferRequest
                {
                    SourceAccountId = accounts[from], DestinationAccountId = accounts[to], Amount = 0.01m * random.Next(1, 100),
                });

                if (result.IsSuccess)
                {
                    Interlocked.Increment(ref posted);
                }
            }
        })).ToArray();

        var reports = new List<IntegrityReport>();
        try
        {
            await Eventually.UntilAsync(() => Volatile.Read(ref posted) >= 20, "20 transfers posted before verifying",
                () => $"{Volatile.Read(ref posted)} posted");

            // At least four rounds, and on until a transfer was posted while verifying: the posters run beside the
            // verifiers, but how much they get done meanwhile is up to the scheduler, so that is waited for, not assumed.
            var before = Volatile.Read(ref posted);
            var verifying = System.Diagnostics.Stopwatch.StartNew();
            for (var round = 1; round <= 4 || Volatile.Read(ref posted) == before; round++)
            {
                Assert.True(verifying.Elapsed < Eventually.DefaultTimeout,
                    $"no transfer was posted during {round - 1} rounds of verification ({verifying.Elapsed.TotalSeconds:F0} s)");
                reports.Add(await smallPages.VerifyAsync(100, CancellationToken.None));
                reports.Add(await fixture.Ledger.VerifyAsync());
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(posters);
        }

        Assert.All(reports, AssertOk);
        var total = (await Task.WhenAll(accounts.Select(fixture.AccountStateAsync))).Sum(a => a.Balance);
        Assert.Equal(300_000, total);
    }

    private static void AssertOk(IntegrityReport report) => Assert.True(report.Ok, Describe(report));

    private static string Describe(IntegrityReport report) => string.Create(CultureInfo.InvariantCulture,
        $"ok {report.Ok}, {report.CheckedAccounts} accounts, {report.CheckedTransfers} transfers, {report.CheckedCurrencies} currencies, truncated {report.Truncated}: {string.Join("; ", report.Mismatches.Select(m => $"{m.Kind} {m.AccountId}{m.TransferId}{m.Currency} expected {m.Expected} actual {m.Actual}"))}");

    private static LedgerVerifier Verifier(ServiceProvider provider, int pageSize) => new(
        provider.GetRequiredService<MySqlDataSource>(),
        provider.GetRequiredService<IBalanceCache>(),
        NullLogger<LedgerVerifier>.Instance)
    {
        PageSize = pageSize,
    };

    private static async Task<string> CreateAccountAsync(ILedger ledger, string currency, decimal overdraftLimit, string label)
    {
        var result = await ledger.CreateAccountAsync(new CreateAccountRequest
        {
            Id = Ids.Account(label), Currency = currency, OverdraftLimit = overdraftLimit, Actor = "test",
        });
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value.Id;
    }

    private static async Task<Guid> PostAsync(ILedger ledger, string source, string destination, decimal amount)
    {
        var result = await ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = amount, PostedBy = "test",
        });
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value.Id;
    }

    private static async Task<Guid> ReverseAsync(ILedger ledger, Guid transaction)
    {
        var result = await ledger.ReverseTransactionAsync(new ReverseTransactionRequest { TransactionId = transaction, PostedBy = "test" });
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value.Id;
    }

    private static async Task<Guid> PostTransactionAsync(ILedger ledger, params (string Account, decimal Amount)[] legs)
    {
        var result = await ledger.PostTransactionAsync(new PostTransactionRequest
        {
            Legs = legs.Select(leg => new TransactionLegRequest { AccountId = leg.Account, Amount = leg.Amount }).ToList(),
            PostedBy = "test",
        });
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(legs.Length, result.Value.Legs.Count);
        return result.Value.Id;
    }

    private static async Task<(decimal Amount, long Version)> BalanceAsync(ILedger ledger, string account)
    {
        var balance = await ledger.GetBalanceAsync(account);
        Assert.True(balance.IsSuccess, balance.ToString());
        return (balance.Value.Amount.Amount, balance.Value.Version);
    }

    private async Task WriteCacheAsync(string key, long balance, long version) =>
        await fixture.Redis.GetDatabase().HashSetAsync(key, new HashEntry[]
        {
            new("b", balance.ToString(CultureInfo.InvariantCulture)),
            new("v", version.ToString(CultureInfo.InvariantCulture)),
            new("c", "USD"),
            new("s", "2"),
        });

    private async Task<Bench> RawBenchAsync()
    {
        var bench = await Bench.OnAsync(fixture, RawDatabase);
        await RawTriggersDropped.Value;
        return bench;
    }

    /// <summary>In the raw database only: lets tests forge entries, as a bug or a hand edit could.</summary>
    private static async Task DropAppendOnlyTriggersAsync()
    {
        var connectionString = await TestDatabase.GetAsync(RawDatabase);
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        Assert.StartsWith(RawDatabase, connection.Database, StringComparison.Ordinal);
        foreach (var trigger in new[]
        {
            "trg_entries_no_update", "trg_entries_no_delete", "trg_transfers_no_update", "trg_transfers_no_delete",
            "trg_transactions_no_update", "trg_transactions_no_delete",
        })
        {
            await using var command = new MySqlCommand($"DROP TRIGGER IF EXISTS {trigger}", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A ledger over a database of the test's choosing, with a cache key prefix of its own.</summary>
    private sealed record Bench(ServiceProvider Provider, ILedger Ledger, string ConnectionString, string KeyPrefix, string LedgerIdentity)
    {
        public static async Task<Bench> OnAsync(LedgerFixture fixture, string database)
        {
            var connectionString = await TestDatabase.GetAsync(database);
            var prefix = $"test:{database}:{Guid.NewGuid():N}:";
            var provider = fixture.CreateServices(options =>
            {
                options.ConnectionString = connectionString;
                options.Cache.KeyPrefix = prefix;
            });
            return new Bench(provider, provider.GetRequiredService<ILedger>(), connectionString, prefix,
                await CacheKeys.LedgerIdentityAsync(connectionString));
        }

        public string CacheKey(string accountId) => CacheKeys.For(KeyPrefix, LedgerIdentity, accountId);

        public LedgerVerifier Verifier(int pageSize) => VerifierTests.Verifier(Provider, pageSize);

        public Task<string> CreateAccountAsync(string currency, decimal overdraftLimit, string label) =>
            VerifierTests.CreateAccountAsync(Ledger, currency, overdraftLimit, label);

        public Task<Guid> PostAsync(string source, string destination, decimal amount) =>
            VerifierTests.PostAsync(Ledger, source, destination, amount);

        public Task<Guid> ReverseAsync(Guid transaction) => VerifierTests.ReverseAsync(Ledger, transaction);

        public Task<Guid> PostTransactionAsync(params (string Account, decimal Amount)[] legs) =>
            VerifierTests.PostTransactionAsync(Ledger, legs);

        public async Task<string> CreateFundedAccountAsync(decimal amount, string currency, string label)
        {
            var bank = await CreateAccountAsync(currency, 1_000_000m, label + "-bank");
            var account = await CreateAccountAsync(currency, 0m, label);
            await PostAsync(bank, account, amount);
            return account;
        }

        public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
        {
            await using var connection = new MySqlConnection(ConnectionString);
            await connection.OpenAsync();
            await using var command = new MySqlCommand(sql, connection);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            var changed = await command.ExecuteNonQueryAsync();
            Assert.True(changed > 0, $"no row changed: {sql}");
        }
    }
}

/// <summary>A cache that, the first time <paramref name="account"/> is read, first posts to it (through another
/// ledger on the same database and cache), so the check sees a version above the one its page read.</summary>
internal sealed class PostingBeforeReadCache(IBalanceCache inner, string account, Func<Task> post) : IBalanceCache
{
    private int _posted;

    public bool IsEnabled => inner.IsEnabled;

    public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);

    public async Task<BalanceSnapshot?> GetAsync(string accountId, CancellationToken cancellationToken)
    {
        if (string.Equals(accountId, account, StringComparison.Ordinal) && Interlocked.Exchange(ref _posted, 1) == 0)
        {
            await post();
        }

        return await inner.GetAsync(accountId, cancellationToken);
    }

    public Task SetAsync(IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken) =>
        inner.SetAsync(balances, cancellationToken);
}
