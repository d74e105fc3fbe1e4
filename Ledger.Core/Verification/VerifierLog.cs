using Microsoft.Extensions.Logging;

namespace Ledger;

// The verifier's messages, in the library's one Log class (event ids 6xxx: integrity checks; 4xxx are the outbox
// sweeper's). docs/operations.md lists every event id; a test holds the list to the code. {Transfers} counts
// transactions (transfers included): the property keeps its name for the log queries written against it.
internal static partial class Log
{
    [LoggerMessage(6001, LogLevel.Information,
        "Integrity check passed: {Accounts} accounts, {Transfers} transactions, {Currencies} currencies, {Stale} stale cache entries, in {Elapsed}")]
    public static partial void IntegrityOk(ILogger logger, long accounts, long transfers, long currencies, long stale, TimeSpan elapsed);

    [LoggerMessage(6002, LogLevel.Error,
        "Integrity check found {Mismatches} mismatches over {Accounts} accounts, {Transfers} transactions, {Currencies} currencies, in {Elapsed}")]
    public static partial void IntegrityMismatches(ILogger logger, long mismatches, long accounts, long transfers, long currencies, TimeSpan elapsed);

    [LoggerMessage(6003, LogLevel.Warning,
        "Integrity check: the balance cache failed, so the rest of the check compares the database only")]
    public static partial void IntegrityCacheNotChecked(ILogger logger, Exception exception);

    [LoggerMessage(6004, LogLevel.Warning,
        "Integrity check: {Count} cached balances are ahead of the database, which never had them (written for a copy of this database that shares its identity, or before the database was restored to an earlier point); reads answer them until their keys are deleted. The first: {Accounts}")]
    public static partial void IntegrityCacheAhead(ILogger logger, long count, string accounts);
}
