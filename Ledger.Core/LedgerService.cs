using Ledger.Accounts;
using Ledger.Cache;
using Ledger.Migrations;
using Ledger.Posting;
using Ledger.Storage;
using Ledger.Verification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ledger;

/// <summary>The ledger's face: accounts and balances here (balances from the cache with the database as fallback);
/// posting, of every kind, in <see cref="PostingService"/>; the integrity check and the migrations in their own classes.</summary>
internal sealed class LedgerService : ILedger
{
    private readonly LedgerStore _store;
    private readonly IBalanceCache _cache;
    private readonly LedgerMigrator _migrator;
    private readonly LedgerVerifier _verifier;
    private readonly TimeProvider _time;
    private readonly LedgerOptions _options;
    private readonly ILogger<LedgerService> _logger;
    private readonly LedgerMetrics _metrics;
    private readonly PostingService _posting;
    private readonly AccountService _accounts;

    public LedgerService(
        LedgerStore store,
        IBalanceCache cache,
        LedgerMigrator migrator,
        LedgerVerifier verifier,
        TimeProvider timeProvider,
        IOptions<LedgerOptions> options,
        LedgerMetrics metrics,
        PostingService posting,
        AccountService accounts,
        ILogger<LedgerService> logger)
    {
        _store = store;
        _cache = cache;
        _migrator = migrator;
        _verifier = verifier;
        _time = timeProvider;
        _options = options.Value;
        _logger = logger;
        _metrics = metrics;
        _posting = posting;
        _accounts = accounts;
    }

    public Task<LedgerResult<Account>> CreateAccountAsync(CreateAccountRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Reachable(_accounts.CreateAsync(request, cancellationToken));
    }

    public Task<LedgerResult<Account>> SetOverdraftLimitAsync(SetOverdraftLimitRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Reachable(_accounts.SetOverdraftLimitAsync(request, cancellationToken));
    }

    public Task<LedgerResult<Account>> GetAccountAsync(string accountId, CancellationToken cancellationToken = default) =>
        Reachable(GetAccountCoreAsync(accountId, cancellationToken));

    private async Task<LedgerResult<Account>> GetAccountCoreAsync(string accountId, CancellationToken cancellationToken)
    {
        if (AccountService.InvalidAccountId<Account>(accountId) is { } invalid)
        {
            return invalid;
        }

        var row = await _store.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        return row is null ? AccountService.AccountNotFound<Account>(accountId) : LedgerResult<Account>.Success(AccountService.ToAccount(row));
    }

    public Task<LedgerResult<Balance>> GetBalanceAsync(string accountId, CancellationToken cancellationToken = default) =>
        Reachable(GetBalanceCoreAsync(accountId, cancellationToken));

    private async Task<LedgerResult<Balance>> GetBalanceCoreAsync(string accountId, CancellationToken cancellationToken)
    {
        if (AccountService.InvalidAccountId<Balance>(accountId) is { } invalid)
        {
            return invalid;
        }

        var started = _time.GetTimestamp();
        if (_cache.IsEnabled)
        {
            try
            {
                var cached = await _cache.GetAsync(accountId, cancellationToken).ConfigureAwait(false);
                if (cached is { } hit)
                {
                    _metrics.BalanceRead(BalanceSource.Cache, _time.GetElapsedTime(started));
                    return LedgerResult<Balance>.Success(ToBalance(hit, BalanceSource.Cache));
                }
            }
            catch (Exception ex) when (CacheFailure.Is(ex))
            {
                if (!CacheFailure.IsOpenCircuit(ex))
                {
                    Log.CacheReadFailed(_logger, accountId, ex);
                }
            }
        }

        var row = await _store.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return AccountService.AccountNotFound<Balance>(accountId);
        }

