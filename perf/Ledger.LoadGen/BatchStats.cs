using System.Diagnostics.Metrics;

namespace Ledger.LoadGen;

/// <summary>Listens to the ledger's own batch instruments (library mode): how many batches were committed while
/// measuring, their mean size and mean time from first call to commit.</summary>
internal sealed class BatchStats : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _batches;
    private long _transfers;
    private double _seconds;

    public BatchStats()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Ledger" && instrument.Name is "ledger.batch.size" or "ledger.batch.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, size, _, _) =>
        {
            if (Volatile.Read(ref Measuring))
            {
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _transfers, size);
            }
        });
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            if (Volatile.Read(ref Measuring))
            {
                lock (_listener)
                {
                    _seconds += seconds;
                }
            }
        });
        _listener.Start();
    }

    public bool Measuring;

    public Batches Result()
    {
        var batches = Interlocked.Read(ref _batches);
        lock (_listener)
        {
            return batches == 0
                ? new Batches(0, 0, 0)
                : new Batches(batches, Math.Round((double)Interlocked.Read(ref _transfers) / batches, 1), Math.Round(_seconds * 1000 / batches, 2));
        }
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>Group-commit batches while measuring (none in HTTP mode, where the ledger runs in the API).</summary>
internal sealed record Batches(long Count, double MeanSize, double MeanMilliseconds);
