using System.Diagnostics.Metrics;
using Ledger.Outbox;

namespace Ledger;

/// <summary>The ledger's instruments, on the meter named <see cref="MeterName"/>. Created through
/// <see cref="IMeterFactory"/>, so each service provider has its own and hosts export them with any
/// System.Diagnostics.Metrics exporter.</summary>
internal sealed class LedgerMetrics
{
    public const string MeterName = "Ledger";

    /// <summary>Bucket upper bounds, in seconds, for latencies measured in milliseconds: 0.5 ms to 10 s.</summary>
    private static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private static readonly KeyValuePair<string, object?> OutcomePosted = new("outcome", "posted");
    private static readonly KeyValuePair<string, object?> OutcomeReplayed = new("outcome", "replayed");
    private static readonly KeyValuePair<string, object?> OutcomeRejected = new("outcome", "rejected");
    private static readonly KeyValuePair<string, object?> OutcomeFailed = new("outcome", "failed");
    private static readonly KeyValuePair<string, object?> SourceCache = new("source", "cache");
    private static readonly KeyValuePair<string, object?> SourceDatabase = new("source", "database");

    private readonly Counter<long> _posted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _concurrencyConflicts;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<double> _batchQueueWait;
    private readonly Histogram<double> _postDuration;
    private readonly Histogram<double> _balanceReadDuration;
    private readonly Counter<long> _balanceReads;
    private readonly Counter<long> _outboxPublished;
    private readonly Counter<long> _outboxSweepFailures;
    private int _cacheCircuitOpen;
    private Func<int>? _queueDepth;

    public LedgerMetrics(IMeterFactory meterFactory, OutboxSweeperStatus outbox, TimeProvider timeProvider)
    {
        var meter = meterFactory.Create(MeterName);
        _balanceReads = meter.CreateCounter<long>("ledger.balance.reads", "{read}",
            "Balance reads answered, by source: cache or database.");
        _outboxPublished = meter.CreateCounter<long>("ledger.outbox.published", "{row}", "Outbox rows published to the cache by the sweeper.");
        _outboxSweepFailures = meter.CreateCounter<long>("ledger.outbox.sweep_failures", "{sweep}", "Outbox sweeps that failed (and will be retried).");
        meter.CreateObservableGauge("ledger.outbox.consecutive_failures", () => outbox.ConsecutiveFailures, "{sweep}",
            "Outbox sweeps failed in a row; 0 when the last one worked.");
        meter.CreateObservableGauge("ledger.outbox.backlog", () => outbox.Backlog?.AtMost ?? 0, "{row}",
            "Unpublished outbox rows at the last drained sweep (an upper bound: the id span from the oldest).");
        meter.CreateObservableGauge("ledger.outbox.oldest_age",
            () => outbox.Backlog is { } backlog ? Math.Max(0, (timeProvider.GetUtcNow().UtcDateTime - backlog.OldestCreatedAt).TotalSeconds) : 0,
            "s", "Age of the oldest unpublished outbox row at the last drained sweep.");
        meter.CreateObservableGauge("ledger.cache.circuit_open", () => Volatile.Read(ref _cacheCircuitOpen), "{state}",
            "1 while the cache's circuit breaker is open (Redis is not called), else 0.");
        _posted = meter.CreateCounter<long>("ledger.transfers.posted", "{transfer}", "Transfers posted (replays not counted).");
        _rejected = meter.CreateCounter<long>("ledger.transfers.rejected", "{transfer}", "Transfers refused, by code.");
        _retries = meter.CreateCounter<long>("ledger.transfers.retries", "{retry}",
            "Posting attempts retried, by reason: version_conflict, transient, duplicate_id or procedure_missing.");
        _concurrencyConflicts = meter.CreateCounter<long>("ledger.transfers.concurrency_conflicts", "{transfer}",
            "Transfers that met version conflicts on every attempt and were answered concurrency_conflict.");
        _batchSize = meter.CreateHistogram<int>("ledger.batch.size", "{transfer}", "Transfers per group-commit batch.");
        _batchDuration = meter.CreateHistogram<double>("ledger.batch.duration", "s",
            "Time to post one batch: procedure call, commit and cache write-through.", tags: null, LatencyBuckets);
        _batchQueueWait = meter.CreateHistogram<double>("ledger.batch.queue.wait", "s",
            "Time a transfer waited from being queued to the start of its batch's procedure call.", tags: null, LatencyBuckets);
        meter.CreateObservableGauge("ledger.batch.queue.depth", () => Volatile.Read(ref _queueDepth)?.Invoke() ?? 0, "{transfer}",
            "Transfers queued for group commit and not yet in a batch in flight.");
        _postDuration = meter.CreateHistogram<double>("ledger.transfers.post.duration", "s",
            "Time to answer a transfer or reversal, by outcome: posted, replayed, rejected or failed (an exception).",
            tags: null, LatencyBuckets);
        _balanceReadDuration = meter.CreateHistogram<double>("ledger.balance.read.duration", "s",
            "Time to answer a balance read, by source: cache or database.", tags: null, LatencyBuckets);
    }

    public void Posted() => _posted.Add(1);

    public void Rejected(string code) => _rejected.Add(1, new KeyValuePair<string, object?>("code", code));

    public void Retry(string reason) => _retries.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ConcurrencyConflict() => _concurrencyConflicts.Add(1);

    /// <summary>A balance read answered from <paramref name="source"/> after <paramref name="duration"/>: counted in
    /// <c>ledger.balance.reads</c> and timed in <c>ledger.balance.read.duration</c>.</summary>
    public void BalanceRead(BalanceSource source, TimeSpan duration)
    {
        var tag = source == BalanceSource.Cache ? SourceCache : SourceDatabase;
        _balanceReads.Add(1, tag);
        _balanceReadDuration.Record(duration.TotalSeconds, tag);
    }

    public void OutboxPublished(int rows) => _outboxPublished.Add(rows);

    public void OutboxSweepFailed() => _outboxSweepFailures.Add(1);

    public void CacheCircuit(bool open) => Volatile.Write(ref _cacheCircuitOpen, open ? 1 : 0);

    /// <summary>Where <c>ledger.batch.queue.depth</c> reads from; set by the batcher, so the metrics need no
    /// reference to it (the batcher depends on the metrics, not the other way round).</summary>
    public void ObserveQueueDepth(Func<int> queueDepth) => Volatile.Write(ref _queueDepth, queueDepth);

    public void QueueWait(TimeSpan wait) => _batchQueueWait.Record(wait.TotalSeconds);

    /// <summary>A transfer or reversal answered after <paramref name="duration"/>; <paramref name="result"/> is null
    /// when it ended in an exception.</summary>
    public void PostDuration<T>(TimeSpan duration, LedgerResult<T>? result)
        where T : class =>
        _postDuration.Record(duration.TotalSeconds, result switch
        {
            null => OutcomeFailed,
            { IsSuccess: false } => OutcomeRejected,
            { Replayed: true } => OutcomeReplayed,
            _ => OutcomePosted,
        });

    public void Batch(int size, TimeSpan duration)
    {
        _batchSize.Record(size);
        _batchDuration.Record(duration.TotalSeconds);
    }
}
