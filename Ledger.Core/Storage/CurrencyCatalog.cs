namespace Ledger.Storage;

/// <summary>The currencies table, held in memory: it changes only when a DBA adds a currency. An unknown code
/// reloads it, at most once per <see cref="ReloadInterval"/>, so a new currency is seen without a restart.</summary>
internal sealed class CurrencyCatalog(LedgerStore store, TimeProvider timeProvider) : IDisposable
{
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private volatile Dictionary<string, int>? _scales;
    private long _loadedAt;

    /// <summary>The number of minor-unit digits of a currency, or null when the ledger does not know it.</summary>
    public async ValueTask<int?> GetScaleAsync(string code, CancellationToken cancellationToken)
    {
        var scales = _scales;
        if (scales is not null && scales.TryGetValue(code, out var scale))
        {
            return scale;
        }

        scales = await LoadAsync(scales, cancellationToken).ConfigureAwait(false);
        return scales.TryGetValue(code, out scale) ? scale : null;
    }

    private async Task<Dictionary<string, int>> LoadAsync(Dictionary<string, int>? seen, CancellationToken cancellationToken)
    {
        await _loadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _scales;
            var fresh = current is not null &&
                        (!ReferenceEquals(current, seen) || timeProvider.GetElapsedTime(_loadedAt) < ReloadInterval);
            if (fresh)
            {
                return current!;
            }

            var loaded = await store.LoadCurrenciesAsync(cancellationToken).ConfigureAwait(false);
            _loadedAt = timeProvider.GetTimestamp();
            _scales = loaded;
            return loaded;
        }
        finally
        {
            _loadLock.Release();
        }
    }

    public void Dispose() => _loadLock.Dispose();
}
