using System.Buffers;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Ledger.Cache;

/// <summary>
/// The ledger's identity: the id in the database's one-row <c>ledger_instance</c> table (made by migration 0013), read
/// once, at the cache's first use, and kept for the life of the process. The cache's keys carry it, so two ledgers
/// over two databases never share a key, whatever Redis and key prefix they share. Until it has been read the cache is
/// unusable (<see cref="LedgerIdentityUnavailableException"/>, a cache failure: reads go to the database, writes are
/// left to the outbox): a key without the identity could be another ledger's. After a failed read no new one is tried
/// for <c>retryPause</c>, so a database that is down or not migrated yet is not asked at every cache call.
/// </summary>
internal sealed partial class LedgerIdentity(MySqlDataSource dataSource, TimeSpan retryPause, TimeProvider timeProvider, ILogger<LedgerIdentity> logger)
{
    internal const string Query = "SELECT id FROM ledger_instance";

    // The longest one read may take (connecting included): a write-through waits on the first read after a commit.
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(5);

    // As the CHECK of migration 0012: the id sits in front of the key's hash tag, so no braces and no colons.
    private static readonly SearchValues<char> IdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    private readonly Lock _gate = new();
    private volatile string? _value;
    private Task<string>? _pending;
    private long _retryAt;
    private string? _lastProblem;

    /// <summary>The identity once it has been read; null before.</summary>
    public string? Value => _value;

    /// <summary>The identity: at once when it has been read, else after one read of the database shared by every
    /// caller that asks meanwhile. Throws <see cref="LedgerIdentityUnavailableException"/> when it cannot be read (or
    /// when the last read failed less than the retry pause ago).</summary>
    public ValueTask<string> GetAsync(CancellationToken cancellationToken) =>
        _value is { } value ? ValueTask.FromResult(value) : new ValueTask<string>(ReadAsync(cancellationToken));

    private Task<string> ReadAsync(CancellationToken cancellationToken)
    {
        Task<string> pending;
        lock (_gate)
        {
            if (_value is { } value)
            {
                return Task.FromResult(value);
            }

            if (_pending is null)
            {
                if (timeProvider.GetTimestamp() < Volatile.Read(ref _retryAt))
                {
                    return Task.FromException<string>(new LedgerIdentityUnavailableException(
                        $"The ledger's identity could not be read ({_lastProblem}); the cache is not used until it can be."));
                }

                // Not tied to one caller's token: the read serves every caller waiting on it.
                _pending = Task.Run(LookUpAsync, CancellationToken.None);
            }

            pending = _pending;
        }

        return pending.WaitAsync(cancellationToken);
    }

    private async Task<string> LookUpAsync()
    {
        string? problem;
        Exception? cause = null;
        var misconfigured = false;
        try
        {
            using var timeout = new CancellationTokenSource(LookupTimeout, timeProvider);
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
            await using var command = new MySqlCommand(Query, connection);
            var id = await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false) as string;
            problem = id is null ? "ledger_instance has no row"
                : IsValid(id) ? null
                : $"ledger_instance.id '{id}' is not 1-64 of A-Z, a-z, 0-9, '.', '_', '-'";
            misconfigured = problem is not null;
            if (problem is null)
            {
                lock (_gate)
                {
                    _value = id;
                    _pending = null;
                }

                LogRead(logger, id!);
                return id!;
            }
        }
        catch (Exception ex)
        {
            // Whatever it is (no connection, no table, no privilege, a time-out), the cache waits for the next read.
            cause = ex;
            misconfigured = ex is MySqlException { ErrorCode: MySqlErrorCode.NoSuchTable };
            problem = misconfigured ? "no table ledger_instance"
                : ex is OperationCanceledException ? "no answer within 5 s"
                : ex.Message;
        }

        lock (_gate)
        {
            _lastProblem = problem;
            Volatile.Write(ref _retryAt, timeProvider.GetTimestamp() + (long)(retryPause.TotalSeconds * timeProvider.TimestampFrequency));
            _pending = null;
        }

        if (misconfigured)
        {
            LogMissing(logger, cause, problem, retryPause);
        }
        else
        {
            LogNotRead(logger, cause, problem, retryPause);
        }

        throw new LedgerIdentityUnavailableException(
            $"The ledger's identity could not be read ({problem}); the cache is not used until it can be.", cause);
    }

    internal static bool IsValid(string id) =>
        id.Length is >= 1 and <= 64 && !id.AsSpan().ContainsAnyExcept(IdCharacters);

    [LoggerMessage(2005, LogLevel.Information, "The balance cache's keys carry this ledger's identity {LedgerIdentity} (ledger_instance.id)")]
    private static partial void LogRead(ILogger logger, string ledgerIdentity);

    [LoggerMessage(2006, LogLevel.Warning,
        "The ledger's identity could not be read ({Problem}): the balance cache is not used (balances come from the database) until it can be; next attempt in {RetryPause} at the earliest")]
    private static partial void LogNotRead(ILogger logger, Exception? exception, string problem, TimeSpan retryPause);

    [LoggerMessage(2007, LogLevel.Error,
        "The ledger's identity is missing or invalid ({Problem}): apply the migrations (0012 and 0013 make it) or correct ledger_instance.id. The balance cache is not used until then; next attempt in {RetryPause} at the earliest")]
    private static partial void LogMissing(ILogger logger, Exception? exception, string problem, TimeSpan retryPause);
}

/// <summary>The cache cannot be used yet: the ledger's identity, which its keys carry, could not be read. A cache
/// failure like Redis being away (see <see cref="CacheFailure"/>); the reason was logged once by
/// <see cref="LedgerIdentity"/>.</summary>
internal sealed class LedgerIdentityUnavailableException : Exception
{
    public LedgerIdentityUnavailableException()
    {
    }

    public LedgerIdentityUnavailableException(string message)
        : base(message)
    {
    }

    public LedgerIdentityUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
