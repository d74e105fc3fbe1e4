using System.Globalization;
using Ledger.IntegrationTests.Upgrade;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>
/// Upgrading in place (ADR 0017, "Upgrading"; db/README.md, "Upgrading to transactions"): a database of the previous
/// version, with history posted through that version's procedures, is upgraded by this version's migrator; the history
/// is then this version's (the same ids, headers, accounts and amounts, read, replayed and reversed by this library),
/// and pods of the previous version, still running during the rolling update, keep posting through their own procedures
/// into the new tables. <see cref="UpgradeFixture"/> builds and upgrades the database once; the tests only add to it,
/// each with accounts of its own where it posts, so they do not depend on their order.
/// </summary>
public sealed class UpgradeTests(UpgradeFixture fixture) : IClassFixture<UpgradeFixture>
{
    [Fact]
    public async Task MigrateAsync_OnADatabaseOfThePreviousVersion_AppliesWhatIsNewAndLeavesTheOldProceduresInPlace()
    {
        var applied = fixture.Upgrade.ScriptsApplied;

        Assert.Equal(
            ["migrations/0014_create_transactions.sql", "migrations/0015_create_transaction_rejections.sql", "migrations/0016_create_ledger_transfers_view.sql"],
            applied.Where(name => name.StartsWith(LedgerMigrator.MigrationsJournalPrefix, StringComparison.Ordinal)));
        Assert.Contains(applied, name => name.StartsWith("procedures/ledger_post_transactions.sql@", StringComparison.Ordinal));
        // Unchanged since the previous version, so journaled by it under the same name and not re-created.
        Assert.DoesNotContain(applied, name => name.StartsWith("procedures/ledger_create_account.sql@", StringComparison.Ordinal));
        Assert.True((await fixture.Ledger.GetMigrationStatusAsync()).IsUpToDate);
        Assert.Equal(
            "ledger_apply_transfer,ledger_post_transfer,ledger_post_transfers",
            await fixture.ScalarAsync<string>(
                "SELECT GROUP_CONCAT(ROUTINE_NAME ORDER BY ROUTINE_NAME) FROM information_schema.ROUTINES " +
                "WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME IN ('ledger_apply_transfer', 'ledger_post_transfer', 'ledger_post_transfers')"));
    }

    [Fact]
    public async Task Transactions_AfterTheUpgrade_HoldEveryOldTransferAsATwoLegTransactionWithItsIdAndHeader()
    {
        var transfersNow = await RowsAsync($"SELECT {UpgradeFixture.TransferColumns} FROM transfers", fixture.TransfersBefore.Keys);
        var expected = await RowsAsync($"SELECT {UpgradeFixture.TransferHeaderColumns} FROM transfers", fixture.TransfersBefore.Keys);
        var transactions = await RowsAsync($"SELECT {UpgradeFixture.TransactionHeaderColumns} FROM transactions", fixture.TransfersBefore.Keys);
        var entries = (await fixture.QueryAsync($"SELECT HEX(transfer_id), {UpgradeFixture.EntryColumns} FROM entries")).Select(row => row.Value);

        Assert.Equal(fixture.Posted.Count, fixture.TransfersBefore.Count);
        Assert.Equal(fixture.TransfersBefore, transfersNow);
        Assert.Equal(expected, transactions);
        Assert.Subset(entries.ToHashSet(), fixture.EntriesBefore.ToHashSet());
        Assert.Equal(2 * fixture.Posted.Count, fixture.EntriesBefore.Count);
    }

    [Fact]
    public async Task LedgerTransfersView_AfterTheUpgrade_ShowsEveryOldTransferWithItsAccountsAndAmount()
    {
        var view = await RowsAsync($"SELECT {UpgradeFixture.TransferColumns} FROM ledger_transfers", fixture.TransfersBefore.Keys);

        Assert.Equal(fixture.TransfersBefore, view);
    }

