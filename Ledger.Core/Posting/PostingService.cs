using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ledger.Posting;

/// <summary>
/// Posting for the face (<see cref="LedgerService"/>): validates transfers, transactions and reversals at the edge,
/// turns each into one <see cref="PostingCommand"/>, routes it (through the batcher, or with batching off as a batch
/// of one through the same <see cref="PostingRunner"/>), and turns the outcome into a result.
/// </summary>
internal sealed class PostingService
{
    private const int MinLegs = 2;
    private const int MaxLegs = 100;

    private readonly PostingStore _store;
    private readonly PostingRunner _runner;
    private readonly TransactionBatcher? _batcher;
    private readonly CurrencyCatalog _currencies;
    private readonly TimeProvider _time;
    private readonly LedgerOptions _options;
    private readonly LedgerMetrics _metrics;
    private readonly ILogger<PostingService> _logger;

    public PostingService(
        PostingStore store, PostingRunner runner, TransactionBatcher batcher, CurrencyCatalog currencies,
        TimeProvider timeProvider, IOptions<LedgerOptions> options, LedgerMetrics metrics, ILogger<PostingService> logger)
    {
        _store = store;
        _runner = runner;
        _currencies = currencies;
        _time = timeProvider;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        _batcher = _options.Batching.Enabled ? batcher : null;
    }

    public Task<LedgerResult<Transfer>> PostTransferAsync(PostTransferRequest request, CancellationToken cancellationToken) =>
        TimedAsync(async () =>
        {
            var now = _time.Now();
            var validation = new Validation();
            Header(validation, request.Id, request.Currency, request.Timestamp, request.Reference, request.PostedBy, request.CorrelationId, now);
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

            if (await InvalidAsync(validation, request.Currency, cancellationToken).ConfigureAwait(false) is { } invalid)
            {
                return LedgerResult<Transfer>.Failure(invalid);
            }

            var command = Command(
                request.Id ?? Guid.CreateVersion7(now),
                [new LegCommand(request.SourceAccountId!, -request.Amount), new LegCommand(request.DestinationAccountId!, request.Amount)],
                request.Currency, request.Timestamp, request.Reference, reversalOf: null, request.PostedBy, request.CorrelationId);
            return await SubmitAsync(command, transfer: true, ToTransfer, cancellationToken).ConfigureAwait(false);
        });

