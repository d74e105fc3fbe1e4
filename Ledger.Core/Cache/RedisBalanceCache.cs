using System.Globalization;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Ledger.Cache;

/// <summary>
/// Balances in Redis, one hash per account: <c>{prefix}{{account}}:balance</c> with fields <c>b</c> (balance in minor
/// units), <c>v</c> (version), <c>c</c> (currency) and <c>s</c> (minor-unit digits). The account id is the key's hash
/// tag, so everything of one account lives on one node of a cluster. Writes are a Lua compare-and-set on the version.
/// </summary>
/// <remarks>Reads and writes go through a circuit breaker: once Redis fails half of at least 4 calls within 5 seconds,
/// calls are refused at once (<see cref="BrokenCircuitException"/>) for <see cref="CacheOptions.BreakDuration"/>, so
/// callers never wait on a dead Redis; then one call probes it.</remarks>
internal sealed partial class RedisBalanceCache : IBalanceCache, IAsyncDisposable, IDisposable
{
    // Applies the write only when the cached version is older (or absent): a late or repeated write is a no-op.
    // Versions stay far below 2^53, so Lua's numbers compare them exactly; balances are stored as strings untouched.
    private const string CompareAndSetScript = """
        local current = redis.call('HGET', KEYS[1], 'v')
        if current and tonumber(current) >= tonumber(ARGV[2]) then
          return 0
        end
        redis.call('HSET', KEYS[1], 'b', ARGV[1], 'v', ARGV[2], 'c', ARGV[3], 's', ARGV[4])
        return 1
        """;

    private static readonly RedisValue[] Fields = ["b", "v", "c", "s"];

    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;
    private readonly string _keyPrefix;
    private readonly ResiliencePipeline _breaker;

    public RedisBalanceCache(string connectionString, CacheOptions options, TimeProvider timeProvider, LedgerMetrics metrics, ILogger<RedisBalanceCache> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(options);
        _keyPrefix = options.KeyPrefix;
        var configuration = ConfigurationOptions.Parse(connectionString);
        // Never make a caller wait on a Redis that is not there: the database answers instead.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var timeout = (int)options.OperationTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.ConnectTimeout = Math.Max(timeout, 1000);
        _connection = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(configuration));
        _breaker = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromSeconds(5),
                BreakDuration = options.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutException>(),
                OnOpened = args =>
                {
                    metrics.CacheCircuit(open: true);
                    LogOpened(logger, args.BreakDuration, args.Outcome.Exception?.Message);
                    return default;
                },
                OnClosed = _ =>
                {
                    metrics.CacheCircuit(open: false);
                    LogClosed(logger);
                    return default;
                },
            })
            .Build();
    }

    [LoggerMessage(2003, LogLevel.Warning, "Cache circuit opened for {BreakDuration} ({Reason}): balances are read from the database and the outbox sweeper keeps the cache's changes")]
    private static partial void LogOpened(ILogger logger, TimeSpan breakDuration, string? reason);

    [LoggerMessage(2004, LogLevel.Information, "Cache circuit closed: Redis answers again")]
    private static partial void LogClosed(ILogger logger);

    public bool IsEnabled => true;

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    public string KeyFor(string accountId) => string.Concat(_keyPrefix, "{", accountId, "}:balance");

    public Task<BalanceSnapshot?> GetAsync(string accountId, CancellationToken cancellationToken) =>
        _breaker.ExecuteAsync(static async (state, token) => await state.Self.ReadAsync(state.AccountId, token).ConfigureAwait(false),
            (Self: this, AccountId: accountId), cancellationToken).AsTask();

    public Task SetAsync(IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken) =>
        balances.Count == 0
            ? Task.CompletedTask
            : _breaker.ExecuteAsync(static async (state, token) => await state.Self.WriteAsync(state.Balances, token).ConfigureAwait(false),
                (Self: this, Balances: balances), cancellationToken).AsTask();

    private async Task<BalanceSnapshot?> ReadAsync(string accountId, CancellationToken cancellationToken)
    {
        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var values = await database.HashGetAsync(KeyFor(accountId), Fields).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (values[0].IsNull || values[1].IsNull || values[2].IsNull || values[3].IsNull)
        {
            return null;
        }

        return new BalanceSnapshot(
            accountId,
            long.Parse((string)values[0]!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            long.Parse((string)values[1]!, NumberStyles.None, CultureInfo.InvariantCulture),
            (string)values[2]!,
            int.Parse((string)values[3]!, NumberStyles.None, CultureInfo.InvariantCulture));
    }

    private async Task WriteAsync(IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken)
    {
        var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        // Issued together, the writes travel pipelined on the multiplexer's connection.
        var writes = new Task[balances.Count];
        for (var i = 0; i < balances.Count; i++)
        {
            var balance = balances[i];
            writes[i] = database.ScriptEvaluateAsync(
                CompareAndSetScript,
                [KeyFor(balance.AccountId)],
                [balance.Balance, balance.Version, balance.Currency, balance.Scale]);
        }

        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            _connection.Value.Result.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            await _connection.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await _connection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return connection.GetDatabase();
    }
}
