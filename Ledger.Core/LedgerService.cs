using System.Globalization;
using Ledger.Cache;
using Ledger.Migrations;
using Ledger.Posting;
using Ledger.Storage;
using Ledger.Verification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace Ledger;

/// <summary>The ledger's face: accounts and balances here (balances from the cache with the database as fallback);
/// posting, of every kind, in <see cref="PostingService"/>; the integrity check and the migrations in their own classes.</summary>
internal sealed class LedgerService : ILedger
{
    private readonly LedgerStore _store;
    private readonly CurrencyCatalog _currencies;
    private readonly IBalanceCache _cache;
    private readonly LedgerMigrator _migrator;
    private readonly LedgerVerifier _verifier;
    private readonly TimeProvider _time;
    private readonly LedgerOptions _options;
    private readonly ILogger<LedgerService> _logger;
    private readonly LedgerMetrics _metrics;
    private readonly PostingService _posting;

    public LedgerService(
        LedgerStore store,
        CurrencyCatalog currencies,
        IBalanceCache cache,
        LedgerMigrator migrator,
        LedgerVerifier verifier,
        TimeProvider timeProvider,
        IOptions<LedgerOptions> options,
        LedgerMetrics metrics,
        PostingService posting,
        ILogger<LedgerService> logger)
    {
        _store = store;
        _currencies = currencies;
        _cache = cache;
        _migrator = migrator;
        _verifier = verifier;
        _time = timeProvider;
        _options = options.Value;
        _logger = logger;
        _metrics = metrics;
        _posting = posting;
    }

    public async Task<LedgerResult<Account>> CreateAccountAsync(CreateAccountRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var validation = new Validation();
        validation.AccountId("id", request.Id, required: false);
        validation.Currency("currency", request.Currency, required: true);
        validation.Attribution("actor", request.Actor, request.CorrelationId);
        if (request.OverdraftLimit < 0m)
        {
            validation.Add("overdraftLimit", "The overdraft limit cannot be negative.");
        }

        if (!validation.IsValid)
        {
            return LedgerResult<Account>.Failure(validation.ToError());
        }

        var scale = await _currencies.GetScaleAsync(request.Currency!, cancellationToken).ConfigureAwait(false);
        if (scale is null)
        {
            validation.Add("currency", $"The ledger does not know the currency '{request.Currency}'.");
            return LedgerResult<Account>.Failure(validation.ToError());
        }

        if (!Amounts.TryToMinor(request.OverdraftLimit, scale.Value, out var overdraftLimit))
        {
            validation.Add("overdraftLimit", $"The overdraft limit must have at most {scale} fraction digits and be below {Amounts.MaxMajorAmount}.");
            return LedgerResult<Account>.Failure(validation.ToError());
        }

        if (OverdraftAboveMaximum(request.OverdraftLimit, request.Currency!) is { } tooHigh)
        {
            return LedgerResult<Account>.Failure(tooHigh);
        }

        var now = Now();
        var id = request.Id ?? Guid.CreateVersion7(now).ToString();
        CreateAccountOutcome outcome;
        try
        {
            outcome = await _store.CreateAccountAsync(
                id, request.Currency!, overdraftLimit, request.Actor ?? _options.DefaultActor, request.CorrelationId,
                now.UtcDateTime, cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            // Another caller created the same id between the procedure's check and its insert.
            outcome = new CreateAccountOutcome(ProcedureStatus.AccountExists, null);
        }

        switch (outcome.Status)
        {
            case ProcedureStatus.Done:
                Log.AccountCreated(_logger, id, request.Currency!);
                return LedgerResult<Account>.Success(ToAccount(outcome.Account!));
            case ProcedureStatus.AccountExists:
                return LedgerResult<Account>.Failure(LedgerErrorCode.AccountExists, $"An account with id '{id}' already exists.");
            case ProcedureStatus.UnknownCurrency:
                validation.Add("currency", $"The ledger does not know the currency '{request.Currency}'.");
                return LedgerResult<Account>.Failure(validation.ToError());
            default:
                throw new InvalidOperationException($"ledger_create_account returned the unexpected status {outcome.Status}.");
        }
    }

    public async Task<LedgerResult<Account>> GetAccountAsync(string accountId, CancellationToken cancellationToken = default)
    {
        if (InvalidAccountId<Account>(accountId) is { } invalid)
        {
            return invalid;
        }

        var row = await _store.GetAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        return row is null ? AccountNotFound<Account>(accountId) : LedgerResult<Account>.Success(ToAccount(row));
    }

    public async Task<LedgerResult<Balance>> GetBalanceAsync(string accountId, CancellationToken cancellationToken = default)
    {
        if (InvalidAccountId<Balance>(accountId) is { } invalid)
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
            return AccountNotFound<Balance>(accountId);
        }

        var snapshot = new BalanceSnapshot(row.Id, row.Balance, row.Version, row.Currency, row.Scale);
        await _cache.WriteThroughAsync([snapshot], _logger).ConfigureAwait(false);
        _metrics.BalanceRead(BalanceSource.Database, _time.GetElapsedTime(started));
        return LedgerResult<Balance>.Success(ToBalance(snapshot, BalanceSource.Database));
    }

    public Task<LedgerResult<Transfer>> PostTransferAsync(PostTransferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _posting.PostTransferAsync(request, cancellationToken);
    }

    public Task<LedgerResult<Transfer>> ReverseTransferAsync(ReverseTransferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _posting.ReverseTransferAsync(request, cancellationToken);
    }