    [Fact]
    public async Task GetTransferAndGetTransaction_OldTransfers_ReadAsThePreviousVersionPostedThem()
    {
        foreach (var old in fixture.Posted)
        {
            var transfer = await fixture.Ledger.GetTransferAsync(old.Id);
            var transaction = await fixture.Ledger.GetTransactionAsync(old.Id);

            Assert.True(transfer.IsSuccess, transfer.ToString());
            var currency = old.Source == fixture.EuroBank ? "EUR" : "USD";
            Assert.Equal(
                (old.Id, old.Source, old.Destination, old.Amount, currency, old.PostedBy, old.Reference, old.ReversalOf, old.CorrelationId),
                (transfer.Value.Id, transfer.Value.SourceAccountId, transfer.Value.DestinationAccountId, transfer.Value.Amount.Amount,
                 transfer.Value.Amount.Currency, transfer.Value.PostedBy, transfer.Value.Reference, transfer.Value.ReversalOf,
                 transfer.Value.CorrelationId));
            Assert.Equal(new DateTimeOffset(old.PostedAt), transfer.Value.PostedAt);
            Assert.Equal(new DateTimeOffset(old.ClientTimestamp ?? old.PostedAt), transfer.Value.Timestamp);

            Assert.True(transaction.IsSuccess, transaction.ToString());
            Assert.Equal(currency, transaction.Value.Currency);
            Assert.Equal(old.ReversalOf, transaction.Value.ReversalOf);
            Assert.Equal(
                new[] { (old.Source, -old.Amount), (old.Destination, old.Amount) }.OrderBy(leg => leg.Item1, StringComparer.Ordinal),
                transaction.Value.Legs.Select(leg => (leg.AccountId, leg.Amount.Amount)));
        }
    }

    [Fact]
    public async Task PostTransfer_OldTransferIdWithTheSameContent_IsReplayed()
    {
        var versions = await VersionsAsync(fixture.Bank, fixture.Alice, fixture.Bob, fixture.Dave, fixture.EuroBank, fixture.Anna);

        foreach (var old in fixture.Posted.Where(transfer => transfer.ReversalOf is null))
        {
            var repost = await fixture.Ledger.PostTransferAsync(Request(old));

            Assert.True(repost.IsSuccess, $"{old}: {repost}");
            Assert.True(repost.Replayed, $"{old}: {repost}");
            Assert.Equal((old.Id, old.Source, old.Destination, old.Amount),
                (repost.Value.Id, repost.Value.SourceAccountId, repost.Value.DestinationAccountId, repost.Value.Amount.Amount));
        }

        var changed = await fixture.Ledger.PostTransferAsync(Request(fixture.Rent) with { Amount = 31m });

        Assert.Equal(LedgerErrorCode.IdempotencyConflict, changed.Error?.Code);
        Assert.Equal(versions, await VersionsAsync(fixture.Bank, fixture.Alice, fixture.Bob, fixture.Dave, fixture.EuroBank, fixture.Anna));
    }

    [Fact]
    public async Task PostTransfer_OldRefusedIdWithTheSameContent_IsTheSameRefusalReplayed()
    {
        foreach (var old in new[] { fixture.Refused, fixture.BatchRefused })
        {
            var copied = await fixture.QueryAsync(
                "SELECT HEX(id), CONCAT_WS('|', status, account, legs, currency, QUOTE(reference), rejected_for) " +
                "FROM transaction_rejections WHERE id = @id",
                ("@id", old.Id.ToByteArray(bigEndian: true)));

            var retry = await fixture.Ledger.PostTransferAsync(Request(old));

            Assert.Equal(
                string.Join('|', PreviousVersionPod.InsufficientFunds, old.Source, LegsText(old), "USD", Quote(old.Reference), old.PostedBy),
                Assert.Single(copied).Value);
            Assert.Equal(LedgerErrorCode.InsufficientFunds, retry.Error?.Code);
            Assert.True(retry.Replayed, retry.ToString());
        }
    }

    [Fact]
    public async Task ReverseTransfer_OldTransferTheOldVersionReversed_IsAlreadyReversedAndItsReversalReplays()
    {
        var again = await fixture.Ledger.ReverseTransferAsync(new ReverseTransferRequest
        {
            TransferId = fixture.Rent.Id, Id = Guid.CreateVersion7(), PostedBy = fixture.RentReversal.PostedBy,
        });
        var retry = await fixture.Ledger.ReverseTransferAsync(new ReverseTransferRequest
        {
            TransferId = fixture.Rent.Id, Reference = fixture.RentReversal.Reference, PostedBy = fixture.RentReversal.PostedBy,
        });

        Assert.Equal(LedgerErrorCode.AlreadyReversed, again.Error?.Code);
        Assert.True(retry.IsSuccess, retry.ToString());
        Assert.True(retry.Replayed);
        Assert.Equal((fixture.RentReversal.Id, fixture.Bob, fixture.Alice, 30m, (Guid?)fixture.Rent.Id),
            (retry.Value.Id, retry.Value.SourceAccountId, retry.Value.DestinationAccountId, retry.Value.Amount.Amount, retry.Value.ReversalOf));
    }

