using Microsoft.Extensions.Logging;
using MySqlConnector;
using Polly;
using Polly.Retry;

namespace Ledger.Posting;

/// <summary>A version guard failed on every attempt: another writer changed an account the batch held locked (which
/// the locks make impossible short of a writer outside the ledger); the transactions answer <c>concurrency_conflict</c>.</summary>
internal sealed class VersionConflictException : Exception
{
    public VersionConflictException()
        : base("An account's version changed between read and update.")
    {
    }
}

/// <summary>The one retry policy of posting (<see cref="PostingRunner"/>): exponential backoff with jitter, at most
/// <see cref="RetryOptions.MaxRetries"/> retries, only for what another attempt can cure.</summary>
internal static class PostingRetry
{
    /// <summary>The procedure's signal that a version guard failed while a batch held its locks.</summary>
    public const int GuardFailed = 50107;

    /// <summary>How many transactions the attempt carries, for the retry's log line.</summary>
    public static readonly ResiliencePropertyKey<int> CountKey = new("ledger.batch-size");

    /// <summary>A database that is unavailable for now (<see cref="DatabaseFaults.IsUnavailable"/>:
    /// a refused or dropped connection, a deadlock, a lock-wait time-out; the ids make a second attempt safe even
    /// when a COMMIT's outcome was lost); a duplicate id inserted at the same moment by another post of the same
    /// transfer (the next attempt replays it); a procedure missing for the instant a deployment re-creates it; a
    /// batch whose version guard failed.</summary>
    public static bool IsRetryable(Exception exception) => exception switch
    {
        _ when DatabaseFaults.IsUnavailable(exception) => true,
        MySqlException mysql => mysql.ErrorCode is MySqlErrorCode.DuplicateKeyEntry or MySqlErrorCode.StoredProcedureDoesNotExist ||
                                mysql.Number == GuardFailed,
        _ => false,
    };

    public static ResiliencePipeline Build(RetryOptions retry, TimeProvider timeProvider, LedgerMetrics metrics, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (retry.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetries,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } exception && IsRetryable(exception)),
                OnRetry = args =>
                {
                    var reason = ReasonOf(args.Outcome.Exception);
                    metrics.Retry(reason);
                    Log.PostingRetry(logger, args.Context.Properties.GetValue(CountKey, 0), args.AttemptNumber + 1,
                        reason, args.RetryDelay);
                    return default;
                },
            });
        }

        return builder.Build();
    }

    private static string ReasonOf(Exception? exception) => exception switch
    {
        MySqlException { Number: GuardFailed } => "version_conflict",
        MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry } => "duplicate_id",
        MySqlException { ErrorCode: MySqlErrorCode.StoredProcedureDoesNotExist } => "procedure_missing",
        _ => "transient",
    };
}
