namespace Ledger;

/// <summary>
/// The stable reasons the ledger refuses a request. The numbers never change and are never reused; the
/// snake_case names returned by <see cref="LedgerError.CodeName"/> are the <c>code</c> of the HTTP problem details.
/// </summary>
public enum LedgerErrorCode
{
    /// <summary><c>validation_failed</c>: malformed or out-of-range input; <see cref="LedgerError.FieldErrors"/> names each field.</summary>
    ValidationFailed = 1,

    /// <summary><c>account_not_found</c>: an account named by the request does not exist.</summary>
    AccountNotFound = 2,

    /// <summary><c>transfer_not_found</c>: no transfer has the requested id.</summary>
    TransferNotFound = 3,

    /// <summary><c>insufficient_funds</c>: the debit would take the source balance below minus its overdraft limit.</summary>
    InsufficientFunds = 4,

    /// <summary><c>currency_mismatch</c>: the accounts, or the accounts and the request, are in different currencies.</summary>
    CurrencyMismatch = 5,

    /// <summary><c>idempotency_conflict</c>: the id was used before for a request with different content.</summary>
    IdempotencyConflict = 6,

    /// <summary><c>concurrency_conflict</c>: other writers kept winning after every retry; safe to retry with the same id.</summary>
    ConcurrencyConflict = 7,

    /// <summary><c>account_exists</c>: an account with the requested id already exists.</summary>
    AccountExists = 8,

    /// <summary><c>already_reversed</c>: the transfer has been reversed already; a transfer is reversed at most once.</summary>
    AlreadyReversed = 9,

    /// <summary><c>overloaded</c>: the posting queue is full; nothing was queued. Retry with the same id after a pause.</summary>
    Overloaded = 10,

    /// <summary><c>balance_out_of_range</c>: the credit would take the destination balance above the largest the ledger
    /// holds (9,223,372,036,854,775,807 minor units). Like <see cref="InsufficientFunds"/>, final for the transfer id.</summary>
    BalanceOutOfRange = 11,

    /// <summary><c>version_mismatch</c>: a leg's expected version is not the account's version; nothing changed. Read the
    /// account again and decide anew (the same id may be posted again).</summary>
    VersionMismatch = 12,

    /// <summary><c>precondition_failed</c>: the request was conditional on the account's version (for example
    /// <see cref="SetOverdraftLimitRequest.ExpectedVersion"/>) and the account is at another one now; nothing changed.
    /// Read the account again and decide afresh.</summary>
    PreconditionFailed = 13,

    /// <summary><c>transaction_not_found</c>: no transaction has the requested id.</summary>
    TransactionNotFound = 14,
}