    [Fact]
    public async Task ReverseTransfer_AnotherOldTransfer_PostsTheReversal()
    {
        var original = fixture.Batch[1];
        var (source, destination) = await VersionsAsync(original.Source, original.Destination);

        var reversal = await fixture.Ledger.ReverseTransferAsync(new ReverseTransferRequest
        {
            TransferId = original.Id, Reference = "refund", PostedBy = "support",
        });
        var again = await fixture.Ledger.ReverseTransferAsync(new ReverseTransferRequest
        {
            TransferId = original.Id, Id = Guid.CreateVersion7(), PostedBy = "support",
        });

        Assert.True(reversal.IsSuccess, reversal.ToString());
        Assert.False(reversal.Replayed);
        Assert.Equal((original.Destination, original.Source, original.Amount, (Guid?)original.Id),
            (reversal.Value.SourceAccountId, reversal.Value.DestinationAccountId, reversal.Value.Amount.Amount, reversal.Value.ReversalOf));
        Assert.Equal((source + 1, destination + 1), await VersionsAsync(original.Source, original.Destination));
        Assert.Equal(LedgerErrorCode.AlreadyReversed, again.Error?.Code);
        Assert.Equal(
            string.Join('|', original.Destination, original.Source, "550", HexOf(original.Id)),
            await fixture.ScalarAsync<string>(
                "SELECT CONCAT_WS('|', source_account_id, destination_account_id, amount, HEX(reversal_of)) FROM ledger_transfers WHERE id = @id",
                ("@id", reversal.Value.Id.ToByteArray(bigEndian: true))));
        await AssertVerifiedAsync();
    }

    [Fact]
    public async Task VerifyAsync_AfterTheUpgrade_IsOk() => await AssertVerifiedAsync();

    [Fact]
    public async Task OldPod_PostsAfterTheUpgrade_ItsTransferIsATransactionThisVersionReadsAndReplays()
    {
        var (payer, payee) = await OpenAccountsAsync(fund: 50m);
        var transfer = new OldTransfer(Guid.CreateVersion7(), payer, payee, 20m, Now()) { Reference = "old pod, new tables", CorrelationId = "corr-old" };

        var posted = await fixture.OldPod.PostTransferAsync(transfer);
        var oldRetry = await fixture.OldPod.PostTransferAsync(transfer with { PostedAt = Now() });
        var read = await fixture.Ledger.GetTransferAsync(transfer.Id);
        var newRetry = await fixture.Ledger.PostTransferAsync(Request(transfer));

        Assert.Equal(new OldOutcome(PreviousVersionPod.Posted, Replayed: false), posted);
        Assert.Equal(new OldOutcome(PreviousVersionPod.Replayed, Replayed: true), oldRetry);
        await AssertBridgedAsync(transfer.Id);
        Assert.True(read.IsSuccess, read.ToString());
        Assert.Equal((payer, payee, 20m, transfer.Reference, transfer.CorrelationId),
            (read.Value.SourceAccountId, read.Value.DestinationAccountId, read.Value.Amount.Amount, read.Value.Reference, read.Value.CorrelationId));
        Assert.True(newRetry.IsSuccess, newRetry.ToString());
        Assert.True(newRetry.Replayed);
        Assert.Equal((2L, 1L), await VersionsAsync(payer, payee));
        await AssertVerifiedAsync();
    }