        var snapshot = new BalanceSnapshot(row.Id, row.Balance, row.Version, row.Currency, row.Scale);
        await _cache.WriteThroughAsync([snapshot], _logger).ConfigureAwait(false);
        _metrics.BalanceRead(BalanceSource.Database, _time.GetElapsedTime(started));
        return LedgerResult<Balance>.Success(ToBalance(snapshot, BalanceSource.Database));
    }

    public Task<LedgerResult<Transfer>> PostTransferAsync(PostTransferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Reachable(_posting.PostTransferAsync(request, cancellationToken));
    }

    public Task<LedgerResult<Transfer>> ReverseTransferAsync(ReverseTransferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Reachable(_posting.ReverseTransferAsync(request, cancellationToken));
    }

    public Task<LedgerResult<Transfer>> GetTransferAsync(Guid transferId, CancellationToken cancellationToken = default) =>
        Reachable(_posting.GetTransferAsync(transferId, cancellationToken));

    public Task<LedgerResult<Transaction>> PostTransactionAsync(PostTransactionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Reachable(_posting.PostTransactionAsync(request, cancellationToken));
    }

    public Task<LedgerResult<PostTransactionsResult>> PostTransactionsAsync(PostTransactionsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Reachable(_posting.PostTransactionsAsync(request, cancellationToken));
    }

    public Task<LedgerResult<Transaction>> ReverseTransactionAsync(ReverseTransactionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Reachable(_posting.ReverseTransactionAsync(request, cancellationToken));
    }

    public Task<LedgerResult<Transaction>> GetTransactionAsync(Guid transactionId, CancellationToken cancellationToken = default) =>
        Reachable(_posting.GetTransactionAsync(transactionId, cancellationToken));

    public Task<LedgerResult<EntryPage>> ListEntriesAsync(
        string accountId, int limit, long? beforeVersion, CancellationToken cancellationToken = default) =>
        Reachable(ListEntriesCoreAsync(accountId, limit, beforeVersion, cancellationToken));

    private async Task<LedgerResult<EntryPage>> ListEntriesCoreAsync(
        string accountId, int limit, long? beforeVersion, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        validation.AccountId("accountId", accountId);
        if (limit is < 1 or > 1000)
        {
            validation.Add("limit", "The limit is 1 to 1000.");
        }

        if (beforeVersion is < 1)
        {
            validation.Add("before", "The cursor is a version number of 1 or more.");
        }

        if (!validation.IsValid)
        {
            return LedgerResult<EntryPage>.Failure(validation.ToError());
        }

        var account = await _store.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            return AccountService.AccountNotFound<EntryPage>(accountId);
        }

        // One row more than asked tells whether an older page exists.
        var rows = await _store.ListEntriesAsync(accountId, limit + 1, beforeVersion, cancellationToken).ConfigureAwait(false);
        var hasMore = rows.Count > limit;
        var items = new List<Entry>(Math.Min(rows.Count, limit));
        for (var i = 0; i < rows.Count && i < limit; i++)
        {
            var row = rows[i];
            items.Add(new Entry(
                row.AccountId, row.Version, row.TransferId,
                new Money(row.Amount, account.Currency, account.Scale),
                new Money(row.BalanceAfter, account.Currency, account.Scale),
                new DateTimeOffset(row.PostedAt)));
        }

        return LedgerResult<EntryPage>.Success(new EntryPage(items, hasMore ? items[^1].Version : null));
    }

    public Task<IntegrityReport> VerifyAsync(int maxMismatches = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxMismatches);
        return Reachable(_verifier.VerifyAsync(maxMismatches, cancellationToken));
    }

    public async Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default) =>
        await _migrator.MigrateAsync(_options.EffectiveMigrationConnectionString, cancellationToken).ConfigureAwait(false);

    public Task<MigrationStatus> GetMigrationStatusAsync(CancellationToken cancellationToken = default) =>
        _migrator.GetStatusAsync(_options.EffectiveMigrationConnectionString, cancellationToken);

    /// <summary>The one place a database outage that outlasted the retries becomes <see cref="LedgerUnavailableException"/>
    /// (the database client's exception inside it); every other exception passes unchanged.</summary>
    private static async Task<T> Reachable<T>(Task<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (LedgerUnavailableException or OperationCanceledException) && DatabaseFaults.IsUnavailable(ex))
        {
            throw new LedgerUnavailableException(
                "The ledger's database is unavailable; nothing is known to have changed. Send the same request again, with the same id, once it is back.",
                ex);
        }
    }


    private static Balance ToBalance(BalanceSnapshot snapshot, BalanceSource source) => new(
        snapshot.AccountId, new Money(snapshot.Balance, snapshot.Currency, snapshot.Scale), snapshot.Version, source);
}
