using Ledger.Storage;

namespace Ledger.Cache;

/// <summary>Where balances are kept for fast reads. Every write applies only a newer version, so a late or repeated
/// write can never move a balance backwards. Failures are thrown; callers decide to fall back.</summary>
internal interface IBalanceCache
{
    /// <summary>False when no cache is configured.</summary>
    bool IsEnabled { get; }

    /// <summary>Connects when needed and asks the cache to answer; true when it did (for health reporting).</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);

    /// <summary>The cached balance, or null on a miss.</summary>
    Task<BalanceSnapshot?> GetAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>Writes each balance unless the cache already holds the same or a newer version of that account.</summary>
    Task SetAsync(IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken);
}

/// <summary>What a cache call throws when the cache is away: Redis errors and time-outs, the circuit breaker's
/// refusal while it is open, and the refusal while the ledger's identity (which every key carries) cannot be read.
/// Callers then use the database.</summary>
internal static class CacheFailure
{
    public static bool Is(Exception exception) =>
        exception is StackExchange.Redis.RedisException or TimeoutException or Polly.CircuitBreaker.BrokenCircuitException
            or LedgerIdentityUnavailableException;

    /// <summary>True for a refusal whose cause was logged once: the breaker's while it is open (event 2003), and the
    /// one while the ledger's identity cannot be read (2006 or 2007). The calls they turn away are not logged one by
    /// one (at thousands a second that would bury everything else).</summary>
    public static bool IsOpenCircuit(Exception exception) =>
        exception is Polly.CircuitBreaker.BrokenCircuitException or LedgerIdentityUnavailableException;
}

/// <summary>The cache used when none is configured: always a miss, writes go nowhere.</summary>
internal sealed class NoBalanceCache : IBalanceCache
{
    public bool IsEnabled => false;

    public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    public Task<BalanceSnapshot?> GetAsync(string accountId, CancellationToken cancellationToken) =>
        Task.FromResult<BalanceSnapshot?>(null);

    public Task SetAsync(IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The write-through after a commit, shared by single and batched posting and by the read path's fill.</summary>
internal static class BalanceCacheWriteThrough
{
    /// <summary>Writes the balances unless no cache is configured. After the commit the change stands whatever the
    /// caller does, so the write is not cancelled with the caller; a failure is logged and leaves the outbox row for
    /// the sweeper.</summary>
    public static async Task WriteThroughAsync(this IBalanceCache cache, IReadOnlyList<BalanceSnapshot> balances, Microsoft.Extensions.Logging.ILogger logger)
    {
        if (!cache.IsEnabled || balances.Count == 0)
        {
            return;
        }

        try
        {
            await cache.SetAsync(balances, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (CacheFailure.Is(ex))
        {
            if (!CacheFailure.IsOpenCircuit(ex))
            {
                Log.CacheWriteFailed(logger, ex);
            }
        }
    }
}
