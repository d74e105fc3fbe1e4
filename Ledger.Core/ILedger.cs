namespace Ledger;

/// <summary>
/// The ledger: accounts, double-entry transfers posted atomically and exactly once, and balances read from the
/// cache with the database as the source of truth. Register it with
/// <see cref="Microsoft.Extensions.DependencyInjection.LedgerServiceCollectionExtensions.AddLedger(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{LedgerOptions})"/>.
/// Business refusals come back as a <see cref="LedgerResult{T}"/> with a stable <see cref="LedgerErrorCode"/>;
/// infrastructure failures the ledger could not ride out are thrown.
/// </summary>
/// <remarks>
/// What the calls throw: <see cref="ArgumentNullException"/> for a null request (a bug of the caller);
/// <see cref="OperationCanceledException"/> when the token is cancelled; <see cref="LedgerUnavailableException"/> when
/// the database is unreachable or stayed unavailable through the retries (the same request, with the same id, may be
/// sent again later; the database client's exception is inside it); and the database client's exception itself
/// (<see cref="MySqlConnector.MySqlException"/>) for any other database failure, such as a deployment fault
/// (<see cref="DatabaseFaults.IsMisconfigured"/>: a missing grant, migrations not applied), which retrying cannot cure.
/// <see cref="DatabaseFaults.IsUnavailable"/> is true for a <see cref="LedgerUnavailableException"/> too. A Redis failure
/// is never thrown: the cache is skipped and the database answers.
/// </remarks>
public interface ILedger
{
    /// <summary>Opens an account with a zero balance.</summary>
    /// <param name="request">The account to open.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new account; or refused with <see cref="LedgerErrorCode.ValidationFailed"/> (a malformed id, an
    /// unknown currency, an overdraft limit that is negative, too precise or above its currency's cap) or
    /// <see cref="LedgerErrorCode.AccountExists"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The database failed (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<LedgerResult<Account>> CreateAccountAsync(CreateAccountRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads an account from the database.</summary>
    /// <param name="accountId">The account id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The account; or refused with <see cref="LedgerErrorCode.ValidationFailed"/> (a null or malformed id)
    /// or <see cref="LedgerErrorCode.AccountNotFound"/>.</returns>
    /// <exception cref="MySqlConnector.MySqlException">The database failed (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<LedgerResult<Account>> GetAccountAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Reads a balance: from the cache when it holds the account, otherwise from the database (and then
    /// fills the cache).</summary>
    /// <param name="accountId">The account id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The balance, with its version and <see cref="Balance.Source"/>; or refused with
    /// <see cref="LedgerErrorCode.ValidationFailed"/> (a null or malformed id) or <see cref="LedgerErrorCode.AccountNotFound"/>.</returns>
    /// <exception cref="MySqlConnector.MySqlException">The cache did not hold the account and the database failed
    /// (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<LedgerResult<Balance>> GetBalanceAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Posts a transfer atomically and exactly once: both balances, both entries and the transfer are
    /// committed together or not at all. A repeat with the same id and content returns the original transfer with
    /// <see cref="LedgerResult{T}.Replayed"/> set.</summary>
    /// <param name="request">The transfer.</param>
    /// <param name="cancellationToken">Cancels the call; once the commit has been sent the outcome stands.</param>
    /// <returns>The posted transfer (<see cref="LedgerResult{T}.Replayed"/> on a repeat); or refused with
    /// <see cref="LedgerErrorCode.ValidationFailed"/>, <see cref="LedgerErrorCode.AccountNotFound"/>,
    /// <see cref="LedgerErrorCode.CurrencyMismatch"/>, <see cref="LedgerErrorCode.InsufficientFunds"/> or
    /// <see cref="LedgerErrorCode.BalanceOutOfRange"/> (final for the id: a repeat gets the same refusal),
    /// <see cref="LedgerErrorCode.IdempotencyConflict"/> (the id was used with other content), or
    /// <see cref="LedgerErrorCode.ConcurrencyConflict"/> or <see cref="LedgerErrorCode.Overloaded"/> (nothing was
    /// decided: send the same request again shortly).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="LedgerUnavailableException">The database stayed unavailable through the retries; the outcome is
    /// then unknown to the caller, and the same request with the same id tells it.</exception>
    /// <exception cref="MySqlConnector.MySqlException">Another database failure (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the transfer may
    /// still have been posted, and the same request with the same id tells.</exception>
    Task<LedgerResult<Transfer>> PostTransferAsync(PostTransferRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reverses a posted transfer once: posts the compensating transfer (same amount, accounts swapped) linked
    /// to it. Idempotent by the reversal's id; a second reversal of the same transfer is <see cref="LedgerErrorCode.AlreadyReversed"/>.</summary>
    /// <param name="request">The reversal.</param>
    /// <param name="cancellationToken">Cancels the call; once the commit has been sent the outcome stands.</param>
    /// <returns>The reversal, a transfer whose <see cref="Transfer.ReversalOf"/> is the original
    /// (<see cref="LedgerResult{T}.Replayed"/> on a repeat); or refused with <see cref="LedgerErrorCode.ValidationFailed"/>,
    /// <see cref="LedgerErrorCode.TransferNotFound"/>, <see cref="LedgerErrorCode.AlreadyReversed"/>,
    /// <see cref="LedgerErrorCode.InsufficientFunds"/> (the original's destination no longer holds the amount),
    /// <see cref="LedgerErrorCode.BalanceOutOfRange"/>, <see cref="LedgerErrorCode.IdempotencyConflict"/> or
    /// <see cref="LedgerErrorCode.ConcurrencyConflict"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The database failed after the retries (see the remarks of
    /// <see cref="ILedger"/>); the same request with the same id tells the outcome.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<LedgerResult<Transfer>> ReverseTransferAsync(ReverseTransferRequest request, CancellationToken cancellationToken = default);

    /// <summary>Posts a transaction of 2 to 100 legs atomically and exactly once: every balance, every entry and the
    /// transaction are committed together or not at all, through the same engine (and the same batches) as transfers.
    /// A repeat with the same id and content returns the original transaction with <see cref="LedgerResult{T}.Replayed"/> set.</summary>
    /// <param name="request">The transaction.</param>
    /// <param name="cancellationToken">Cancels the call; once the commit has been sent the outcome stands.</param>
    /// <returns>The posted transaction (<see cref="LedgerResult{T}.Replayed"/> on a repeat); or refused with
    /// <see cref="LedgerErrorCode.ValidationFailed"/> (fewer than 2 or more than 100 legs, an account twice, a zero
    /// amount, legs that do not sum to zero, ...), <see cref="LedgerErrorCode.AccountNotFound"/>,
    /// <see cref="LedgerErrorCode.CurrencyMismatch"/>, <see cref="LedgerErrorCode.InsufficientFunds"/> or
    /// <see cref="LedgerErrorCode.BalanceOutOfRange"/> (final for the id), <see cref="LedgerErrorCode.VersionMismatch"/>
    /// (a leg's <see cref="TransactionLegRequest.ExpectedVersion"/> is stale; not final), <see cref="LedgerErrorCode.IdempotencyConflict"/>,
    /// or <see cref="LedgerErrorCode.ConcurrencyConflict"/> or <see cref="LedgerErrorCode.Overloaded"/> (nothing was
    /// decided: send the same request again shortly).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The database failed after the retries (see the remarks of
    /// <see cref="ILedger"/>); the same request with the same id tells the outcome.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the transaction may
    /// still have been posted, and the same request with the same id tells.</exception>
    Task<LedgerResult<Transaction>> PostTransactionAsync(PostTransactionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Posts 1 to <see cref="PostTransactionsRequest.MaxItems"/> transactions with one call, in input order (a
    /// later item sees the balances the earlier ones left), each exactly once by its id. Each item is validated as
    /// <see cref="PostTransactionAsync"/> validates one. Without <see cref="PostTransactionsRequest.Atomic"/> every item
    /// gets its own result, the one a single post of it would have answered; the valid items are posted as batches of
    /// the one posting procedure (at most <see cref="BatchingOptions.MaxBatchSize"/> each), not one by one. With it,
    /// one procedure call in one database transaction posts every item or none.</summary>
    /// <param name="request">The transactions, and whether all or none.</param>
    /// <param name="cancellationToken">Cancels the call; checked between procedure batches, and a batch sent stands.</param>
    /// <returns>One result per item, in input order (posted, <see cref="LedgerResult{T}.Replayed"/>, or refused with
    /// the codes of <see cref="PostTransactionAsync"/>); for an atomic request, only posted or replayed ones. Or the whole
    /// request refused: <see cref="LedgerErrorCode.ValidationFailed"/> for no items, more than
    /// <see cref="PostTransactionsRequest.MaxItems"/>, or an id given twice (<see cref="LedgerError.Item"/> names the
    /// second); for an atomic request, the refusal of the first item at fault (<see cref="LedgerError.Item"/>, its
    /// field errors named <c>items[i].field</c>; validation is checked for every item before anything is posted), or
    /// <see cref="LedgerErrorCode.ConcurrencyConflict"/> (nothing was decided; send it again). A refused atomic request
    /// changed nothing: no balance, no transaction, no recorded refusal.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or one of its items is null.</exception>
    /// <exception cref="LedgerUnavailableException">The database stayed unavailable through the retries; batches sent
    /// before may have been posted, and the same request with the same ids tells (items without an id cannot be
    /// recognised: give every item an id).</exception>
    /// <exception cref="MySqlConnector.MySqlException">Another database failure (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; batches sent before
    /// may have been posted.</exception>
    Task<LedgerResult<PostTransactionsResult>> PostTransactionsAsync(PostTransactionsRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reverses a posted transaction (or transfer) once: posts the compensating transaction, every leg negated,
    /// linked to it. Idempotent by the reversal's id.</summary>
    /// <param name="request">The reversal.</param>
    /// <param name="cancellationToken">Cancels the call; once the commit has been sent the outcome stands.</param>
    /// <returns>The reversal, a transaction whose <see cref="Transaction.ReversalOf"/> is the original; or refused with
    /// <see cref="LedgerErrorCode.ValidationFailed"/>, <see cref="LedgerErrorCode.TransactionNotFound"/>,
    /// <see cref="LedgerErrorCode.AlreadyReversed"/>, <see cref="LedgerErrorCode.InsufficientFunds"/> (an account the
    /// original credited no longer holds the amount), <see cref="LedgerErrorCode.BalanceOutOfRange"/>,
    /// <see cref="LedgerErrorCode.IdempotencyConflict"/> or <see cref="LedgerErrorCode.ConcurrencyConflict"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The database failed after the retries (see the remarks of
    /// <see cref="ILedger"/>); the same request with the same id tells the outcome.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<LedgerResult<Transaction>> ReverseTransactionAsync(ReverseTransactionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads a posted transaction, transfers included.</summary>
    /// <param name="transactionId">The transaction id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The transaction; or refused with <see cref="LedgerErrorCode.TransactionNotFound"/>.</returns>
    /// <exception cref="MySqlConnector.MySqlException">The database failed (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<LedgerResult<Transaction>> GetTransactionAsync(Guid transactionId, CancellationToken cancellationToken = default);

    /// <summary>Changes an account's overdraft limit and records the change, with who and the correlation id, in the
    /// audit log.</summary>
    /// <param name="request">The change.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The account with its new limit; or refused with <see cref="LedgerErrorCode.ValidationFailed"/> (a
    /// limit that is negative, too precise or above its currency's cap, or a negative expected version),
    /// <see cref="LedgerErrorCode.AccountNotFound"/>, or <see cref="LedgerErrorCode.PreconditionFailed"/> (the account
    /// is no longer at <see cref="SetOverdraftLimitRequest.ExpectedVersion"/>; nothing changed).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The database failed (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<LedgerResult<Account>> SetOverdraftLimitAsync(SetOverdraftLimitRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads a posted transfer.</summary>
    /// <param name="transferId">The transfer id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The transfer; or refused with <see cref="LedgerErrorCode.TransferNotFound"/>.</returns>
    /// <exception cref="MySqlConnector.MySqlException">The database failed (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<LedgerResult<Transfer>> GetTransferAsync(Guid transferId, CancellationToken cancellationToken = default);

    /// <summary>Lists an account's entries, newest first, a page at a time.</summary>
    /// <param name="accountId">The account id.</param>
    /// <param name="limit">At most this many entries (1 to 1,000).</param>
    /// <param name="beforeVersion">Only entries with a lower version: the <see cref="EntryPage.NextBefore"/> of the
    /// previous page; null for the newest page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A page of entries (empty for an account with none); or refused with
    /// <see cref="LedgerErrorCode.ValidationFailed"/> (a malformed id, a limit outside 1 to 1,000, a
    /// <paramref name="beforeVersion"/> below 1) or <see cref="LedgerErrorCode.AccountNotFound"/>.</returns>
    /// <exception cref="MySqlConnector.MySqlException">The database failed (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<LedgerResult<EntryPage>> ListEntriesAsync(string accountId, int limit, long? beforeVersion, CancellationToken cancellationToken = default);

    /// <summary>Checks that the ledger adds up, a page of accounts and transfers at a time: per currency the balances
    /// sum to zero; each account's balance is the sum of its entries, its version their count, and its last entry's
    /// balance-after its balance; each transfer has exactly two entries, on its two accounts, that cancel; and the
    /// cache holds no balance that differs from the database's at the same version.</summary>
    /// <param name="maxMismatches">Report at most this many mismatches (the check still runs to the end).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The report: <see cref="IntegrityReport.Ok"/> when everything adds up, otherwise the first
    /// <paramref name="maxMismatches"/> mismatches. A cache that cannot be read is left unchecked and logged, not thrown.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxMismatches"/> is negative.</exception>
    /// <exception cref="MySqlConnector.MySqlException">The database failed (see the remarks of <see cref="ILedger"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<IntegrityReport> VerifyAsync(int maxMismatches = 100, CancellationToken cancellationToken = default);

    /// <summary>Brings the database schema and stored procedures up to date (safe to run at every start). Connects as
    /// <see cref="LedgerOptions.MigrationConnectionString"/> (or <see cref="LedgerOptions.ConnectionString"/>), creates
    /// the database when it is missing, and takes turns with other processes migrating the same database.</summary>
    /// <param name="cancellationToken">Cancels the run before it starts, while waiting for the lock, or between
    /// scripts (a script that has started runs to its end).</param>
    /// <returns>The scripts applied (<see cref="MigrationResult.ScriptsApplied"/>). A result is returned only on
    /// success: a failure throws.</returns>
    /// <exception cref="LedgerMigrationException">A script, the journal, the lock or the database's creation failed;
    /// <see cref="LedgerMigrationException.ScriptName"/> names the script, and the inner exception says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Compares the database's migration journal with the scripts of this version, changing nothing: what is
    /// applied and what <see cref="MigrateAsync"/> would apply. Connects as <see cref="LedgerOptions.MigrationConnectionString"/>
    /// (or <see cref="LedgerOptions.ConnectionString"/>); needs only SELECT.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The scripts of this version, split into applied and pending.</returns>
    /// <exception cref="MySqlConnector.MySqlException">The database could not be reached or read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<MigrationStatus> GetMigrationStatusAsync(CancellationToken cancellationToken = default);
}
