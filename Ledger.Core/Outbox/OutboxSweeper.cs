using Ledger.Cache;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ledger.Outbox;

/// <summary>
/// Publishes committed balance changes to the cache: every <see cref="OutboxOptions.SweepInterval"/> (at once again
/// while rounds come back full) it claims the oldest unpublished outbox rows, writes the current balance of each
/// account they name with the cache's version-guarded compare-and-set (a stale value never replaces a newer one),
/// and marks the rows published, in the claim's transaction. A failed sweep leaves its rows for the next one, after
/// a pause that doubles up to <see cref="OutboxOptions.MaxBackoff"/>, for as long as it takes; from
/// <see cref="OutboxOptions.FailuresBeforeError"/> failures in a row each is logged at Error with the count and how
/// long changes have waited, and the health check reports Degraded. Published rows older than
/// <see cref="OutboxOptions.Retention"/> are deleted.
/// </summary>
internal sealed partial class OutboxSweeper(
    IOutboxStore store,
    IBalanceCache cache,
    IOptions<LedgerOptions> options,
    TimeProvider timeProvider,
    OutboxSweeperStatus status,
    LedgerMetrics metrics,
    ILogger<OutboxSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);
    private readonly OutboxOptions _options = options.Value.Outbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.SweeperEnabled)
        {
            return;
        }

        var failures = 0;
        var nextPrune = timeProvider.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan pause;
            try
            {
                var published = await SweepOnceAsync(stoppingToken).ConfigureAwait(false);
                if (timeProvider.GetUtcNow() >= nextPrune)
                {
                    var pruned = await store.PruneAsync(timeProvider.GetUtcNow().UtcDateTime - _options.Retention, stoppingToken).ConfigureAwait(false);
                    nextPrune = timeProvider.GetUtcNow() + PruneEvery;
                    if (pruned > 0)
                    {
                        LogPruned(logger, pruned);
                    }
                }

                if (failures > 0)
                {
                    LogRecovered(logger, failures);
                }

                failures = 0;
                pause = published >= _options.BatchSize ? TimeSpan.Zero : _options.SweepInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                status.Failed(failures);
                metrics.OutboxSweepFailed();
                pause = Backoff(failures);
                var waiting = status.LastSuccessAt is { } last ? timeProvider.GetUtcNow() - last : (TimeSpan?)null;
                if (failures >= _options.FailuresBeforeError)
                {
                    LogFailing(logger, ex, failures, waiting, pause);
                }
                else
                {
                    LogFailed(logger, ex, failures, pause);
                }
            }

            try
            {
                await Task.Delay(pause, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One round: claim, write to the cache, mark published. Returns the rows published; throws when the
    /// cache or the database fails (the rows then stay unpublished).</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        int count;
        await using (var claim = await store.ClaimAsync(_options.BatchSize, cancellationToken).ConfigureAwait(false))
        {
            count = claim.RowIds.Count;
            if (count > 0)
            {
                if (cache.IsEnabled)
                {
                    await cache.SetAsync(claim.Balances, cancellationToken).ConfigureAwait(false);
                }

                await claim.MarkPublishedAsync(timeProvider.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
                metrics.OutboxPublished(count);
            }
        }

        var backlog = count < _options.BatchSize ? await store.GetBacklogAsync(cancellationToken).ConfigureAwait(false) : null;
        status.Succeeded(timeProvider.GetUtcNow(), count < _options.BatchSize ? backlog : status.Backlog);
        return count;
    }

    /// <summary>The pause after <paramref name="failures"/> failed sweeps in a row: the interval, doubled per further
    /// failure, at most <see cref="OutboxOptions.MaxBackoff"/>.</summary>
    internal TimeSpan Backoff(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var ticks = Math.Min(_options.SweepInterval.Ticks * factor, _options.MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    [LoggerMessage(4001, LogLevel.Warning, "Outbox sweep failed ({Failures} in a row); retrying in {Pause}")]
    private static partial void LogFailed(ILogger logger, Exception exception, int failures, TimeSpan pause);

    [LoggerMessage(4002, LogLevel.Error,
        "Outbox sweep failed {Failures} times in a row; changes have waited {Waiting} since the last good sweep (null: none yet); retrying in {Pause}. The cache may be stale: reads still come from it when it answers")]
    private static partial void LogFailing(ILogger logger, Exception exception, int failures, TimeSpan? waiting, TimeSpan pause);

    [LoggerMessage(4003, LogLevel.Information, "Outbox sweeps work again after {Failures} failures")]
    private static partial void LogRecovered(ILogger logger, int failures);

    [LoggerMessage(4004, LogLevel.Debug, "Pruned {Count} published outbox rows")]
    private static partial void LogPruned(ILogger logger, long count);
}

/// <summary>What the sweeper last saw, for the health check and the metrics.</summary>
internal sealed class OutboxSweeperStatus
{
    private readonly Lock _gate = new();

    public int ConsecutiveFailures { get; private set; }

    public DateTimeOffset? LastSuccessAt { get; private set; }

    public OutboxBacklog? Backlog { get; private set; }

    public void Succeeded(DateTimeOffset at, OutboxBacklog? backlog)
    {
        lock (_gate)
        {
            ConsecutiveFailures = 0;
            LastSuccessAt = at;
            Backlog = backlog;
        }
    }

    public void Failed(int consecutiveFailures)
    {
        lock (_gate)
        {
            ConsecutiveFailures = consecutiveFailures;
        }
    }
}
