using System.ComponentModel.DataAnnotations;

namespace Ledger;

/// <summary>Settings of the ledger, bound from the <c>Ledger</c> configuration section and the
/// <c>ConnectionStrings:Ledger</c>, <c>ConnectionStrings:LedgerMigrator</c> and <c>ConnectionStrings:Redis</c> connection strings.</summary>
public sealed class LedgerOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Ledger";

    /// <summary>The MySQL or MariaDB connection string (MySqlConnector syntax), naming the database.
    /// Bound from <c>ConnectionStrings:Ledger</c>. Required.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The connection string <see cref="ILedger.MigrateAsync"/> uses: the database's owner, with the DDL rights
    /// the scripts need, who becomes the definer of the procedures and triggers (db/grants.sql,
    /// <c>ledger_migrator</c>). Bound from <c>ConnectionStrings:LedgerMigrator</c>. Empty means
    /// <see cref="ConnectionString"/>, one user for both, as in development; in production keep them apart, so the
    /// application's user holds no DDL and cannot drop the append-only triggers. It must name the same database.</summary>
    public string? MigrationConnectionString { get; set; }

    /// <summary>The connection string migrations use: <see cref="MigrationConnectionString"/>, or
    /// <see cref="ConnectionString"/> when that is empty.</summary>
    public string EffectiveMigrationConnectionString =>
        string.IsNullOrWhiteSpace(MigrationConnectionString) ? ConnectionString : MigrationConnectionString;

    /// <summary>The Redis connection string (StackExchange.Redis syntax; several endpoints for a cluster).
    /// Bound from <c>ConnectionStrings:Redis</c>. Empty means no cache: balances are read from the database.</summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>Whether a hosted service applies migrations at start-up, before the host serves. Default: false.</summary>
    public bool MigrateOnStartup { get; set; }

    /// <summary>Who is recorded as the actor when a request names none. Default: <c>system</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    [StringLength(100)]
    public string DefaultActor { get; set; } = "system";

    /// <summary>How far in the future a caller's transfer timestamp may be. Default: 5 minutes.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries of a posting that met a version conflict or a transient database fault.</summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>The balance cache.</summary>
    public CacheOptions Cache { get; set; } = new();

    /// <summary>Group commit of postings.</summary>
    public BatchingOptions Batching { get; set; } = new();

    /// <summary>The outbox sweeper, which publishes every committed balance change to the cache.</summary>
    public OutboxOptions Outbox { get; set; } = new();

    /// <summary>The largest overdraft limit an account may be given, per currency.</summary>
    public OverdraftOptions Overdraft { get; set; } = new();
}

/// <summary>Caps on overdraft limits, in major units of each currency: a limit above its currency's cap is refused
/// (<see cref="LedgerErrorCode.ValidationFailed"/>) when an account is opened and when the limit is changed, however
/// privileged the caller. Bound from <c>Ledger:Overdraft</c>, e.g. <c>Ledger:Overdraft:Maximum:JPY = 100000000</c>.</summary>
public sealed class OverdraftOptions
{
    /// <summary>The cap of a currency that <see cref="Maximum"/> does not name. Default: 1,000,000,000.</summary>
    public decimal DefaultMaximum { get; set; } = 1_000_000_000m;

    /// <summary>Caps by ISO 4217 code (major units), overriding <see cref="DefaultMaximum"/>.</summary>
    public Dictionary<string, decimal> Maximum { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The cap that applies to <paramref name="currency"/>.</summary>
    /// <param name="currency">An ISO 4217 code.</param>
    /// <returns>The currency's entry in <see cref="Maximum"/>, or <see cref="DefaultMaximum"/> when it has none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="currency"/> is null.</exception>
    public decimal MaximumFor(string currency) => Maximum.TryGetValue(currency, out var maximum) ? maximum : DefaultMaximum;
}

/// <summary>The outbox sweeper: a hosted service that takes unpublished outbox rows in order, writes the accounts'
/// current balances to the cache (compare-and-set on the version), and marks the rows published. It catches every
/// change whose write-through after the commit failed (Redis down, process stopped in between). Several replicas may
/// run it at once: each claims rows with <c>FOR UPDATE SKIP LOCKED</c>.</summary>
public sealed class OutboxOptions
{
    /// <summary>Whether the sweeper runs (in a host). Default: true.</summary>
    public bool SweeperEnabled { get; set; } = true;

    /// <summary>Pause between sweeps when the outbox is drained. Default: 5 seconds (a change reaches the cache within
    /// about this, well inside the 30-second promise).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Rows claimed per round; a full round is followed at once by the next. Default: 1,000.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>The longest pause between attempts after failures (the pause doubles from
    /// <see cref="SweepInterval"/> up to this). Default: 20 seconds, so that with the cache's 5-second
    /// <see cref="CacheOptions.BreakDuration"/> a change reaches Redis within 30 seconds of its return.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Consecutive failed sweeps after which each failure is logged at Error and the sweeper's health check
    /// reports Degraded. Default: 3.</summary>
    [Range(1, 1000)]
    public int FailuresBeforeError { get; set; } = 3;

    /// <summary>How long published rows are kept before they are deleted. Default: 1 day.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>Group commit: concurrent posts are queued and posted in batches, one procedure call and one commit per
/// batch. A batch takes what is queued when a worker is free, so it is one transfer under light load (no added wait)
/// and grows with the load.</summary>
public sealed class BatchingOptions
{
    /// <summary>Whether posts are batched. Off, each post is its own call and commit (for comparison). Default: true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most transfers in one batch. Default: 500.</summary>
    [Range(1, 5000)]
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>How long a batch that is not full may wait for more transfers before it is posted. Default: zero
    /// (post what is queued at once; batches grow by themselves while the previous batch commits).</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.Zero;

    /// <summary>How many batches may be in flight at once (each on its own connection). Batches that share accounts
    /// run one after another in the database, so more only helps when concurrent batches mostly touch different
    /// accounts (many accounts, a database with many cores); two let one batch commit while the next one starts.
    /// Default: 2.</summary>
    [Range(1, 64)]
    public int MaxConcurrentBatches { get; set; } = 2;

    /// <summary>How many transfers may wait in the queue; when it is full new posts are refused at once with
    /// <see cref="LedgerErrorCode.Overloaded"/>. Default: 20,000.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 20_000;
}

/// <summary>Retries of a posting that met a version conflict (another writer won) or a transient database fault
/// (deadlock, lock-wait time-out, lost connection): exponential backoff with jitter.</summary>
public sealed class RetryOptions
{
    /// <summary>Retries after the first attempt. Default: 3.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The delay before the first retry, doubled for each next one (with jitter). Default: 5 ms.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest delay between two attempts. Default: 1 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The Redis balance cache.</summary>
public sealed class CacheOptions
{
    /// <summary>The prefix of every key the ledger writes: <c>{prefix}{ledger}:{{account}}:balance</c>. The ledger's
    /// identity that follows it (<c>ledger_instance.id</c>, read from the database) already keeps ledgers over
    /// different databases apart, so several can share one Redis with the same prefix; a prefix of its own keeps the
    /// ledger's keys apart from other applications' (or tests'). No braces: the account id is the hash tag.
    /// Default: <c>ledger:</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string KeyPrefix { get; set; } = "ledger:";

    /// <summary>How long a cache call may take before the ledger gives up on it and uses the database. Default: 250 ms.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the circuit breaker stays open once half of at least 4 cache calls within 5 seconds have
    /// failed: meanwhile Redis is not called at all (reads go to the database, writes are left to the outbox sweeper);
    /// then one call tries it again. Default: 5 seconds.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}
