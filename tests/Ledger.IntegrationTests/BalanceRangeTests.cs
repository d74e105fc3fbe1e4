using Ledger.Posting;
using Ledger.Storage;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>
/// A balance is a BIGINT of minor units. A credit that would take one above 9,223,372,036,854,775,807 is refused with
/// <see cref="LedgerErrorCode.BalanceOutOfRange"/>, final for its id like insufficient funds, and changes nothing; it
/// used to surface as the server's "BIGINT value is out of range", answered 503 to every retry. The balances are
/// reached honestly, in CLF (4 decimal places), by transfers of 99,999,999,999,999.9999 (just under 1e18 minor units)
/// from accounts allowed to overdraw that much (CLF's overdraft cap, Ledger:Overdraft, raised for it).
/// </summary>
public sealed class BalanceRangeTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    private const decimal Largest = 99_999_999_999_999.9999m;   // 999,999,999,999,999,999 minor units
    private const long LargestMinor = 999_999_999_999_999_999;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Credit_BeyondTheLargestBalance_IsBalanceOutOfRangeFinalForItsIdAndChangesNothing(bool batching)
    {
        var ledger = Ledger(batching);
        var destination = await NearlyFullAsync(ledger, "range-dst");
        var source = await OpenAsync(ledger, Largest, "range-src");
        var id = Guid.CreateVersion7();

        var refused = await PostAsync(ledger, id, source, destination, Largest);
        var again = await PostAsync(ledger, id, source, destination, Largest);
        var fits = await PostAsync(ledger, Guid.CreateVersion7(), source, destination, 1000m);

        Assert.Equal(LedgerErrorCode.BalanceOutOfRange, refused.Error?.Code);
        Assert.False(refused.Replayed);
        Assert.Equal(LedgerErrorCode.BalanceOutOfRange, again.Error?.Code);
        Assert.True(again.Replayed, "a refusal that depends on the ledger's state is final for its id");
        Assert.True(fits.IsSuccess, fits.ToString());
        Assert.Equal((9 * LargestMinor + 10_000_000, 10L, 10L), await fixture.AccountStateAsync(destination));
        Assert.Equal((-10_000_000L, 1L, 1L), await fixture.AccountStateAsync(source));
        Assert.Equal(14L, await fixture.ScalarAsync<long>("SELECT status FROM transaction_rejections WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true))));
        Assert.True((await fixture.Ledger.VerifyAsync()).Ok);
    }

    /// <summary>Set-wise, a transfer refused for its credit gives its debit back, and a later debit of the same source
    /// that needed it goes through, as posting them one by one would.</summary>
    [Fact]
    public async Task Batch_RefusedCreditGivesItsDebitBack_LaterDebitOfTheSameSourceIsPosted()
    {
        var ledger = Ledger(batching: true);
        var destination = await NearlyFullAsync(ledger, "range-batch-dst");
        var funder = await OpenAsync(ledger, Largest, "range-funder");
        var source = await OpenAsync(ledger, 0m, "range-batch-src");
        var other = await OpenAsync(ledger, 0m, "range-other");
        Assert.True((await PostAsync(ledger, Guid.CreateVersion7(), funder, source, Largest)).IsSuccess);
        await using var provider = fixture.CreateServices();
        var store = new PostingStore(provider.GetRequiredService<MySqlDataSource>());
        var now = new DateTime(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);

        // The source holds exactly one transfer's worth: the first overflows the destination, the second needs it.
        var outcomes = await store.PostAsync(
            [Command(source, destination, Largest), Command(source, other, Largest)], now, CancellationToken.None);

        Assert.Equal([ProcedureStatus.BalanceOutOfRange, ProcedureStatus.Done], outcomes.Select(o => o.Status));
        Assert.Equal((0L, 2L, 2L), await fixture.AccountStateAsync(source));
        Assert.Equal((LargestMinor, 1L, 1L), await fixture.AccountStateAsync(other));
        Assert.Equal((9 * LargestMinor, 9L, 9L), await fixture.AccountStateAsync(destination));
    }

    /// <summary>An account at 9 × 999,999,999,999,999,999 minor units: 223,372,036,854,775,816 short of the largest
    /// balance, so one more transfer of the largest amount cannot fit.</summary>
    private static async Task<string> NearlyFullAsync(ILedger ledger, string label)
    {
        var account = await OpenAsync(ledger, 0m, label);
        for (var i = 0; i < 9; i++)
        {
            var source = await OpenAsync(ledger, Largest, label + "-src");
            var posted = await PostAsync(ledger, Guid.CreateVersion7(), source, account, Largest);
            Assert.True(posted.IsSuccess, posted.ToString());
        }

        return account;
    }

    private ILedger Ledger(bool batching) => fixture.CreateLedger(options =>
    {
        options.Batching.Enabled = batching;
        options.Overdraft.Maximum["CLF"] = Largest;
    });

    private static async Task<string> OpenAsync(ILedger ledger, decimal overdraftLimit, string label)
    {
        var opened = await ledger.CreateAccountAsync(new CreateAccountRequest
        {
            Id = Ids.Account(label), Currency = "CLF", OverdraftLimit = overdraftLimit,
        });
        Assert.True(opened.IsSuccess, opened.ToString());
        return opened.Value.Id;
    }

    private static Task<LedgerResult<Transfer>> PostAsync(ILedger ledger, Guid id, string source, string destination, decimal amount) =>
        ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = amount,
        });

    private static PostingCommand Command(string source, string destination, decimal amount) =>
        new(Guid.CreateVersion7(), [new LegCommand(source, -amount), new LegCommand(destination, amount)], null, null, null, null, "range-test", null);
}
