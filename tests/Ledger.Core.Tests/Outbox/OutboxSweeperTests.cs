using System.Diagnostics.Metrics;
using Ledger.Cache;
using Ledger.Outbox;
using Ledger.Storage;
using Ledger.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Core.Tests.Outbox;

public sealed class OutboxSweeperTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>How long a test waits for the sweeper's loop (real time): it takes microseconds, but a loaded machine
    /// may not schedule it for a while.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private readonly SignallingTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeOutboxStore _store = new();
    private readonly FakeCache _cache = new();
    private readonly OutboxSweeperStatus _status = new();
    private readonly ServiceProvider _metricsScope = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly RecordingLogger<OutboxSweeper> _log = new(LogLevel.Information);
    private OutboxSweeper? _sweeper;
    private IOptions<LedgerOptions>? _options;

    [Fact]
    public void Backoff_DoublesFromTheIntervalUpToTheCap()
    {
        var sweeper = Create(maxBackoff: TimeSpan.FromSeconds(60));

        Assert.Equal(TimeSpan.FromSeconds(5), sweeper.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(10), sweeper.Backoff(2));
        Assert.Equal(TimeSpan.FromSeconds(20), sweeper.Backoff(3));
        Assert.Equal(TimeSpan.FromSeconds(40), sweeper.Backoff(4));
        Assert.Equal(TimeSpan.FromSeconds(60), sweeper.Backoff(5));
        Assert.Equal(TimeSpan.FromSeconds(60), sweeper.Backoff(50));
    }

    [Fact]
    public async Task Run_Drained_SweepsAgainEveryInterval()
    {
        _store.Rows.Enqueue([1, 2]);
        var sweeper = Create();

        await sweeper.StartAsync(CancellationToken.None);
        await _time.WaitForTimersAsync(1);
        Assert.Equal([1L, 2L], _store.Published);
        Assert.Equal(1, _store.Claims);

        // The pause is one timer on the fake clock: a tick short of the interval it has not fired, so no sweep ran.
        _time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _time.TimersFired);
        Assert.Equal(1, _store.Claims);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _time.WaitForTimersAsync(2);
        Assert.Equal(1, _time.TimersFired);
        Assert.Equal(2, _store.Claims);
    }

    [Fact]
    public async Task Run_FullRound_SweepsAgainAtOnce()
    {
        _store.Rows.Enqueue([1, 2, 3]);
        _store.Rows.Enqueue([4]);
        var sweeper = Create(batchSize: 3);

        await sweeper.StartAsync(CancellationToken.None);

        // No time passes: after a full round the next comes at once; after a short one the sweeper pauses (its first
        // timer), and no third round runs until the clock moves.
        await _time.WaitForTimersAsync(1);
        Assert.Equal([1L, 2L, 3L, 4L], _store.Published);
        Assert.Equal(2, _store.Claims);
        Assert.Equal(0, _time.TimersFired);
    }

    [Fact]
    public async Task Run_CacheFails_LeavesRowsUnpublishedAndRetriesWithGrowingPauses()
    {
        _cache.Failing = true;
        _store.RepeatLast = true;
        _store.Rows.Enqueue([7]);
        var sweeper = Create();

        await sweeper.StartAsync(CancellationToken.None);
        await _time.WaitForTimersAsync(1);
        Assert.Equal(1, _status.ConsecutiveFailures);
        Assert.Empty(_store.Published);

        // 5 s after the first failure, then 10 s after the second.
        _time.Advance(Interval);
        await _time.WaitForTimersAsync(2);
        Assert.Equal(2, _status.ConsecutiveFailures);
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, _time.TimersFired);
        Assert.Equal(2, _store.Claims);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _time.WaitForTimersAsync(3);
        Assert.Equal(3, _status.ConsecutiveFailures);
        Assert.Equal(3, _store.Claims);
        Assert.Empty(_store.Published);

        // Redis is back: the same row is published and the failures are forgotten.
        _cache.Failing = false;
        _time.Advance(TimeSpan.FromSeconds(20));
        await _time.WaitForTimersAsync(4);
        Assert.Equal([7L], _store.Published);
        Assert.Equal(0, _status.ConsecutiveFailures);
    }

    [Fact]
    public async Task Run_ThirdFailureInARow_LogsAtErrorAndTheHealthCheckTurnsDegraded()
    {
        _cache.Failing = true;
        _store.RepeatLast = true;
        _store.Rows.Enqueue([7]);
        var sweeper = Create(maxBackoff: Interval);
        var health = new OutboxHealthCheck(_status, _options!, _time);

        await sweeper.StartAsync(CancellationToken.None);
        await _time.WaitForTimersAsync(1);
        _time.Advance(Interval);
        await _time.WaitForTimersAsync(2);

        // Two failures: warnings, and still healthy.
        Assert.Equal(2, _status.ConsecutiveFailures);
        Assert.Equal([(LogLevel.Warning, 4001), (LogLevel.Warning, 4001)], Logged());
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        _time.Advance(Interval);
        await _time.WaitForTimersAsync(3);

        // The third in a row: an Error line (what the alert and the on-call person act on), and Degraded.
        Assert.Equal(3, _status.ConsecutiveFailures);
        Assert.Equal((LogLevel.Error, 4002), Logged()[^1]);
        var degraded = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal(3, degraded.Data["consecutiveFailures"]);

        // Redis is back: one Information line, healthy again.
        _cache.Failing = false;
        _time.Advance(Interval);
        await _time.WaitForTimersAsync(4);
        Assert.Equal(0, _status.ConsecutiveFailures);
        Assert.Equal((LogLevel.Information, 4003), Logged()[^1]);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [Fact]
    public async Task SweepOnce_WritesTheAccountsCurrentBalancesThenMarksTheRowsPublished()
    {
        _store.Rows.Enqueue([10, 11]);
        var sweeper = Create();

        var published = await sweeper.SweepOnceAsync(CancellationToken.None);

        Assert.Equal(2, published);
        Assert.Equal(["acct-10", "acct-11"], _cache.Written.Select(b => b.AccountId));
        Assert.True(_store.MarkedAfterCacheWrite);
    }

    [Fact]
    public async Task Run_Disabled_NeverClaims()
    {
        _store.Rows.Enqueue([1]);
        var sweeper = Create(enabled: false);

        await sweeper.StartAsync(CancellationToken.None);
        // The loop ends at once, so nothing can claim later, however far the clock moves.
        await sweeper.ExecuteTask!.WaitAsync(WaitLimit);
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, _store.Claims);
        Assert.Equal(0, _time.TimersCreated);
    }

    public async ValueTask DisposeAsync()
    {
        if (_sweeper is not null)
        {
            await _sweeper.StopAsync(CancellationToken.None);
            _sweeper.Dispose();
        }

        await _metricsScope.DisposeAsync();
    }

    private OutboxSweeper Create(int batchSize = 1000, TimeSpan? maxBackoff = null, bool enabled = true)
    {
        var options = _options = Options.Create(new LedgerOptions
        {
            Outbox = new OutboxOptions
            {
                SweeperEnabled = enabled,
                SweepInterval = Interval,
                BatchSize = batchSize,
                MaxBackoff = maxBackoff ?? TimeSpan.FromMinutes(1),
                FailuresBeforeError = 3,
            },
        });
        var metrics = new LedgerMetrics(_metricsScope.GetRequiredService<IMeterFactory>(), _status, _time);
        _sweeper = new OutboxSweeper(_store, _cache, options, _time, _status, metrics, _log);
        return _sweeper;
    }

    /// <summary>The level and event id of each line the sweeper wrote at Information and above.</summary>
    private List<(LogLevel, int)> Logged() => [.. _log.Lines.Select(l => (l.Level, l.EventId.Id))];

    /// <summary>A <see cref="FakeTimeProvider"/> that tells when the sweeper has reached a pause. Every pause is a
    /// <c>Task.Delay</c> on this clock, which creates one timer (a zero pause, after a full round, creates none), and the
    /// sweeper creates it only after the round before it has finished: so "timer N exists" means "N rounds are done
    /// and the sweeper is waiting for the clock", and advancing the clock then fires it. Timers fire inside
    /// <see cref="FakeTimeProvider.Advance"/>, so <see cref="TimersFired"/> is exact as soon as Advance returns.</summary>
    private sealed class SignallingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
        private int _created;
        private int _fired;

        public int TimersCreated => Volatile.Read(ref _created);

        public int TimersFired => Volatile.Read(ref _fired);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(
                s =>
                {
                    Interlocked.Increment(ref _fired);
                    callback(s);
                },
                state, dueTime, period);
            lock (_waiters)
            {
                _created++;
                foreach (var waiter in _waiters.Where(w => w.Count <= _created).ToList())
                {
                    _waiters.Remove(waiter);
                    waiter.Reached.TrySetResult();
                }
            }

            return timer;
        }

        /// <summary>Completes once <paramref name="count"/> timers have been created; fails after <see cref="WaitLimit"/>.</summary>
        public async Task WaitForTimersAsync(int count)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waiters)
            {
                if (_created >= count)
                {
                    return;
                }

                _waiters.Add((count, reached));
            }

            try
            {
                await reached.Task.WaitAsync(WaitLimit);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"the sweeper did not reach pause {count} within {WaitLimit} ({TimersCreated} timers created)");
            }
        }
    }

    /// <summary>Hands out queued rounds of row ids (each row names account "acct-{id}") and records what was marked
    /// published; empty rounds when the queue is dry, or the last round again with <see cref="RepeatLast"/>.</summary>
    private sealed class FakeOutboxStore : IOutboxStore
    {
        private long[] _last = [];
        private int _claims;

        public Queue<long[]> Rows { get; } = new();

        public bool RepeatLast { get; set; }

        public List<long> Published { get; } = [];

        public int Claims => Volatile.Read(ref _claims);

        public bool MarkedAfterCacheWrite { get; private set; }

        public FakeCache? Cache { get; set; }

        public Task<IOutboxClaim> ClaimAsync(int limit, CancellationToken cancellationToken)
        {
            var round = Rows.Count > 0 ? Rows.Dequeue() : RepeatLast ? _last : [];
            _last = round;
            Interlocked.Increment(ref _claims);
            return Task.FromResult<IOutboxClaim>(new Claim(this, round));
        }

        public Task<long> PruneAsync(DateTime cutoff, CancellationToken cancellationToken) => Task.FromResult(0L);

        public Task<OutboxBacklog?> GetBacklogAsync(CancellationToken cancellationToken) => Task.FromResult<OutboxBacklog?>(null);

        private sealed class Claim(FakeOutboxStore store, long[] ids) : IOutboxClaim
        {
            public IReadOnlyList<long> RowIds => ids;

            public IReadOnlyList<BalanceSnapshot> Balances { get; } =
                [.. ids.Select(id => new BalanceSnapshot($"acct-{id}", id * 100, id, "USD", 2))];

            public Task MarkPublishedAsync(DateTime publishedAt, CancellationToken cancellationToken)
            {
                lock (store.Published)
                {
                    store.Published.AddRange(ids);
                }

                store.MarkedAfterCacheWrite = true;
                return Task.CompletedTask;
            }

            public ValueTask DisposeAsync() => default;
        }
    }

    private sealed class FakeCache : IBalanceCache
    {
        public volatile bool Failing;

        public List<BalanceSnapshot> Written { get; } = [];

        public bool IsEnabled => true;

        public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(!Failing);

        public Task<BalanceSnapshot?> GetAsync(string accountId, CancellationToken cancellationToken) => Task.FromResult<BalanceSnapshot?>(null);

        public Task SetAsync(IReadOnlyList<BalanceSnapshot> balances, CancellationToken cancellationToken)
        {
            if (Failing)
            {
                throw new TimeoutException("Redis is down");
            }

            lock (Written)
            {
                Written.AddRange(balances);
            }

            return Task.CompletedTask;
        }
    }
}
