using System.Threading.Channels;
using Ledger.Cache;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Polly;

namespace Ledger.Posting;

/// <summary>
/// Group commit. Concurrent posts wait in a bounded queue; each of a few workers takes what is queued (up to
/// <see cref="BatchingOptions.MaxBatchSize"/>, lingering at most <see cref="BatchingOptions.MaxWait"/> for more,
/// and holding back for a later batch what touches the accounts of a batch in flight), posts it with one procedure
/// call in one transaction (see <see cref="BatchFormer{T}"/>), writes the new balances to the cache in one pipelined round,
/// and then answers every caller with its own outcome. Under light load a batch is one transfer and adds no wait;
/// under heavy load the queue fills while a batch commits, and the next batch carries all of it.
/// </summary>
internal sealed partial class TransferBatcher : IAsyncDisposable, IDisposable
{
    private readonly Channel<Pending> _queue;
    private readonly BatchStore _store;
    private readonly IBalanceCache _cache;
    private readonly TimeProvider _time;
    private readonly BatchingOptions _options;
    private readonly ILogger<TransferBatcher> _logger;
    private readonly LedgerMetrics _metrics;
    private readonly ResiliencePipeline _retry;
    private readonly BatchFormer<Pending> _former;
    private int _disposed;
    private readonly Lazy<Task[]> _workers;

    public TransferBatcher(
        BatchStore store,
        IBalanceCache cache,
        TimeProvider timeProvider,
        IOptions<LedgerOptions> options,
        LedgerMetrics metrics,
        ILogger<TransferBatcher> logger)
    {
        _store = store;
        _cache = cache;
        _time = timeProvider;
        _options = options.Value.Batching;
        _metrics = metrics;
        _logger = logger;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        _former = new BatchFormer<Pending>(_options.MaxBatchSize, pending => pending.Transfer);
        _retry = PostingRetry.Build(options.Value.Retry, timeProvider, metrics, logger);
        // Workers start with the first post, so a ledger that never posts (a reader, a test) runs none.
        _workers = new Lazy<Task[]>(() => Enumerable.Range(0, _options.MaxConcurrentBatches).Select(_ => Task.Run(WorkAsync)).ToArray());
        metrics.ObserveQueueDepth(() => QueueLength);
    }

    /// <summary>Queues a transfer and waits for its batch. Null when the queue is full: the caller is refused at
    /// once rather than made to wait.</summary>
    public Task<PostTransferOutcome>? TryPost(PostTransferCommand transfer, CancellationToken cancellationToken)
    {
        _ = _workers.Value;
        var pending = new Pending(transfer, _time.GetTimestamp());
        if (!_queue.Writer.TryWrite(pending))
        {
            return null;
        }

        // A caller that stops waiting does not take its transfer out of a batch: the outcome is then unknown to it,
        // and a retry with the same id tells it.
        return cancellationToken.CanBeCanceled ? pending.Outcome.Task.WaitAsync(cancellationToken) : pending.Outcome.Task;
    }

    public int QueueLength => _queue.Reader.Count + _former.HeldCount;

