using Microsoft.Extensions.Logging;

namespace Ledger;

/// <summary>Every log message of the library, with stable event ids (1xxx posting, 2xxx cache, 3xxx migrations).</summary>
internal static partial class Log
{
    // A posting is recorded in the database with who, when and the correlation id; one log line per transfer at
    // Information would be thousands of lines a second under load, so postings and replays log at Debug.
    [LoggerMessage(1001, LogLevel.Debug, "Transaction {TransactionId} posted: {LegCount} legs in {Currency}")]
    public static partial void TransactionPosted(ILogger logger, Guid transactionId, int legCount, string currency);

    [LoggerMessage(1002, LogLevel.Debug, "Transaction {TransactionId} replayed: the id was posted before with the same content")]
    public static partial void TransactionReplayed(ILogger logger, Guid transactionId);

    [LoggerMessage(1003, LogLevel.Information, "Transaction {TransactionId} rejected: {Code} (replayed: {Replayed})")]
    public static partial void TransactionRejected(ILogger logger, Guid transactionId, string code, bool replayed);

    [LoggerMessage(1004, LogLevel.Debug, "A batch of {Count} transactions: attempt {Attempt} met {Reason}; retrying in {Delay}")]
    public static partial void PostingRetry(ILogger logger, int count, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(1005, LogLevel.Warning, "Transaction {TransactionId}: gave up after {Attempts} attempts that all met version conflicts")]
    public static partial void ConcurrencyConflict(ILogger logger, Guid transactionId, int attempts);

    [LoggerMessage(1006, LogLevel.Information, "Account {AccountId} created in {Currency}")]
    public static partial void AccountCreated(ILogger logger, string accountId, string currency);

    [LoggerMessage(1007, LogLevel.Information, "Account {AccountId}: overdraft limit changed from {From} to {To}")]
    public static partial void OverdraftLimitChanged(ILogger logger, string accountId, long from, long to);

    [LoggerMessage(2001, LogLevel.Warning, "Balance cache write failed after commit; the outbox keeps the change for the sweeper")]
    public static partial void CacheWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(2002, LogLevel.Warning, "Balance cache read failed for {AccountId}; answering from the database")]
    public static partial void CacheReadFailed(ILogger logger, string accountId, Exception exception);

    [LoggerMessage(3001, LogLevel.Information, "Applying database migrations at start-up")]
    public static partial void MigratingOnStartup(ILogger logger);

    [LoggerMessage(3002, LogLevel.Information, "Database migrations done: {Count} scripts applied")]
    public static partial void Migrated(ILogger logger, int count);
}
