namespace Ledger.Storage;

/// <summary>The status numbers the stored procedures return (see db/procedures). Stable: never renumbered.</summary>
internal enum ProcedureStatus
{
    Done = 0,
    Replayed = 1,
    IdempotencyConflict = 2,
    SourceNotFound = 3,
    DestinationNotFound = 4,
    CurrencyMismatch = 5,
    InsufficientFunds = 6,
    VersionConflict = 7,
    AmountPrecision = 8,
    AccountExists = 9,
    UnknownCurrency = 10,
    TransferToReverseNotFound = 11,
    AlreadyReversed = 12,
    ReversalDoesNotMirror = 13,
    BalanceOutOfRange = 14,

    /// <summary>ledger_set_overdraft_limit_v2: the account is not at the expected version; nothing was written.</summary>
    VersionStale = 16,
}
