using Ledger.Cache;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Polly;

namespace Ledger.Posting;

/// <summary>A transaction waiting for its outcome.</summary>
internal sealed class Posting(PostingCommand command, long enqueuedAt)
{
    public PostingCommand Command { get; } = command;

    /// <summary>When it was queued, as a <see cref="TimeProvider.GetTimestamp"/>.</summary>
    public long EnqueuedAt { get; } = enqueuedAt;

    public TaskCompletionSource<PostingOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Runs one batch through the one posting procedure, whether the batcher formed it or batching is off (a batch of
/// one): the one retry policy (<see cref="PostingRetry"/>), the split that keeps one bad transaction from failing its
/// neighbours, the one write-through of the new balances, and then every caller's own outcome.
/// </summary>
internal sealed partial class PostingRunner
{
    private readonly PostingStore _store;
    private readonly IBalanceCache _cache;
    private readonly TimeProvider _time;
    private readonly ILogger<PostingRunner> _logger;
    private readonly ResiliencePipeline _retry;

    public PostingRunner(
        PostingStore store, IBalanceCache cache, TimeProvider timeProvider, IOptions<LedgerOptions> options,
        LedgerMetrics metrics, ILogger<PostingRunner> logger)
    {
        _store = store;
        _cache = cache;
        _time = timeProvider;
        _logger = logger;
        _retry = PostingRetry.Build(options.Value.Retry, timeProvider, metrics, logger);
    }

    /// <summary>Posts <paramref name="batch"/> and completes each item's <see cref="Posting.Outcome"/>: with its
    /// outcome; with a <see cref="VersionConflictException"/> when a version guard failed on every attempt; or with the
    /// database's exception when retries did not cure it. Never throws. A fault that retries do not cure splits the
    /// batch in halves until the transaction that causes it fails alone; an outage or a deployment fault
    /// (<see cref="DatabaseFaults.IsMisconfigured"/>: a missing grant or procedure) fails every item alike, so it
    /// does not split.</summary>
    public async Task RunAsync(IReadOnlyList<Posting> batch)
    {
        PostingOutcome[] outcomes;
        var context = ResilienceContextPool.Shared.Get(CancellationToken.None);
        context.Properties.Set(PostingRetry.CountKey, batch.Count);
        try
        {
            var commands = new PostingCommand[batch.Count];
            for (var i = 0; i < commands.Length; i++)
            {
                commands[i] = batch[i].Command;
            }

            outcomes = await _retry.ExecuteAsync(
                static async (context, state) => await state.Store
                    .PostAsync(state.Commands, state.Time.GetUtcNow().UtcDateTime, context.CancellationToken).ConfigureAwait(false),
                context,
                (Store: _store, Commands: commands, Time: _time)).ConfigureAwait(false);
        }
        catch (MySqlException ex) when (ex.Number == PostingRetry.GuardFailed)
        {
            Fail(batch, new VersionConflictException());
            return;
        }
        catch (Exception ex) when (batch.Count > 1 && ex is MySqlException && !DatabaseFaults.IsUnavailable(ex) && !DatabaseFaults.IsMisconfigured(ex))
        {
            LogSplitting(_logger, batch.Count, ex.Message);
            var half = batch.Count / 2;
            await RunAsync([.. batch.Take(half)]).ConfigureAwait(false);
            await RunAsync([.. batch.Skip(half)]).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            Fail(batch, ex);
            return;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        await WriteThroughAsync(outcomes).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Outcome.TrySetResult(outcomes[i]);
        }
    }

    /// <summary>Posts <paramref name="commands"/> all or nothing, in one procedure call and one database transaction
    /// under the same retry policy (a retry repeats the whole call; the ids keep it exactly once). No split: a fault
    /// that retries do not cure is thrown, and a version guard that failed on every attempt is a
    /// <see cref="VersionConflictException"/>. The outcomes in input order, and whether they were committed (every
    /// transaction posted or replayed); when not, nothing was written. The new balances are written to the cache only
    /// after a commit.</summary>
    public async Task<(PostingOutcome[] Outcomes, bool Committed)> RunAllOrNothingAsync(
        IReadOnlyList<PostingCommand> commands, CancellationToken cancellationToken)
    {
        (PostingOutcome[] Outcomes, bool Committed) answer;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(PostingRetry.CountKey, commands.Count);
        try
        {
            answer = await _retry.ExecuteAsync(
                static async (context, state) => await state.Store
                    .PostAllOrNothingAsync(state.Commands, state.Time.GetUtcNow().UtcDateTime, context.CancellationToken).ConfigureAwait(false),
                context,
                (Store: _store, Commands: commands, Time: _time)).ConfigureAwait(false);
        }
        catch (MySqlException ex) when (ex.Number == PostingRetry.GuardFailed)
        {
            throw new VersionConflictException();
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (answer.Committed)
        {
            await WriteThroughAsync(answer.Outcomes).ConfigureAwait(false);
        }

        return answer;
    }

    private static void Fail(IReadOnlyList<Posting> batch, Exception exception)
    {
        foreach (var posting in batch)
        {
            posting.Outcome.TrySetException(exception);
        }
    }

    /// <summary>One pipelined round of compare-and-set writes: the newest balance of each account the batch changed.</summary>
    private async Task WriteThroughAsync(PostingOutcome[] outcomes)
    {
        if (!_cache.IsEnabled)
        {
            return;
        }

        var newest = new Dictionary<string, BalanceSnapshot>(StringComparer.Ordinal);
        foreach (var outcome in outcomes)
        {
            if (outcome is not { Status: ProcedureStatus.Done, Replayed: false, Transaction: { } posted })
            {
                continue;
            }

            foreach (var snapshot in posted.Snapshots)
            {
                if (!newest.TryGetValue(snapshot.AccountId, out var seen) || seen.Version < snapshot.Version)
                {
                    newest[snapshot.AccountId] = snapshot;
                }
            }
        }

        if (newest.Count > 0)
        {
            await _cache.WriteThroughAsync([.. newest.Values], _logger).ConfigureAwait(false);
        }
    }

    [LoggerMessage(1101, LogLevel.Warning, "A batch of {Count} transactions failed ({Reason}); posting it in halves")]
    private static partial void LogSplitting(ILogger logger, int count, string reason);
}