    public Task<LedgerResult<Transfer>> GetTransferAsync(Guid transferId, CancellationToken cancellationToken = default) =>
        _posting.GetTransferAsync(transferId, cancellationToken);

    public Task<LedgerResult<Transaction>> PostTransactionAsync(PostTransactionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _posting.PostTransactionAsync(request, cancellationToken);
    }

    public Task<LedgerResult<Transaction>> ReverseTransactionAsync(ReverseTransactionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _posting.ReverseTransactionAsync(request, cancellationToken);
    }

    public Task<LedgerResult<Transaction>> GetTransactionAsync(Guid transactionId, CancellationToken cancellationToken = default) =>
        _posting.GetTransactionAsync(transactionId, cancellationToken);

    public async Task<LedgerResult<Account>> SetOverdraftLimitAsync(SetOverdraftLimitRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var validation = new Validation();
        validation.AccountId("accountId", request.AccountId);
        validation.Attribution("actor", request.Actor, request.CorrelationId);
        if (request.OverdraftLimit < 0m)
        {
            validation.Add("overdraftLimit", "The overdraft limit cannot be negative.");
        }

        if (request.ExpectedVersion < 0)
        {
            validation.Add("expectedVersion", "A version is zero or more.");
        }

        if (!validation.IsValid)
        {
            return LedgerResult<Account>.Failure(validation.ToError());
        }

        // The currency never changes, so reading it first and converting the limit is safe without a lock.
        var account = await _store.GetAccountAsync(request.AccountId!, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            return AccountNotFound<Account>(request.AccountId!);
        }

        if (!Amounts.TryToMinor(request.OverdraftLimit, account.Scale, out var limit))
        {
            validation.Add("overdraftLimit", $"The overdraft limit must have at most {account.Scale} fraction digits and be below {Amounts.MaxMajorAmount}.");
            return LedgerResult<Account>.Failure(validation.ToError());
        }

        if (OverdraftAboveMaximum(request.OverdraftLimit, account.Currency) is { } tooHigh)
        {
            return LedgerResult<Account>.Failure(tooHigh);
        }

        // The expected version is checked by the procedure under the row lock, not against the row read above, so a
        // posting between that read and the change cannot slip through.
        var (status, updated) = await _store.SetOverdraftLimitAsync(
            account.Id, limit, request.ExpectedVersion, request.Actor ?? _options.DefaultActor, request.CorrelationId,
            Now().UtcDateTime, cancellationToken).ConfigureAwait(false);
        if (status == ProcedureStatus.VersionStale)
        {
            return LedgerResult<Account>.Failure(new LedgerError(LedgerErrorCode.PreconditionFailed,
                $"Account '{request.AccountId}' is at version {updated!.Version}, not {request.ExpectedVersion}; nothing " +
                "changed. Read it again and decide afresh."));
        }

        if (updated is null)
        {
            return AccountNotFound<Account>(request.AccountId!);
        }

        Log.OverdraftLimitChanged(_logger, updated.Id, account.OverdraftLimit, updated.OverdraftLimit);
        return LedgerResult<Account>.Success(ToAccount(updated));
    }

    public async Task<LedgerResult<EntryPage>> ListEntriesAsync(
        string accountId, int limit, long? beforeVersion, CancellationToken cancellationToken = default)
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
            return AccountNotFound<EntryPage>(accountId);
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
        return _verifier.VerifyAsync(maxMismatches, cancellationToken);
    }

    public async Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default) =>
        await _migrator.MigrateAsync(_options.EffectiveMigrationConnectionString, cancellationToken).ConfigureAwait(false);

    public Task<MigrationStatus> GetMigrationStatusAsync(CancellationToken cancellationToken = default) =>
        _migrator.GetStatusAsync(_options.EffectiveMigrationConnectionString, cancellationToken);

    internal static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    private DateTimeOffset Now() => TruncateToMicroseconds(_time.GetUtcNow());

    /// <summary>The refusal of an overdraft limit above its currency's cap (<see cref="OverdraftOptions"/>), or null.</summary>
    private LedgerError? OverdraftAboveMaximum(decimal overdraftLimit, string currency)
    {
        var maximum = _options.Overdraft.MaximumFor(currency);
        if (overdraftLimit <= maximum)
        {
            return null;
        }

        var validation = new Validation();
        validation.Add("overdraftLimit", string.Create(CultureInfo.InvariantCulture,
            $"The overdraft limit is at most {maximum} {currency} (Ledger:Overdraft)."));
        return validation.ToError();
    }

    private static LedgerResult<T>? InvalidAccountId<T>(string accountId)
        where T : class
    {
        var validation = new Validation();
        validation.AccountId("accountId", accountId);
        return validation.IsValid ? null : LedgerResult<T>.Failure(validation.ToError());
    }

    private static LedgerResult<T> AccountNotFound<T>(string accountId)
        where T : class =>
        LedgerResult<T>.Failure(LedgerErrorCode.AccountNotFound, $"The account '{accountId}' does not exist.");

    private static Account ToAccount(AccountRow row) => new(
        row.Id,
        new Money(row.Balance, row.Currency, row.Scale),
        new Money(row.OverdraftLimit, row.Currency, row.Scale),
        row.Version,
        new DateTimeOffset(row.CreatedAt));

    private static Balance ToBalance(BalanceSnapshot snapshot, BalanceSource source) => new(
        snapshot.AccountId, new Money(snapshot.Balance, snapshot.Currency, snapshot.Scale), snapshot.Version, source);
}