    [Fact]
    public async Task OldPod_BatchAfterTheUpgrade_ItsTransfersAreTransactionsAndItsRefusalReplaysThroughThisVersion()
    {
        var (payer, payee) = await OpenAccountsAsync(fund: 50m);
        OldTransfer[] batch =
        [
            new(Guid.CreateVersion7(), payer, payee, 15m, Now()),
            new(Guid.CreateVersion7(), payer, payee, 40m, Now()) { Reference = "more than is left" },
            new(Guid.CreateVersion7(), payee, payer, 5m, Now()) { ClientTimestamp = Now().AddSeconds(-1) },
        ];

        var outcomes = await fixture.OldPod.PostTransfersAsync(batch, Now());
        var retry = await fixture.Ledger.PostTransferAsync(Request(batch[1]));
        var replay = await fixture.Ledger.PostTransferAsync(Request(batch[2]));

        Assert.Equal([0, PreviousVersionPod.InsufficientFunds, 0], outcomes.Select(outcome => outcome.Status));
        await AssertBridgedAsync(batch[0].Id);
        await AssertBridgedAsync(batch[2].Id);
        Assert.Equal(
            string.Join('|', PreviousVersionPod.InsufficientFunds, payer, LegsText(batch[1])),
            await fixture.ScalarAsync<string>(
                "SELECT CONCAT_WS('|', status, account, legs) FROM transaction_rejections WHERE id = @id",
                ("@id", batch[1].Id.ToByteArray(bigEndian: true))));
        Assert.Equal(LedgerErrorCode.InsufficientFunds, retry.Error?.Code);
        Assert.True(retry.Replayed, retry.ToString());
        Assert.True(replay.IsSuccess && replay.Replayed, replay.ToString());
        await AssertVerifiedAsync();
    }

    [Fact]
    public async Task OldPod_RefusesAfterTheUpgrade_TheRefusalIsRecordedWhereThisVersionReplaysIt()
    {
        var (payer, payee) = await OpenAccountsAsync(fund: 5m);
        var transfer = new OldTransfer(Guid.CreateVersion7(), payer, payee, 7.5m, Now()) { Currency = "USD", Reference = "short" };

        var refused = await fixture.OldPod.PostTransferAsync(transfer);
        await FundAsync(payer, 10m);
        var retry = await fixture.Ledger.PostTransferAsync(Request(transfer));
        var changed = await fixture.Ledger.PostTransferAsync(Request(transfer) with { Amount = 7m });

        Assert.Equal(new OldOutcome(PreviousVersionPod.InsufficientFunds, Replayed: false), refused);
        Assert.Equal(
            string.Join('|', PreviousVersionPod.InsufficientFunds, payer, LegsText(transfer), "USD", "short", transfer.PostedBy),
            await fixture.ScalarAsync<string>(
                "SELECT CONCAT_WS('|', status, account, legs, currency, reference, rejected_for) FROM transaction_rejections WHERE id = @id",
                ("@id", transfer.Id.ToByteArray(bigEndian: true))));
        Assert.Equal(LedgerErrorCode.InsufficientFunds, retry.Error?.Code);
        Assert.True(retry.Replayed, retry.ToString());
        Assert.Equal(LedgerErrorCode.IdempotencyConflict, changed.Error?.Code);
        Assert.Equal((2L, 0L), await VersionsAsync(payer, payee));
        await AssertVerifiedAsync();
    }