    /// <summary>For containers disposed synchronously: drains the queue like <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        if (_workers.IsValueCreated)
        {
            // Let the queued transfers be posted before stopping.
            await Task.WhenAll(_workers.Value).ConfigureAwait(false);
        }
    }

    private async Task WorkAsync()
    {
        var reader = _queue.Reader;
        while (true)
        {
            var released = _former.NextRelease;
            if (_former.HeldCount == 0 && !await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                return;
            }

            var batch = _former.Start();
            _former.Fill(batch, reader);
            if (!batch.IsFull && _options.MaxWait > TimeSpan.Zero)
            {
                await LingerAsync(reader, batch).ConfigureAwait(false);
            }

            if (batch.Items.Count == 0)
            {
                // Everything waiting touches the accounts of a batch in flight: wait for one to finish.
                await released.ConfigureAwait(false);
                continue;
            }

            try
            {
                await PostBatchAsync(batch.Items).ConfigureAwait(false);
            }
            finally
            {
                _former.Release(batch);
            }
        }
    }

    private async Task LingerAsync(ChannelReader<Pending> reader, BatchFormer<Pending>.Batch batch)
    {
        using var linger = new CancellationTokenSource(_options.MaxWait, _time);
        try
        {
            while (!batch.IsFull && await reader.WaitToReadAsync(linger.Token).ConfigureAwait(false))
            {
                var before = batch.Items.Count;
                _former.Fill(batch, reader);
                if (batch.Items.Count == before)
                {
                    // What arrived is held back; let the batch go with what it has.
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (linger.IsCancellationRequested)
        {
            // The batch closes at MaxWait with what it has.
        }
    }

    private async Task PostBatchAsync(List<Pending> batch)
    {
        var started = _time.GetTimestamp();
        foreach (var pending in batch)
        {
            _metrics.QueueWait(_time.GetElapsedTime(pending.EnqueuedAt, started));
        }

        await PostAsync(batch).ConfigureAwait(false);
        _metrics.Batch(batch.Count, _time.GetElapsedTime(started));
    }

    /// <summary>Posts a batch; a fault that retries do not cure splits it in halves until the transfer that causes
    /// it fails alone, so one bad transfer never fails its neighbours. An outage or a deployment fault (a missing grant,
    /// a missing procedure: <see cref="DatabaseFaults.IsMisconfigured"/>) fails every transfer alike, so it does not
    /// split.</summary>
    private async Task PostAsync(List<Pending> batch)
    {
        PostTransferOutcome[] outcomes;
        try
        {
            var commands = batch.ConvertAll(p => p.Transfer);
            outcomes = await _retry.ExecuteAsync(
                static async (state, token) => await state.Store.PostAsync(state.Commands, state.Now(), token).ConfigureAwait(false),
                (Store: _store, Commands: commands, Now: (Func<DateTime>)(() => _time.GetUtcNow().UtcDateTime)),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (batch.Count > 1 && ex is MySqlException && !DatabaseFaults.IsUnavailable(ex) && !DatabaseFaults.IsMisconfigured(ex))
        {
            LogSplitting(_logger, batch.Count, ex.Message);
            var half = batch.Count / 2;
            await PostAsync(batch.GetRange(0, half)).ConfigureAwait(false);
            await PostAsync(batch.GetRange(half, batch.Count - half)).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
            {
                pending.Outcome.TrySetException(ex);
            }

            return;
        }

        await WriteThroughAsync(outcomes).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Outcome.TrySetResult(outcomes[i]);
        }
    }

    /// <summary>One pipelined round of compare-and-set writes: the newest balance of each account the batch changed.</summary>
    private async Task WriteThroughAsync(PostTransferOutcome[] outcomes)
    {
        if (!_cache.IsEnabled)
        {
            return;
        }

        var newest = new Dictionary<string, BalanceSnapshot>(StringComparer.Ordinal);
        foreach (var outcome in outcomes)
        {
            if (outcome.Status != ProcedureStatus.Done)
            {
                continue;
            }

            foreach (var snapshot in (ReadOnlySpan<BalanceSnapshot>)[outcome.Source!.Value, outcome.Destination!.Value])
            {
                if (!newest.TryGetValue(snapshot.AccountId, out var seen) || seen.Version < snapshot.Version)
                {
                    newest[snapshot.AccountId] = snapshot;
                }
            }
        }

        await _cache.WriteThroughAsync([.. newest.Values], _logger).ConfigureAwait(false);
    }

    [LoggerMessage(1101, LogLevel.Warning, "A batch of {Count} transfers failed ({Reason}); posting it in halves")]
    private static partial void LogSplitting(ILogger logger, int count, string reason);

    private sealed class Pending(PostTransferCommand transfer, long enqueuedAt)
    {
        public PostTransferCommand Transfer { get; } = transfer;

        /// <summary>When it was queued, as a <see cref="TimeProvider.GetTimestamp"/>.</summary>
        public long EnqueuedAt { get; } = enqueuedAt;

        public TaskCompletionSource<PostTransferOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
