using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Ledger.Storage;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Ledger.Cache;

/// <summary>
/// Balances in Redis, one hash per account: <c>{prefix}{ledger}:{{account}}:balance</c> with fields <c>b</c> (balance
/// in minor units), <c>v</c> (version), <c>c</c> (currency) and <c>s</c> (minor-unit digits). <c>{ledger}</c> is the
/// ledger's identity, read from its database (<see cref="LedgerIdentity"/>), so two ledgers that share a Redis and a
/// prefix never share a key; until it has been read the cache is not used. The account id is the key's hash tag, so
/// everything of one account lives on one node of a cluster. Writes are a Lua compare-and-set on the version.
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
    private readonly LedgerIdentity _identity;
    private string? _keyspace;
    private readonly ResiliencePipeline _readBreaker;
    private readonly ResiliencePipeline _writeBreaker;
    private readonly TimeSpan _operationTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly LedgerMetrics _metrics;
    private readonly TimeSpan _breakDuration;
    private readonly ConcurrentDictionary<EndPoint, long> _nodeDownUntil = new();
    private volatile bool _readOpen;
    private volatile bool _writeOpen;

    public RedisBalanceCache(string connectionString, CacheOptions options, LedgerIdentity identity, TimeProvider timeProvider, LedgerMetrics metrics, ILogger<RedisBalanceCache> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(identity);
        _keyPrefix = options.KeyPrefix;
        _identity = identity;
        _operationTimeout = options.OperationTimeout;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _breakDuration = options.BreakDuration;
        var configuration = ConfigurationOptions.Parse(connectionString);
        // Never make a caller wait on a Redis that is not there: the database answers instead.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var timeout = (int)options.OperationTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.ConnectTimeout = Math.Max(timeout, 1000);
        _connection = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(configuration));

        // Reads and writes trip apart: a batch's write-through touches many accounts, a read one, so when part of a
        // Redis Cluster is away their failure ratios differ. Within a breaker that stays closed, a cluster node that
        // failed is skipped for BreakDuration (see NodeOf), so no call waits on it.
        _readBreaker = Breaker(logger, "reads", open => _readOpen = open);
        _writeBreaker = Breaker(logger, "writes", open => _writeOpen = open);
    }

    private ResiliencePipeline Breaker(ILogger logger, string calls, Action<bool> setOpen) =>
        new ResiliencePipelineBuilder { TimeProvider = _timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromSeconds(5),
                BreakDuration = _breakDuration,
                ShouldHandle = new PredicateBuilder().Handle<RedisException>().Handle<TimeoutException>(),
                OnOpened = args =>
                {
                    setOpen(true);
                    _metrics.CacheCircuit(open: true);
                    LogOpened(logger, calls, args.BreakDuration, args.Outcome.Exception?.Message);
                    return default;
                },
                OnClosed = _ =>
                {
                    setOpen(false);
                    _metrics.CacheCircuit(open: _readOpen || _writeOpen);
                    LogClosed(logger, calls);
                    return default;
                },
            })
            .Build();

    [LoggerMessage(2003, LogLevel.Warning, "Cache circuit for {Calls} opened for {BreakDuration} ({Reason}): balances are read from the database and the outbox sweeper keeps the cache's changes")]
    private static partial void LogOpened(ILogger logger, string calls, TimeSpan breakDuration, string? reason);

    [LoggerMessage(2004, LogLevel.Information, "Cache circuit for {Calls} closed: Redis answers again")]
    private static partial void LogClosed(ILogger logger, string calls);

    public bool IsEnabled => true;

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Usable only with the ledger's identity: a probe reads it when it has not been read yet.
            await KeyspaceAsync(cancellationToken).ConfigureAwait(false);
            var database = await GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or LedgerIdentityUnavailableException)
        {
            return false;
        }
    }

    /// <summary>The key of <paramref name="accountId"/>'s balance, reading the ledger's identity first if need be.</summary>
    public async ValueTask<string> KeyForAsync(string accountId, CancellationToken cancellationToken) =>
        KeyFor(await KeyspaceAsync(cancellationToken).ConfigureAwait(false), accountId);

    private static string KeyFor(string keyspace, string accountId) => string.Concat(keyspace, "{", accountId, "}:balance");

    /// <summary><c>{prefix}{ledger}:</c>, the start of every key; the identity is read once (not through the breakers:
    /// a database that cannot tell it is no reason to stop calling Redis).</summary>
    private ValueTask<string> KeyspaceAsync(CancellationToken cancellationToken) =>
        _keyspace is { } keyspace ? ValueTask.FromResult(keyspace) : ReadKeyspaceAsync(cancellationToken);

    private async ValueTask<string> ReadKeyspaceAsync(CancellationToken cancellationToken)
    {
        var identity = await _identity.GetAsync(cancellationToken).ConfigureAwait(false);
        return _keyspace = string.Concat(_keyPrefix, identity, ":");
    }

    public Task<BalanceSnapshot?> GetAsync(string accountId, CancellationToken cancellationToken) =>
        _keyspace is { } keyspace ? GetAsync(keyspace, accountId, cancellationToken) : GetAfterIdentityAsync(accountId, cancellationToken);

    private async Task<BalanceSnapshot?> GetAfterIdentityAsync(string accountId, CancellationToken cancellationToken) =>
        await GetAsync(await ReadKeyspaceAsync(cancellationToken).ConfigureAwait(false), accountId, cancellationToken).ConfigureAwait(false);

    private Task<BalanceSnapshot?> GetAsync(string keyspace, string accountId, CancellationToken cancellationToken) =>
        _readBreaker.ExecuteAsync(static async (state, token) => await state.Self.ReadAsync(state.Keyspace, state.AccountId, token).ConfigureAwait(false),
            (Self: this, Keyspace: keyspace, AccountId: accountId), cancellationToken).AsTask();

    public Task SetAsync(IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken) =>
        balances.Count == 0 ? Task.CompletedTask
            : _keyspace is { } keyspace ? SetAsync(keyspace, balances, cancellationToken)
            : SetAfterIdentityAsync(balances, cancellationToken);

    private async Task SetAfterIdentityAsync(IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken) =>
        await SetAsync(await ReadKeyspaceAsync(cancellationToken).ConfigureAwait(false), balances, cancellationToken).ConfigureAwait(false);

    private Task SetAsync(string keyspace, IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken) =>
        _writeBreaker.ExecuteAsync(static async (state, token) => await state.Self.WriteAsync(state.Keyspace, state.Balances, token).ConfigureAwait(false),
            (Self: this, Keyspace: keyspace, Balances: balances), cancellationToken).AsTask();

    private async Task<BalanceSnapshot?> ReadAsync(string keyspace, string accountId, CancellationToken cancellationToken)
    {
        var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        var key = (RedisKey)KeyFor(keyspace, accountId);
        var node = NodeOf(connection.GetServers(), connection.GetHashSlot(key));
        if (IsDown(node))
        {
            throw NodeDown(1, 1);
        }

        RedisValue[] values;
        try
        {
            values = await Bounded(connection.GetDatabase().HashGetAsync(key, Fields), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            MarkDown(node);
            throw;
        }

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

    private async Task WriteAsync(string keyspace, IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken)
    {
        var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        var database = connection.GetDatabase();
        // Issued together, the writes travel pipelined on the multiplexer's connections; none goes to a node that
        // failed a moment ago.
        var servers = connection.GetServers();
        var writes = new List<(Task Write, EndPoint? Node)>(balances.Count);
        var skipped = 0;
        foreach (var balance in balances)
        {
            var key = (RedisKey)KeyFor(keyspace, balance.AccountId);
            var node = NodeOf(servers, connection.GetHashSlot(key));
            if (IsDown(node))
            {
                skipped++;
                continue;
            }

            writes.Add((database.ScriptEvaluateAsync(CompareAndSetScript, [key], [balance.Balance, balance.Version, balance.Currency, balance.Scale]), node));
        }

        try
        {
            await Bounded(Task.WhenAll(writes.Select(w => w.Write)), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The nodes of the writes that failed or did not finish in time are skipped for a while.
            foreach (var (write, node) in writes)
            {
                if (!write.IsCompletedSuccessfully)
                {
                    MarkDown(node);
                }
            }

            throw;
        }

        if (skipped > 0)
        {
            // A failure like any other: logged by the caller, counted by the breaker; the outbox keeps the changes.
            throw NodeDown(skipped, balances.Count);
        }
    }

    /// <summary>The Redis Cluster node that holds hash slot <paramref name="slot"/>, from the client's cached view of the
    /// cluster (no round trip); null when Redis is not a cluster (the breaker alone covers a single server).</summary>
    private static EndPoint? NodeOf(IServer[] servers, int slot)
    {
        foreach (var server in servers)
        {
            if (server.ClusterConfiguration?.GetBySlot(slot) is { } node)
            {
                return node.EndPoint;
            }
        }

        return null;
    }

    private bool IsDown(EndPoint? node) =>
        node is not null && _nodeDownUntil.TryGetValue(node, out var until) && _timeProvider.GetTimestamp() < until;

    private void MarkDown(EndPoint? node)
    {
        if (node is not null)
        {
            _nodeDownUntil[node] = _timeProvider.GetTimestamp() + (long)(_breakDuration.TotalSeconds * _timeProvider.TimestampFrequency);
        }
    }

    private static RedisConnectionException NodeDown(int skipped, int count) =>
        new(ConnectionFailureType.UnableToConnect, CommandFlags.None,
            $"{skipped} of {count} balances skipped: their Redis node failed a moment ago", null, CommandStatus.WaitingToBeSent);

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

    private async Task<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken) =>
        (await GetConnectionAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

    private async Task<ConnectionMultiplexer> GetConnectionAsync(CancellationToken cancellationToken)
    {
        // Not bounded by the operation timeout: connecting is bounded by ConnectTimeout, and happens once.
        return await _connection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for a Redis call at most <see cref="CacheOptions.OperationTimeout"/>, then throws <see cref="TimeoutException"/>.
    /// The client's own timeout is only checked on its once-a-second heartbeat, and a node that died or hangs mid-call
    /// held posts for one to two seconds (measured by the resilience suite); the ledger answers from the database
    /// instead. A call given up on here still ends inside the client; its fault is observed so it is not reported
    /// as unobserved.
    /// </summary>
    private Task<T> Bounded<T>(Task<T> call, CancellationToken cancellationToken)
    {
        ObserveFault(call);
        return call.WaitAsync(_operationTimeout, _timeProvider, cancellationToken);
    }

    private Task Bounded(Task call, CancellationToken cancellationToken)
    {
        ObserveFault(call);
        return call.WaitAsync(_operationTimeout, _timeProvider, cancellationToken);
    }

    private static void ObserveFault(Task call) =>
        _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