    [Fact]
    public async Task OldPod_ReversesAfterTheUpgrade_TheReversalIsATransactionAndThisVersionSeesItReversed()
    {
        var (payer, payee) = await OpenAccountsAsync(fund: 50m);
        var transfer = new OldTransfer(Guid.CreateVersion7(), payer, payee, 12m, Now());
        Assert.Equal(PreviousVersionPod.Posted, (await fixture.OldPod.PostTransferAsync(transfer)).Status);
        var reversal = new OldTransfer(Guid.CreateVersion7(), payee, payer, 12m, Now()) { ReversalOf = transfer.Id, Reference = "undo" };

        var reversed = await fixture.OldPod.PostTransferAsync(reversal);
        var again = await fixture.Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = transfer.Id, Id = Guid.CreateVersion7() });

        Assert.Equal(new OldOutcome(PreviousVersionPod.Posted, Replayed: false), reversed);
        await AssertBridgedAsync(reversal.Id);
        Assert.Equal(HexOf(transfer.Id), await fixture.ScalarAsync<string>(
            "SELECT HEX(reversal_of) FROM transactions WHERE id = @id", ("@id", reversal.Id.ToByteArray(bigEndian: true))));
        Assert.Equal(LedgerErrorCode.AlreadyReversed, again.Error?.Code);
        await AssertVerifiedAsync();
    }

    /// <summary>The edge ADR 0017 leaves unbridged: an id this version posted, retried on an old pod (whose procedures look
    /// only in transfers), fails there on the transaction's key instead of replaying; nothing is posted twice.</summary>
    [Fact]
    public async Task OldPod_RetriesAnIdThisVersionPosted_FailsWithoutPostingTwice()
    {
        var (payer, payee) = await OpenAccountsAsync(fund: 50m);
        var transfer = new OldTransfer(Guid.CreateVersion7(), payer, payee, 8m, Now());
        Assert.True((await fixture.Ledger.PostTransferAsync(Request(transfer))).IsSuccess);

        var failure = await Assert.ThrowsAsync<MySqlException>(() => fixture.OldPod.PostTransferAsync(transfer));

        Assert.Equal(MySqlErrorCode.DuplicateKeyEntry, failure.ErrorCode);
        Assert.Equal((2L, 1L), await VersionsAsync(payer, payee));
        await AssertVerifiedAsync();
    }

    /// <summary>A neighbour of that edge: a transfer this version reversed, reversed again on an old pod (whose procedures
    /// look for an earlier reversal only in transfers), fails there on the unique reversal key of transactions instead of
    /// answering "already reversed"; nothing is reversed twice.</summary>
    [Fact]
    public async Task OldPod_ReversesATransferThisVersionReversed_FailsWithoutReversingTwice()
    {
        var (payer, payee) = await OpenAccountsAsync(fund: 50m);
        var transfer = new OldTransfer(Guid.CreateVersion7(), payer, payee, 9m, Now());
        Assert.Equal(PreviousVersionPod.Posted, (await fixture.OldPod.PostTransferAsync(transfer)).Status);
        Assert.True((await fixture.Ledger.ReverseTransferAsync(new ReverseTransferRequest { TransferId = transfer.Id })).IsSuccess);
        // The payee can pay it back again, so the old pod's reversal is not refused for funds before it reaches the key.
        await FundAsync(payee, 9m);

        var failure = await Assert.ThrowsAsync<MySqlException>(() => fixture.OldPod.PostTransferAsync(
            new OldTransfer(Guid.CreateVersion7(), payee, payer, 9m, Now()) { ReversalOf = transfer.Id }));

        Assert.Equal(MySqlErrorCode.DuplicateKeyEntry, failure.ErrorCode);
        Assert.Equal((3L, 3L), await VersionsAsync(payer, payee));
        await AssertVerifiedAsync();
    }

    /// <summary>The previous version took a posting's time from the clock of the pod that posted it, so a reversal posted
    /// on a pod whose clock was behind can carry an earlier time than the transfer it reverses. The copy in 0014 must not
    /// depend on those times being in order (at 8bbed5c it does: it inserts in posted_at order, the reversal first, and
    /// fk_transactions_reversal_of refuses it, leaving transactions created and 0014 not journaled, so a second run
    /// fails on CREATE TABLE).</summary>
    [Fact]
    public async Task MigrateAsync_AReversalStampedBeforeItsOriginalByAPodWhoseClockWasBehind_CopiesBoth()
    {
        var database = await UpgradeFixture.NewDatabaseAsync();
        try
        {
            var (app, migrator) = TestServers.AsLedgerUsers(database);
            await PreviousVersion.BuildAsync(migrator);
            var pod = new PreviousVersionPod(app);
            var (source, destination) = (Ids.Account("skew-src"), Ids.Account("skew-dst"));
            await pod.CreateAccountAsync(source, "USD", overdraftLimitMinorUnits: 1_000_00, UpgradeFixture.At(0));
            await pod.CreateAccountAsync(destination, "USD", overdraftLimitMinorUnits: 0, UpgradeFixture.At(0));
            var transfer = new OldTransfer(Guid.CreateVersion7(), source, destination, 4m, UpgradeFixture.At(10));
            var reversal = new OldTransfer(Guid.CreateVersion7(), destination, source, 4m, UpgradeFixture.At(9.998)) { ReversalOf = transfer.Id };
            Assert.Equal(PreviousVersionPod.Posted, (await pod.PostTransferAsync(transfer)).Status);
            Assert.Equal(PreviousVersionPod.Posted, (await pod.PostTransferAsync(reversal)).Status);
            var ledger = fixture.CreateLedger(database);

            await ledger.MigrateAsync();

            var copied = await ledger.GetTransferAsync(reversal.Id);
            Assert.True(copied.IsSuccess, copied.ToString());
            Assert.Equal(transfer.Id, copied.Value.ReversalOf);
            Assert.True((await ledger.VerifyAsync()).Ok);
        }
        finally
        {
            await UpgradeFixture.DropDatabaseAsync(database);
        }
    }

    private static PostTransferRequest Request(OldTransfer old) => new()
    {
        Id = old.Id,
        SourceAccountId = old.Source,
        DestinationAccountId = old.Destination,
        Amount = old.Amount,
        Currency = old.Currency,
        Timestamp = old.ClientTimestamp is { } timestamp ? new DateTimeOffset(timestamp) : null,
        Reference = old.Reference,
        PostedBy = old.PostedBy,
        CorrelationId = old.CorrelationId,
    };

    /// <summary>The requested legs as transaction_rejections records them (ADR 0017): account:amount with four decimals,
    /// sorted by account id (byte order), comma-separated.</summary>
    private static string LegsText(OldTransfer old) => string.Join(',',
        new[] { (old.Source, -old.Amount), (old.Destination, old.Amount) }
            .OrderBy(leg => leg.Item1, StringComparer.Ordinal)
            .Select(leg => string.Create(CultureInfo.InvariantCulture, $"{leg.Item1}:{leg.Item2:0.0000}")));

    private static string Quote(string? text) => text is null ? "NULL" : $"'{text}'";

    private static string HexOf(Guid id) => Convert.ToHexString(id.ToByteArray(bigEndian: true));

    /// <summary>The old pods' clock now, as they stamped their posts (microseconds).</summary>
    private static DateTime Now()
    {
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }

    /// <summary>Rows of <paramref name="sql"/> whose id is one of <paramref name="ids"/>, by id.</summary>
    private async Task<IReadOnlyDictionary<Guid, string>> RowsAsync(string sql, IEnumerable<Guid> ids)
    {
        var wanted = ids.ToHashSet();
        return (await fixture.QueryAsync(sql)).Where(row => wanted.Contains(row.Id)).ToDictionary(row => row.Id, row => row.Value);
    }

    /// <summary>A transfer an old pod wrote after the upgrade is a two-leg transaction with the header of its transfers
    /// row, and shows in ledger_transfers as that row.</summary>
    private async Task AssertBridgedAsync(Guid id)
    {
        var key = new[] { id };
        Assert.Equal(
            Assert.Single(await RowsAsync($"SELECT {UpgradeFixture.TransferHeaderColumns} FROM transfers", key)),
            Assert.Single(await RowsAsync($"SELECT {UpgradeFixture.TransactionHeaderColumns} FROM transactions", key)));
        Assert.Equal(
            Assert.Single(await RowsAsync($"SELECT {UpgradeFixture.TransferColumns} FROM transfers", key)),
            Assert.Single(await RowsAsync($"SELECT {UpgradeFixture.TransferColumns} FROM ledger_transfers", key)));
    }

    private async Task AssertVerifiedAsync()
    {
        var report = await fixture.Ledger.VerifyAsync();
        Assert.True(report.Ok, string.Join(Environment.NewLine, report.Mismatches));
    }

    private async Task<(long Payer, long Payee)> VersionsAsync(string payer, string payee) =>
        (await VersionAsync(payer), await VersionAsync(payee));

    private async Task<long> VersionAsync(string account) =>
        await fixture.ScalarAsync<long>("SELECT version FROM accounts WHERE id = @id", ("@id", account));

    private async Task<long[]> VersionsAsync(params string[] accounts)
    {
        var versions = new long[accounts.Length];
        for (var i = 0; i < accounts.Length; i++)
        {
            versions[i] = await VersionAsync(accounts[i]);
        }

        return versions;
    }

    /// <summary>Two accounts an old pod opens after the upgrade, the first funded by it from the bank.</summary>
    private async Task<(string Payer, string Payee)> OpenAccountsAsync(decimal fund)
    {
        var (payer, payee) = (Ids.Account("payer"), Ids.Account("payee"));
        await fixture.OldPod.CreateAccountAsync(payer, "USD", overdraftLimitMinorUnits: 0, Now());
        await fixture.OldPod.CreateAccountAsync(payee, "USD", overdraftLimitMinorUnits: 0, Now());
        await FundAsync(payer, fund);
        return (payer, payee);
    }

    private async Task FundAsync(string account, decimal amount) =>
        Assert.Equal(PreviousVersionPod.Posted,
            (await fixture.OldPod.PostTransferAsync(new OldTransfer(Guid.CreateVersion7(), fixture.Bank, account, amount, Now()))).Status);
}