    public Task<LedgerResult<Transaction>> PostTransactionAsync(PostTransactionRequest request, CancellationToken cancellationToken) =>
        TimedAsync(async () =>
        {
            var (command, invalid) = await PrepareTransactionAsync(request, _time.Now(), cancellationToken).ConfigureAwait(false);
            return command is null
                ? LedgerResult<Transaction>.Failure(invalid!)
                : await SubmitAsync(command, transfer: false, ToTransaction, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>
    /// Several transactions in one call. Each item is validated as <see cref="PostTransactionAsync"/> validates one
    /// (the same <see cref="PrepareTransactionAsync"/>); ids given twice refuse the whole request. Without
    /// <see cref="PostTransactionsRequest.Atomic"/> the valid items are queued in input order to the batcher, which
    /// keeps that order on every account they share and posts them in the batches it forms (an item the full queue
    /// cannot take is <c>overloaded</c>); with batching off they are procedure batches of at most
    /// <see cref="BatchingOptions.MaxBatchSize"/>, one after another, through the <see cref="PostingRunner"/>. Every
    /// item gets its own result. With <see cref="PostTransactionsRequest.Atomic"/>, one procedure call in one database
    /// transaction that is committed only if every item is posted or replayed.
    /// </summary>
    public async Task<LedgerResult<PostTransactionsResult>> PostTransactionsAsync(PostTransactionsRequest request, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var items = request.Items;
        if (items is null || items.Count is 0 or > PostTransactionsRequest.MaxItems)
        {
            var validation = new Validation();
            validation.Add("items", $"A request carries 1 to {PostTransactionsRequest.MaxItems} transactions.");
            return LedgerResult<PostTransactionsResult>.Failure(validation.ToError());
        }

        var firstWithId = new Dictionary<Guid, int>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(items[i], $"{nameof(request)}.{nameof(request.Items)}[{i}]");
            if (items[i].Id is { } id && !firstWithId.TryAdd(id, i))
            {
                var validation = new Validation();
                validation.Add("id", $"The id {id} is the id of items[{firstWithId[id]}] too; the ids of one request are distinct.");
                return LedgerResult<PostTransactionsResult>.Failure(validation.ToError().AtItem(i));
            }
        }

        var now = _time.Now();
        var results = new LedgerResult<Transaction>?[items.Count];
        var commands = new List<PostingCommand>(items.Count);
        var indexes = new List<int>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var (command, invalid) = await PrepareTransactionAsync(items[i], now, cancellationToken).ConfigureAwait(false);
            if (command is null)
            {
                if (request.Atomic)
                {
                    return LedgerResult<PostTransactionsResult>.Failure(invalid!.AtItem(i));
                }

                results[i] = LedgerResult<Transaction>.Failure(invalid!);
                continue;
            }

            commands.Add(command);
            indexes.Add(i);
        }

        if (request.Atomic)
        {
            return await PostAllOrNothingAsync(commands, started, cancellationToken).ConfigureAwait(false);
        }

        if (_batcher is not null)
        {
            // Queued in input order by this one caller, so the batcher keeps their order on every account they share
            // (a later item sees what earlier ones left), and they are posted in the batches it forms with everyone
            // else's posts: none waits for another batch's locks, and a bulk request costs what those batches cost.
            var queued = new Task<LedgerResult<Transaction>>[commands.Count];
            for (var j = 0; j < queued.Length; j++)
            {
                queued[j] = SubmitAsync(commands[j], transfer: false, ToTransaction, cancellationToken);
            }

            for (var j = 0; j < queued.Length; j++)
            {
                results[indexes[j]] = await queued[j].ConfigureAwait(false);
            }

            return Answered(results, started);
        }

        // Batching off: the items are a batch already, posted as procedure batches of at most MaxBatchSize.
        var size = _options.Batching.MaxBatchSize;
        for (var first = 0; first < commands.Count; first += size)
        {
            // Between batches only: a batch handed to the runner runs to its outcome.
            cancellationToken.ThrowIfCancellationRequested();
            var batch = new Posting[Math.Min(size, commands.Count - first)];
            for (var j = 0; j < batch.Length; j++)
            {
                batch[j] = new Posting(commands[first + j], _time.GetTimestamp());
            }

            var batchStarted = _time.GetTimestamp();
            await _runner.RunAsync(batch).ConfigureAwait(false);
            _metrics.Batch(batch.Length, _time.GetElapsedTime(batchStarted));
            for (var j = 0; j < batch.Length; j++)
            {
                var posting = batch[j];
                try
                {
                    var outcome = await posting.Outcome.Task.ConfigureAwait(false);
                    results[indexes[first + j]] = Decide(posting.Command, outcome, transfer: false, ToTransaction);
                }
                catch (VersionConflictException)
                {
                    results[indexes[first + j]] = ConcurrencyConflict<Transaction>(posting.Command.Id, transfer: false);
                }
            }
        }

        return Answered(results, started);
    }

    /// <summary>Every item's result, each counted with the request's duration.</summary>
    private LedgerResult<PostTransactionsResult> Answered(LedgerResult<Transaction>?[] results, long started)
    {
        var elapsed = _time.GetElapsedTime(started);
        var answers = new LedgerResult<Transaction>[results.Length];
        for (var i = 0; i < answers.Length; i++)
        {
            answers[i] = results[i]!;
            _metrics.PostDuration(elapsed, answers[i]);
        }

        return LedgerResult<PostTransactionsResult>.Success(new PostTransactionsResult(answers));
    }

    /// <summary>All or nothing: the refusal of the first item at fault (with its index), or every item's result.</summary>
    private async Task<LedgerResult<PostTransactionsResult>> PostAllOrNothingAsync(
        List<PostingCommand> commands, long started, CancellationToken cancellationToken)
    {
        PostingOutcome[] outcomes;
        bool committed;
        try
        {
            (outcomes, committed) = await _runner.RunAllOrNothingAsync(commands, cancellationToken).ConfigureAwait(false);
        }
        catch (VersionConflictException)
        {
            var conflict = ConcurrencyConflict<Transaction>(commands[0].Id, transfer: false);
            return LedgerResult<PostTransactionsResult>.Failure(conflict.Error!);
        }

        if (!committed)
        {
            for (var i = 0; i < outcomes.Length; i++)
            {
                if (outcomes[i].Status is not (ProcedureStatus.Done or ProcedureStatus.Replayed))
                {
                    var error = PostingOutcomes.ErrorOf(outcomes[i], commands[i], transfer: false);
                    Reject<Transaction>(commands[i].Id, error, replayed: false);
                    _metrics.PostDuration(_time.GetElapsedTime(started), LedgerResult<Transaction>.Failure(error));
                    return LedgerResult<PostTransactionsResult>.Failure(error.AtItem(i));
                }
            }

            throw new InvalidOperationException("An all-or-nothing batch was rolled back with no item at fault.");
        }

        var elapsed = _time.GetElapsedTime(started);
        var answers = new LedgerResult<Transaction>[outcomes.Length];
        for (var i = 0; i < answers.Length; i++)
        {
            answers[i] = Decide(commands[i], outcomes[i], transfer: false, ToTransaction);
            _metrics.PostDuration(elapsed, answers[i]);
        }

        return LedgerResult<PostTransactionsResult>.Success(new PostTransactionsResult(answers));
    }

    /// <summary>A transaction validated as every post of one is (header, legs, currency): its command, or why not.</summary>
    private async Task<(PostingCommand? Command, LedgerError? Invalid)> PrepareTransactionAsync(
        PostTransactionRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        Header(validation, request.Id, request.Currency, request.Timestamp, request.Reference, request.PostedBy, request.CorrelationId, now);
        Legs(validation, request.Legs);
        if (await InvalidAsync(validation, request.Currency, cancellationToken).ConfigureAwait(false) is { } invalid)
        {
            return (null, invalid);
        }

        return (Command(
            request.Id ?? Guid.CreateVersion7(now),
            [.. request.Legs!.Select(leg => new LegCommand(leg.AccountId!, leg.Amount, leg.ExpectedVersion))],
            request.Currency, request.Timestamp, request.Reference, reversalOf: null, request.PostedBy, request.CorrelationId), null);
    }

    /// <summary>A transfer's reversal: only a transaction of two legs is a transfer, which the procedure checks (no read
    /// of the original first).</summary>
    public Task<LedgerResult<Transfer>> ReverseTransferAsync(ReverseTransferRequest request, CancellationToken cancellationToken) =>
        TimedAsync(async () =>
        {
            if (Reversal(request.TransferId, "transferId", request.Id, request.Reference, request.PostedBy, request.CorrelationId) is { } invalid)
            {
                return LedgerResult<Transfer>.Failure(invalid);
            }

            var command = Command(request.Id ?? Uuids.ReversalIdOf(request.TransferId), [], null, null, request.Reference,
                request.TransferId, request.PostedBy, request.CorrelationId) with { ReversedLegs = 2 };
            return await SubmitAsync(command, transfer: true, ToTransfer, cancellationToken).ConfigureAwait(false);
        });

    public Task<LedgerResult<Transaction>> ReverseTransactionAsync(ReverseTransactionRequest request, CancellationToken cancellationToken) =>
        TimedAsync(async () =>
        {
            if (Reversal(request.TransactionId, "transactionId", request.Id, request.Reference, request.PostedBy, request.CorrelationId) is { } invalid)
            {
                return LedgerResult<Transaction>.Failure(invalid);
            }

            var command = Command(request.Id ?? Uuids.ReversalIdOf(request.TransactionId), [], null, null, request.Reference,
                request.TransactionId, request.PostedBy, request.CorrelationId);
            return await SubmitAsync(command, transfer: false, ToTransaction, cancellationToken).ConfigureAwait(false);
        });

    public async Task<LedgerResult<Transfer>> GetTransferAsync(Guid transferId, CancellationToken cancellationToken)
    {
        var row = await _store.GetAsync(transferId, cancellationToken).ConfigureAwait(false);
        return row switch
        {
            null => LedgerResult<Transfer>.Failure(LedgerErrorCode.TransferNotFound, $"No transfer has the id {transferId}."),
            { Legs.Count: not 2 } => LedgerResult<Transfer>.Failure(LedgerErrorCode.TransferNotFound,
                $"{transferId} is a transaction of {row.Legs.Count} legs, not a transfer; read it as a transaction."),
            _ => LedgerResult<Transfer>.Success(ToTransfer(row)),
        };
    }

    public async Task<LedgerResult<Transaction>> GetTransactionAsync(Guid transactionId, CancellationToken cancellationToken)
    {
        var row = await _store.GetAsync(transactionId, cancellationToken).ConfigureAwait(false);
        return row is null
            ? LedgerResult<Transaction>.Failure(LedgerErrorCode.TransactionNotFound, $"No transaction has the id {transactionId}.")
            : LedgerResult<Transaction>.Success(ToTransaction(row));
    }

    /// <summary>Posts one command and maps its outcome; the one place a posting's outcome becomes a result.</summary>
    private async Task<LedgerResult<T>> SubmitAsync<T>(
        PostingCommand command, bool transfer, Func<TransactionRow, T> map, CancellationToken cancellationToken)
        where T : class
    {
        PostingOutcome outcome;
        try
        {
            if (await RouteAsync(command, cancellationToken).ConfigureAwait(false) is not { } routed)
            {
                return Reject<T>(command.Id, new LedgerError(LedgerErrorCode.Overloaded,
                    "The ledger is taking more posts than it can queue; nothing was queued. Retry with the same id shortly."), replayed: false);
            }

            outcome = routed;
        }
        catch (VersionConflictException)
        {
            return ConcurrencyConflict<T>(command.Id, transfer);
        }

        return Decide(command, outcome, transfer, map);
    }

    /// <summary>The result of one transaction's outcome: counted, logged, and mapped to a value or a refusal.</summary>
    private LedgerResult<T> Decide<T>(PostingCommand command, PostingOutcome outcome, bool transfer, Func<TransactionRow, T> map)
        where T : class
    {
        switch (outcome)
        {
            case { Status: ProcedureStatus.Done, Transaction: { } posted }:
                _metrics.Posted();
                Log.TransactionPosted(_logger, posted.Id, posted.Legs.Count, posted.Currency);
                return LedgerResult<T>.Success(map(posted));
            case { Status: ProcedureStatus.Replayed, Transaction: { } original }:
                Log.TransactionReplayed(_logger, command.Id);
                return LedgerResult<T>.Success(map(original), replayed: true);
            default:
                // Only a refusal recorded under the id is a replay of one; a conflict or a stale version is decided now.
                var replayed = outcome.Replayed && outcome.Status != ProcedureStatus.IdempotencyConflict;
                return Reject<T>(command.Id, PostingOutcomes.ErrorOf(outcome, command, transfer), replayed);
        }
    }

    /// <summary>Retries exhausted on version conflicts: nothing was decided; the same id may be sent again.</summary>
    private LedgerResult<T> ConcurrencyConflict<T>(Guid id, bool transfer)
        where T : class
    {
        _metrics.ConcurrencyConflict();
        Log.ConcurrencyConflict(_logger, id, _options.Retry.MaxRetries + 1);
        return Reject<T>(id, new LedgerError(LedgerErrorCode.ConcurrencyConflict,
            $"Other writers changed these accounts on every attempt; retry with the same {(transfer ? "transfer" : "transaction")} id."),
            replayed: false);
    }

    /// <summary>Through the batcher, or with batching off as a batch of one; null when the queue is full.</summary>
    private async Task<PostingOutcome?> RouteAsync(PostingCommand command, CancellationToken cancellationToken)
    {
        if (_batcher is not null)
        {
            return _batcher.TryPost(command, cancellationToken) is { } queued ? await queued.ConfigureAwait(false) : null;
        }

        var posting = new Posting(command, _time.GetTimestamp());
        await _runner.RunAsync([posting]).ConfigureAwait(false);
        return await posting.Outcome.Task.ConfigureAwait(false);
    }

    private async Task<LedgerResult<T>> TimedAsync<T>(Func<Task<LedgerResult<T>>> post)
        where T : class
    {
        var started = _time.GetTimestamp();
        LedgerResult<T>? result = null;
        try
        {
            result = await post().ConfigureAwait(false);
            return result;
        }
        finally
        {
            _metrics.PostDuration(_time.GetElapsedTime(started), result);
        }
    }

    private LedgerResult<T> Reject<T>(Guid id, LedgerError error, bool replayed)
        where T : class
    {
        _metrics.Rejected(error.CodeName);
        Log.TransactionRejected(_logger, id, error.CodeName, replayed);
        return LedgerResult<T>.Failure(error, replayed);
    }

    private PostingCommand Command(
        Guid id, IReadOnlyList<LegCommand> legs, string? currency, DateTimeOffset? timestamp, string? reference, Guid? reversalOf,
        string? postedBy, string? correlationId) =>
        new(id, legs, currency, timestamp is { } t ? LedgerTime.TruncateToMicroseconds(t).UtcDateTime : null,
            Validation.NormalizeText(reference), reversalOf, postedBy ?? _options.DefaultActor, correlationId);

    /// <summary>What a transfer and a transaction share: the id, currency, timestamp, reference and attribution.</summary>
    private void Header(
        Validation validation, Guid? id, string? currency, DateTimeOffset? timestamp, string? reference, string? postedBy,
        string? correlationId, DateTimeOffset now)
    {
        if (id == Guid.Empty)
        {
            validation.Add("id", "The id cannot be the empty UUID.");
        }
        else if (id is { Version: Uuids.DerivedVersion })
        {
            validation.Add("id", Uuids.ReservedMessage);
        }

        validation.Currency("currency", currency, required: false);
        validation.Text("reference", reference, Validation.MaxReferenceLength);
        validation.Attribution("postedBy", postedBy, correlationId);
        // Compared as stored: both sides truncated to microseconds.
        if (timestamp is { } stamp && LedgerTime.TruncateToMicroseconds(stamp) > now + _options.MaxClockSkew)
        {
            validation.Add("timestamp", $"The timestamp is more than {_options.MaxClockSkew} (hh:mm:ss) in the future.");
        }

        if (timestamp is { } early && early.UtcDateTime.Year < 1970)
        {
            validation.Add("timestamp", "The timestamp is before 1970.");
        }
    }

    /// <summary>2 to 100 legs, each a valid account at most once with a non-zero amount, summing to zero.</summary>
    private static void Legs(Validation validation, IReadOnlyList<TransactionLegRequest>? legs)
    {
        if (legs is null)
        {
            validation.Add("legs", "The legs are required.");
            return;
        }

        if (legs.Count is < MinLegs or > MaxLegs)
        {
            validation.Add("legs", $"A transaction has {MinLegs} to {MaxLegs} legs.");
            return;
        }

        var accounts = new HashSet<string>(StringComparer.Ordinal);
        var sum = 0m;
        var amountsValid = true;
        for (var i = 0; i < legs.Count; i++)
        {
            var leg = legs[i];
            if (leg is null)
            {
                validation.Add($"legs[{i}]", "A leg cannot be null.");
                amountsValid = false;
                continue;
            }

            validation.AccountId($"legs[{i}].accountId", leg.AccountId);
            if (leg.AccountId is not null && !accounts.Add(leg.AccountId))
            {
                validation.Add($"legs[{i}].accountId", "An account appears in at most one leg.");
            }

            if (Amounts.CheckTransferAmount(Math.Abs(leg.Amount)) is { } amountError)
            {
                validation.Add($"legs[{i}].amount", leg.Amount == 0m ? "The amount cannot be zero." : amountError);
                amountsValid = false;
            }
            else
            {
                sum += leg.Amount;
            }

            if (leg.ExpectedVersion is < 0)
            {
                validation.Add($"legs[{i}].expectedVersion", "A version is zero or more.");
            }
        }

        if (amountsValid && sum != 0m)
        {
            validation.Add("legs", $"The legs must sum to zero; they sum to {sum}.");
        }
    }

    private static LedgerError? Reversal(Guid originalId, string originalField, Guid? id, string? reference, string? postedBy, string? correlationId)
    {
        var validation = new Validation();
        if (originalId == Guid.Empty)
        {
            validation.Add(originalField, "The id cannot be the empty UUID.");
        }

        if (id == Guid.Empty)
        {
            validation.Add("id", "The reversal id cannot be the empty UUID.");
        }
        else if (id is { Version: Uuids.DerivedVersion } derived && derived != Uuids.ReversalIdOf(originalId))
        {
            validation.Add("id", Uuids.ReservedMessage);
        }

        validation.Text("reference", reference, Validation.MaxReferenceLength);
        validation.Attribution("postedBy", postedBy, correlationId);
        return validation.IsValid ? null : validation.ToError();
    }

    /// <summary>The validation error, or an unknown currency's (checked only once the rest is valid), or null.</summary>
    private async Task<LedgerError?> InvalidAsync(Validation validation, string? currency, CancellationToken cancellationToken)
    {
        if (!validation.IsValid)
        {
            return validation.ToError();
        }

        if (currency is not null && await _currencies.GetScaleAsync(currency, cancellationToken).ConfigureAwait(false) is null)
        {
            validation.Add("currency", $"The ledger does not know the currency '{currency}'.");
            return validation.ToError();
        }

        return null;
    }

    private static Transaction ToTransaction(TransactionRow row) => new(
        row.Id,
        row.Currency,
        [.. row.Legs.Select(leg => new TransactionLeg(
            leg.AccountId,
            new Money(leg.Amount, row.Currency, row.Scale),
            new Money(leg.BalanceAfter, row.Currency, row.Scale),
            leg.Version))],
        new DateTimeOffset(row.ClientTimestamp ?? row.PostedAt),
        new DateTimeOffset(row.PostedAt),
        row.PostedBy,
        row.CorrelationId,
        row.Reference,
        row.ReversalOf);

    /// <summary>A two-leg transaction as a transfer: the debited leg is the source.</summary>
    private static Transfer ToTransfer(TransactionRow row)
    {
        var (debit, credit) = row.Legs[0].Amount < 0 ? (row.Legs[0], row.Legs[1]) : (row.Legs[1], row.Legs[0]);
        return new Transfer(
            row.Id,
            debit.AccountId,
            credit.AccountId,
            new Money(credit.Amount, row.Currency, row.Scale),
            new DateTimeOffset(row.ClientTimestamp ?? row.PostedAt),
            new DateTimeOffset(row.PostedAt),
            row.PostedBy,
            row.CorrelationId,
            row.Reference,
            row.ReversalOf);
    }
}
