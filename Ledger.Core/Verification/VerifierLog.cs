using Microsoft.Extensions.Logging;

namespace Ledger;

// The verifier's messages, in the library's one Log class (event ids 4xxx: integrity checks).
internal static partial class Log
{
    [LoggerMessage(4001, LogLevel.Information,
        "Integrity check passed: {Accounts} accounts, {Transfers} transfers, {Currencies} currencies, {Stale} stale cache entries, in {Elapsed}")]
    public static partial void IntegrityOk(ILogger logger, long accounts, long transfers, long currencies, long stale, TimeSpan elapsed);

    [LoggerMessage(4002, LogLevel.Error,
        "Integrity check found {Mismatches} mismatches over {Accounts} accounts, {Transfers} transfers, {Currencies} currencies, in {Elapsed}")]
    public static partial void IntegrityMismatches(ILogger logger, long mismatches, long accounts, long transfers, long currencies, TimeSpan elapsed);

    [LoggerMessage(4003, LogLevel.Warning,
        "Integrity check: the balance cache failed, so the rest of the check compares the database only")]
    public static partial void IntegrityCacheNotChecked(ILogger logger, Exception exception);

    [LoggerMessage(4005, LogLevel.Warning,
        "Integrity check: {Count} cached balances are ahead of the database, which never had them (written for a copy of this database that shares its identity, or before the database was restored to an earlier point); reads answer them until their keys are deleted. The first: {Accounts}")]
    public static partial void IntegrityCacheAhead(ILogger logger, long count, string accounts);
}
