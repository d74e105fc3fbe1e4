using System.Globalization;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Ledger.Accounts;

/// <summary>Opening accounts and changing their overdraft limits, for the face (<see cref="LedgerService"/>): validated
/// at the edge, applied by one procedure call each, written to the audit log by the procedure.</summary>
internal sealed class AccountService(
    LedgerStore store, CurrencyCatalog currencies, TimeProvider timeProvider, IOptions<LedgerOptions> options, ILogger<AccountService> logger)
{
    private readonly LedgerStore _store = store;
    private readonly CurrencyCatalog _currencies = currencies;
    private readonly LedgerOptions _options = options.Value;
    private readonly ILogger<AccountService> _logger = logger;

    public async Task<LedgerResult<Account>> CreateAsync(CreateAccountRequest request, CancellationToken cancellationToken)
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

        var now = timeProvider.Now();
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

    public async Task<LedgerResult<Account>> SetOverdraftLimitAsync(SetOverdraftLimitRequest request, CancellationToken cancellationToken)
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
            timeProvider.Now().UtcDateTime, cancellationToken).ConfigureAwait(false);
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

    internal static LedgerResult<T>? InvalidAccountId<T>(string accountId)
        where T : class
    {
        var validation = new Validation();
        validation.AccountId("accountId", accountId);
        return validation.IsValid ? null : LedgerResult<T>.Failure(validation.ToError());
    }

    internal static LedgerResult<T> AccountNotFound<T>(string accountId)
        where T : class =>
        LedgerResult<T>.Failure(LedgerErrorCode.AccountNotFound, $"The account '{accountId}' does not exist.");

    internal static Account ToAccount(AccountRow row) => new(
        row.Id,
        new Money(row.Balance, row.Currency, row.Scale),
        new Money(row.OverdraftLimit, row.Currency, row.Scale),
        row.Version,
        new DateTimeOffset(row.CreatedAt));
}
