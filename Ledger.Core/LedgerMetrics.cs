using System.Diagnostics.Metrics;
using Ledger.Outbox;

namespace Ledger;

/// <summary>The ledger's instruments, on the meter named <see cref="MeterName"/>. Created through
/// <see cref="IMeterFactory"/>, so each service provider has its own and hosts export them with any
/// System.Diagnostics.Metrics exporter.</summary>
internal sealed class LedgerMetrics
{
    public const string MeterName = "Ledger";

    private readonly Counter<long> _posted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _concurrencyConflicts;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _balanceReads;
    private readonly Counter<long> _outboxPublished;
    private readonly Counter<long> _outboxSweepFailures;
    private int _cacheCircuitOpen;

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
            "Time to post one batch: procedure call, commit and cache write-through.");
    }

    public void Posted() => _posted.Add(1);

    public void Rejected(string code) => _rejected.Add(1, new KeyValuePair<string, object?>("code", code));

    public void Retry(string reason) => _retries.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ConcurrencyConflict() => _concurrencyConflicts.Add(1);

    public void BalanceRead(BalanceSource source) =>
        _balanceReads.Add(1, new KeyValuePair<string, object?>("source", source == BalanceSource.Cache ? "cache" : "database"));

    public void OutboxPublished(int rows) => _outboxPublished.Add(rows);

    public void OutboxSweepFailed() => _outboxSweepFailures.Add(1);

    public void CacheCircuit(bool open) => Volatile.Write(ref _cacheCircuitOpen, open ? 1 : 0);

    public void Batch(int size, TimeSpan duration)
    {
        _batchSize.Record(size);
        _batchDuration.Record(duration.TotalSeconds);
    }
}
