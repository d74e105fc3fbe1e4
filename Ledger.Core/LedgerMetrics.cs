using System.Diagnostics.Metrics;

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

    public LedgerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
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

    public void Batch(int size, TimeSpan duration)
    {
        _batchSize.Record(size);
        _batchDuration.Record(duration.TotalSeconds);
    }
}
