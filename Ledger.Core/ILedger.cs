namespace Ledger;

/// <summary>
/// The ledger: accounts, double-entry transfers posted atomically and exactly once, and balances read from the
/// cache with the database as the source of truth. Register it with
/// <see cref="Microsoft.Extensions.DependencyInjection.LedgerServiceCollectionExtensions.AddLedger(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{LedgerOptions})"/>.
/// Business refusals come back as a <see cref="LedgerResult{T}"/> with a stable <see cref="LedgerErrorCode"/>;
/// infrastructure failures the ledger could not ride out are thrown.
/// </summary>
public interface ILedger
{
    /// <summary>Opens an account with a zero balance.</summary>
    /// <param name="request">The account to open.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<LedgerResult<Account>> CreateAccountAsync(CreateAccountRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads an account from the database.</summary>
    /// <param name="accountId">The account id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<LedgerResult<Account>> GetAccountAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Reads a balance: from the cache when it holds the account, otherwise from the database (and then
    /// fills the cache).</summary>
    /// <param name="accountId">The account id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<LedgerResult<Balance>> GetBalanceAsync(string accountId, CancellationToken cancellationToken = default);

    /// <summary>Posts a transfer atomically and exactly once: both balances, both entries and the transfer are
    /// committed together or not at all. A repeat with the same id and content returns the original transfer with
    /// <see cref="LedgerResult{T}.Replayed"/> set.</summary>
    /// <param name="request">The transfer.</param>
    /// <param name="cancellationToken">Cancels the call; once the commit has been sent the outcome stands.</param>
    Task<LedgerResult<Transfer>> PostTransferAsync(PostTransferRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reverses a posted transfer once: posts the compensating transfer (same amount, accounts swapped) linked
    /// to it. Idempotent by the reversal's id; a second reversal of the same transfer is <see cref="LedgerErrorCode.AlreadyReversed"/>.</summary>
    /// <param name="request">The reversal.</param>
    /// <param name="cancellationToken">Cancels the call; once the commit has been sent the outcome stands.</param>
    Task<LedgerResult<Transfer>> ReverseTransferAsync(ReverseTransferRequest request, CancellationToken cancellationToken = default);

    /// <summary>Changes an account's overdraft limit and records the change, with who and the correlation id, in the
    /// audit log.</summary>
    /// <param name="request">The change.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<LedgerResult<Account>> SetOverdraftLimitAsync(SetOverdraftLimitRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads a posted transfer.</summary>
    /// <param name="transferId">The transfer id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<LedgerResult<Transfer>> GetTransferAsync(Guid transferId, CancellationToken cancellationToken = default);

    /// <summary>Lists an account's entries, newest first, a page at a time.</summary>
    /// <param name="accountId">The account id.</param>
    /// <param name="limit">At most this many entries (1 to 1,000).</param>
    /// <param name="beforeVersion">Only entries with a lower version: the <see cref="EntryPage.NextBefore"/> of the
    /// previous page; null for the newest page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<LedgerResult<EntryPage>> ListEntriesAsync(string accountId, int limit, long? beforeVersion, CancellationToken cancellationToken = default);

    /// <summary>Checks that the ledger adds up, a page of accounts and transfers at a time: per currency the balances
    /// sum to zero; each account's balance is the sum of its entries, its version their count, and its last entry's
    /// balance-after its balance; each transfer has exactly two entries, on its two accounts, that cancel; and the
    /// cache holds no balance that differs from the database's at the same version.</summary>
    /// <param name="maxMismatches">Report at most this many mismatches (the check still runs to the end).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    Task<IntegrityReport> VerifyAsync(int maxMismatches = 100, CancellationToken cancellationToken = default);

    /// <summary>Brings the database schema and stored procedures up to date (safe to run at every start).</summary>
    /// <param name="cancellationToken">Cancels the call before it starts.</param>
    Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Compares the database's migration journal with the scripts of this version, changing nothing: what is
    /// applied and what <see cref="MigrateAsync"/> would apply. Connects as <see cref="LedgerOptions.MigrationConnectionString"/>
    /// (or <see cref="LedgerOptions.ConnectionString"/>); needs only SELECT.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The scripts of this version, split into applied and pending.</returns>
    /// <exception cref="MySqlConnector.MySqlException">The database could not be reached or read.</exception>
    Task<MigrationStatus> GetMigrationStatusAsync(CancellationToken cancellationToken = default);
}
