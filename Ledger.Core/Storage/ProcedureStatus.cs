namespace Ledger.Storage;

/// <summary>The status numbers the stored procedures return (see db/procedures). Stable: never renumbered, never
/// reused. 7 (a version conflict of the row-by-row procedure) and 13 (a reversal that did not mirror its transfer)
/// are retired with that procedure: the one posting procedure locks before it reads, and derives a reversal's legs.</summary>
internal enum ProcedureStatus
{
    Done = 0,
    Replayed = 1,
    IdempotencyConflict = 2,
    DebitAccountNotFound = 3,
    CreditAccountNotFound = 4,
    CurrencyMismatch = 5,
    InsufficientFunds = 6,
    AmountPrecision = 8,
    AccountExists = 9,
    UnknownCurrency = 10,
    TransactionToReverseNotFound = 11,
    AlreadyReversed = 12,
    BalanceOutOfRange = 14,
    VersionMismatch = 15,

    /// <summary>ledger_set_overdraft_limit_v2: the account is not at the expected version; nothing was written.</summary>
    VersionStale = 16,
}
