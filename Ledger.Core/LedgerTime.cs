namespace Ledger;

/// <summary>Time as the ledger keeps it: UTC, to the microsecond (what a DATETIME(6) column holds), so a value read back
/// compares equal to the one written.</summary>
internal static class LedgerTime
{
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>Now, to the microsecond.</summary>
    public static DateTimeOffset Now(this TimeProvider time) => TruncateToMicroseconds(time.GetUtcNow());
}
