using System.Globalization;
using Ledger.Cache;
using Ledger.Migrations;
using Ledger.Posting;
using Ledger.Storage;
using Ledger.Verification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Polly;
using StackExchange.Redis;

namespace Ledger;

/// <summary>The ledger: validates at the edge, posts through the stored procedures with retries, writes the cache
/// through after every commit, and reads balances from the cache with the database as fallback.</summary>
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
    private readonly ResiliencePipeline _postingPipeline;
    private readonly TransferBatcher? _batcher;

    public LedgerService(
        LedgerStore store,
        CurrencyCatalog currencies,
        IBalanceCache cache,
        LedgerMigrator migrator,
        LedgerVerifier verifier,
        TimeProvider timeProvider,
        IOptions<LedgerOptions> options,
        LedgerMetrics metrics,
        TransferBatcher batcher,
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
        _postingPipeline = PostingRetry.Build(_options.Retry, timeProvider, metrics, logger);
        _batcher = _options.Batching.Enabled ? batcher : null;
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

    public async Task<LedgerResult<Transfer>> PostTransferAsync(PostTransferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await TimedAsync(PostTransferCoreAsync, request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<LedgerResult<Transfer>> ReverseTransferAsync(ReverseTransferRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await TimedAsync(ReverseTransferCoreAsync, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one transfer or reversal and records <c>ledger.transfers.post.duration</c> by its outcome
    /// (failed when it throws).</summary>
    private async Task<LedgerResult<Transfer>> TimedAsync<TRequest>(
        Func<TRequest, CancellationToken, Task<LedgerResult<Transfer>>> post, TRequest request, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        LedgerResult<Transfer>? result = null;
        try
        {
            result = await post(request, cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _metrics.PostDuration(_time.GetElapsedTime(started), result);
        }
    }

    private async Task<LedgerResult<Transfer>> PostTransferCoreAsync(PostTransferRequest request, CancellationToken cancellationToken)
    {
        var now = Now();
        if (ValidateTransfer(request, now) is { } invalid)
        {
            return LedgerResult<Transfer>.Failure(invalid);
        }

        if (request.Currency is not null &&
            await _currencies.GetScaleAsync(request.Currency, cancellationToken).ConfigureAwait(false) is null)
        {
            var unknown = new Validation();
            unknown.Add("currency", $"The ledger does not know the currency '{request.Currency}'.");
            return LedgerResult<Transfer>.Failure(unknown.ToError());
        }

        var command = new PostTransferCommand(
            request.Id ?? Guid.CreateVersion7(now),
            request.SourceAccountId!,
            request.DestinationAccountId!,
            request.Amount,
            request.Currency,
            request.Timestamp is { } timestamp ? TruncateToMicroseconds(timestamp).UtcDateTime : null,
            Validation.NormalizeText(request.Reference),
            ReversalOf: null,
            request.PostedBy ?? _options.DefaultActor,
            request.CorrelationId,
            now.UtcDateTime);
        return await PostAsync(command, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LedgerResult<Transfer>> ReverseTransferCoreAsync(ReverseTransferRequest request, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        if (request.TransferId == Guid.Empty)
        {
            validation.Add("transferId", "The transfer id cannot be the empty UUID.");
        }

        if (request.Id == Guid.Empty)
        {
            validation.Add("id", "The reversal id cannot be the empty UUID.");
        }
        else if (request.Id is { Version: Uuids.DerivedVersion } derived && derived != Uuids.ReversalIdOf(request.TransferId))
        {
            validation.Add("id", Uuids.ReservedMessage);
        }

        validation.Text("reference", request.Reference, Validation.MaxReferenceLength);
        validation.Attribution("postedBy", request.PostedBy, request.CorrelationId);
        if (!validation.IsValid)
        {
            return LedgerResult<Transfer>.Failure(validation.ToError());
        }

        var original = await _store.GetTransferAsync(request.TransferId, cancellationToken).ConfigureAwait(false);
        if (original is null)
        {
            return LedgerResult<Transfer>.Failure(LedgerErrorCode.TransferNotFound, $"No transfer has the id {request.TransferId}.");
        }

        // The mirror image of the original: same amount, accounts swapped. Without an id of the caller's the
        // reversal's id is derived from the original's, so a retry without an id is recognised as the same reversal.
        var now = Now();
        var command = new PostTransferCommand(
            request.Id ?? Uuids.ReversalIdOf(request.TransferId),
            original.DestinationAccountId,
            original.SourceAccountId,
            Amounts.ToMajor(original.Amount, original.Scale),
            original.Currency,
            ClientTimestamp: null,
            Validation.NormalizeText(request.Reference),
            original.Id,
            request.PostedBy ?? _options.DefaultActor,
            request.CorrelationId,
            now.UtcDateTime);
        return await PostAsync(command, cancellationToken).ConfigureAwait(false);
    }

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

    /// <summary>Posts through the batcher (group commit) or, with batching off, one procedure call with retries;
    /// either way the cache is written through before the outcome is mapped. Reversals always take the single path:
    /// they are rare, and their checks (the original exists, is not reversed yet) read transfers one by one.</summary>
    private async Task<LedgerResult<Transfer>> PostAsync(PostTransferCommand command, CancellationToken cancellationToken)
    {
        PostTransferOutcome outcome;
        if (_batcher is not null && command.ReversalOf is null)
        {
            if (_batcher.TryPost(command, cancellationToken) is not { } queued)
            {
                return Reject(command.Id, LedgerErrorCode.Overloaded,
                    "The ledger is taking more posts than it can queue; nothing was queued. Retry with the same id shortly.", replayed: false);
            }

            outcome = await queued.ConfigureAwait(false);
        }
        else
        {
            var single = await PostOneAsync(command, cancellationToken).ConfigureAwait(false);
            if (single is null)
            {
                _metrics.ConcurrencyConflict();
                Log.ConcurrencyConflict(_logger, command.Id, _options.Retry.MaxRetries + 1);
                return Reject(command.Id, new LedgerError(LedgerErrorCode.ConcurrencyConflict,
                    "Other writers changed these accounts on every attempt; retry with the same transfer id."), replayed: false);
            }

            outcome = single;
            if (outcome.Status == ProcedureStatus.Done)
            {
                await _cache.WriteThroughAsync([outcome.Source!.Value, outcome.Destination!.Value], _logger).ConfigureAwait(false);
            }
        }

        return MapOutcome(command, outcome);
    }

    /// <summary>One transfer per procedure call, retried on version conflicts and transient faults; null when
    /// version conflicts outlasted the retries.</summary>
    private async Task<PostTransferOutcome?> PostOneAsync(PostTransferCommand command, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(PostingRetry.TransferIdKey, command.Id);
        try
        {
            return await _postingPipeline.ExecuteAsync(
                static async (context, state) =>
                {
                    var attempt = await state.Store.PostTransferAsync(state.Command, context.CancellationToken).ConfigureAwait(false);
                    return attempt.Status == ProcedureStatus.VersionConflict ? throw new VersionConflictException() : attempt;
                },
                context,
                (Store: _store, Command: command)).ConfigureAwait(false);
        }
        catch (VersionConflictException)
        {
            return null;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private LedgerResult<Transfer> MapOutcome(PostTransferCommand command, PostTransferOutcome outcome)
    {
        var replayed = outcome.Replayed;
        switch (outcome.Status)
        {
            case ProcedureStatus.Done:
                var posted = ToTransfer(outcome.Transfer!);
                _metrics.Posted();
                Log.TransferPosted(_logger, posted.Id, posted.Amount, posted.SourceAccountId, posted.DestinationAccountId);
                return LedgerResult<Transfer>.Success(posted);
            case ProcedureStatus.Replayed:
                Log.TransferReplayed(_logger, command.Id);
                return LedgerResult<Transfer>.Success(ToTransfer(outcome.Transfer!), replayed: true);
            case ProcedureStatus.IdempotencyConflict:
                return Reject(command.Id, LedgerErrorCode.IdempotencyConflict,
                    $"Transfer id {command.Id} was used before for a request with different content.", replayed: false);
            case ProcedureStatus.SourceNotFound:
                return Reject(command.Id, LedgerErrorCode.AccountNotFound, $"The source account '{command.SourceAccountId}' does not exist.", replayed);
            case ProcedureStatus.DestinationNotFound:
                return Reject(command.Id, LedgerErrorCode.AccountNotFound, $"The destination account '{command.DestinationAccountId}' does not exist.", replayed);
            case ProcedureStatus.CurrencyMismatch:
                return Reject(command.Id, LedgerErrorCode.CurrencyMismatch, command.Currency is null
                    ? "The source and destination accounts are in different currencies."
                    : $"The accounts are not both in {command.Currency}.", replayed);
            case ProcedureStatus.InsufficientFunds:
                return Reject(command.Id, LedgerErrorCode.InsufficientFunds,
                    $"The source account '{command.SourceAccountId}' has insufficient funds for this transfer.", replayed);
            case ProcedureStatus.BalanceOutOfRange:
                return Reject(command.Id, LedgerErrorCode.BalanceOutOfRange,
                    $"The destination account '{command.DestinationAccountId}' cannot hold a balance this large.", replayed);
            case ProcedureStatus.AmountPrecision:
                var validation = new Validation();
                validation.Add("amount", "The amount has more fraction digits than the currency allows.");
                return Reject(command.Id, validation.ToError(), replayed: false);
            case ProcedureStatus.TransferToReverseNotFound:
                return Reject(command.Id, LedgerErrorCode.TransferNotFound, $"No transfer has the id {command.ReversalOf}.", replayed: false);
            case ProcedureStatus.AlreadyReversed:
                return Reject(command.Id, LedgerErrorCode.AlreadyReversed,
                    $"Transfer {command.ReversalOf} has been reversed already; a transfer is reversed at most once.", replayed: false);
            default:
                throw new InvalidOperationException($"ledger_post_transfer returned the unexpected status {outcome.Status}.");
        }
    }

    public async Task<LedgerResult<Transfer>> GetTransferAsync(Guid transferId, CancellationToken cancellationToken = default)
    {
        var row = await _store.GetTransferAsync(transferId, cancellationToken).ConfigureAwait(false);
        return row is null
            ? LedgerResult<Transfer>.Failure(LedgerErrorCode.TransferNotFound, $"No transfer has the id {transferId}.")
            : LedgerResult<Transfer>.Success(ToTransfer(row));
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

    private LedgerError? ValidateTransfer(PostTransferRequest request, DateTimeOffset now)
    {
        var validation = new Validation();
        if (request.Id == Guid.Empty)
        {
            validation.Add("id", "The transfer id cannot be the empty UUID.");
        }
        else if (request.Id is { Version: Uuids.DerivedVersion })
        {
            validation.Add("id", Uuids.ReservedMessage);
        }

        validation.AccountId("sourceAccountId", request.SourceAccountId);
        validation.AccountId("destinationAccountId", request.DestinationAccountId);
        if (request.SourceAccountId is not null && string.Equals(request.SourceAccountId, request.DestinationAccountId, StringComparison.Ordinal))
        {
            validation.Add("destinationAccountId", "The destination account must differ from the source account.");
        }

        if (Amounts.CheckTransferAmount(request.Amount) is { } amountError)
        {
            validation.Add("amount", amountError);
        }

        validation.Currency("currency", request.Currency, required: false);
        validation.Text("reference", request.Reference, Validation.MaxReferenceLength);
        validation.Attribution("postedBy", request.PostedBy, request.CorrelationId);
        // Compared as stored: both sides truncated to microseconds.
        if (request.Timestamp is { } timestamp && TruncateToMicroseconds(timestamp) > now + _options.MaxClockSkew)
        {
            validation.Add("timestamp", $"The timestamp is more than {_options.MaxClockSkew} (hh:mm:ss) in the future.");
        }

        if (request.Timestamp is { } early && early.UtcDateTime.Year < 1970)
        {
            validation.Add("timestamp", "The timestamp is before 1970.");
        }

        return validation.IsValid ? null : validation.ToError();
    }

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

    private LedgerResult<Transfer> Reject(Guid transferId, LedgerErrorCode code, string message, bool replayed) =>
        Reject(transferId, new LedgerError(code, message), replayed);

    private LedgerResult<Transfer> Reject(Guid transferId, LedgerError error, bool replayed)
    {
        _metrics.Rejected(error.CodeName);
        Log.TransferRejected(_logger, transferId, error.CodeName, replayed);
        return LedgerResult<Transfer>.Failure(error, replayed);
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

    private static Transfer ToTransfer(TransferRow row) => new(
        row.Id,
        row.SourceAccountId,
        row.DestinationAccountId,
        new Money(row.Amount, row.Currency, row.Scale),
        new DateTimeOffset(row.ClientTimestamp ?? row.PostedAt),
        new DateTimeOffset(row.PostedAt),
        row.PostedBy,
        row.CorrelationId,
        row.Reference,
        row.ReversalOf);
}
