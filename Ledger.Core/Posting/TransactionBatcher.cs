using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Ledger.Posting;

/// <summary>
/// Group commit. Concurrent posts wait in a bounded queue; each of a few workers takes what is queued (up to
/// <see cref="BatchingOptions.MaxBatchSize"/>, lingering at most <see cref="BatchingOptions.MaxWait"/> for more,
/// and holding back for a later batch what touches the accounts of a batch in flight: see <see cref="BatchFormer{T}"/>),
/// and hands it to the <see cref="PostingRunner"/>, which posts it with one procedure call in one transaction, writes
/// the new balances to the cache, and answers every caller with its own outcome. Under light load a batch is one transaction and adds no wait;
/// under heavy load the queue fills while a batch commits, and the next batch carries all of it.
/// </summary>
internal sealed class TransactionBatcher : IAsyncDisposable, IDisposable
{
    private readonly Channel<Posting> _queue;
    private readonly PostingRunner _runner;
    private readonly TimeProvider _time;
    private readonly BatchingOptions _options;
    private readonly LedgerMetrics _metrics;
    private readonly BatchFormer<Posting> _former;
    private int _disposed;
    private readonly Lazy<Task[]> _workers;

    public TransactionBatcher(PostingRunner runner, TimeProvider timeProvider, IOptions<LedgerOptions> options, LedgerMetrics metrics)
    {
        _runner = runner;
        _time = timeProvider;
        _options = options.Value.Batching;
        _metrics = metrics;
        _queue = Channel.CreateBounded<Posting>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        _former = new BatchFormer<Posting>(_options.MaxBatchSize, posting => posting.Command);
        // Workers start with the first post, so a ledger that never posts (a reader, a test) runs none.
        _workers = new Lazy<Task[]>(() => Enumerable.Range(0, _options.MaxConcurrentBatches).Select(_ => Task.Run(WorkAsync)).ToArray());
        metrics.ObserveQueueDepth(() => QueueLength);
    }

    /// <summary>Queues a transaction and waits for its batch. Null when the queue is full: the caller is refused at
    /// once rather than made to wait.</summary>
    public Task<PostingOutcome>? TryPost(PostingCommand command, CancellationToken cancellationToken)
    {
        _ = _workers.Value;
        var posting = new Posting(command, _time.GetTimestamp());
        if (!_queue.Writer.TryWrite(posting))
        {
            return null;
        }

        // A caller that stops waiting does not take its transaction out of a batch: the outcome is then unknown to it,
        // and a retry with the same id tells it.
        return cancellationToken.CanBeCanceled ? posting.Outcome.Task.WaitAsync(cancellationToken) : posting.Outcome.Task;
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
            // Let the queued transactions be posted before stopping.
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

    private async Task LingerAsync(ChannelReader<Posting> reader, BatchFormer<Posting>.Batch batch)
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

    private async Task PostBatchAsync(List<Posting> batch)
    {
        var started = _time.GetTimestamp();
        foreach (var posting in batch)
        {
            _metrics.QueueWait(_time.GetElapsedTime(posting.EnqueuedAt, started));
        }

        await _runner.RunAsync(batch).ConfigureAwait(false);
        _metrics.Batch(batch.Count, _time.GetElapsedTime(started));
    }
}
