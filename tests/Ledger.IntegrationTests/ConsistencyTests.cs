using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests;

public sealed class ConsistencyTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task PostTransfer_OpposingTransfersAtHighConcurrency_EndAtTheKnownBalances()
    {
        var replicas = new[] { fixture.CreateLedger(), fixture.CreateLedger() };
        var a = await fixture.CreateFundedAccountAsync(500m, label: "opp-a");
        var b = await fixture.CreateFundedAccountAsync(500m, label: "opp-b");

        // 60 transfers each way of the same amounts: whatever the interleaving, the net is zero.
        var requests = Enumerable.Range(0, 120).Select(i => new PostTransferRequest
        {
            Id = Guid.CreateVersion7(),
            SourceAccountId = i % 2 == 0 ? a : b,
            DestinationAccountId = i % 2 == 0 ? b : a,
            Amount = 1m + (i / 2 % 5),
        }).ToList();
        var results = await Task.WhenAll(requests.Select((request, i) => Task.Run(async () =>
        {
            // As the contract says: concurrency_conflict is safe to retry with the same id.
            while (true)
            {
                var result = await replicas[i % 2].PostTransferAsync(request);
                if (result.Error?.Code != LedgerErrorCode.ConcurrencyConflict)
                {
                    return result;
                }
            }
        })));

        Assert.All(results, r => Assert.True(r.IsSuccess && !r.Replayed, r.ToString()));
        Assert.Equal((50000L, 121L, 121L), await fixture.AccountStateAsync(a));
        Assert.Equal((50000L, 121L, 121L), await fixture.AccountStateAsync(b));
    }

    [Fact]
    public async Task ReferenceModel_RandomWorkloadThroughTheLibrary_LedgerEqualsTheModel()
    {
        var seed = ReferenceWorkload.ChooseSeed();
        var accounts = await CreateWorkloadAccountsAsync(seed);
        var workload = ReferenceWorkload.Create(seed, accounts, operations: 400);
        var replicas = new[] { fixture.CreateLedger(), fixture.CreateLedger() };

        await workload.RunAsync(new LibraryDriver(replicas), callers: 16);

        await AssertLedgerMatchesModelAsync(fixture, workload);
    }

    /// <summary>Creates the workload's accounts: a bank that may overdraw far, then eleven USD accounts, some with
    /// small overdraft limits.</summary>
    internal static async Task<IReadOnlyList<(string Id, long Limit)>> CreateAccountsAsync(
        Func<string, decimal, Task<string>> create, int seed)
    {
        var random = new Random(seed);
        var accounts = new List<(string, long)> { (await create("model-bank", 1_000_000m), 100_000_000) };
        for (var i = 0; i < 11; i++)
        {
            var limit = random.Next(3) == 0 ? 50m : 0m;
            accounts.Add((await create($"model-{i}", limit), (long)(limit * 100)));
        }

        return accounts;
    }

    /// <summary>The ledger's own figures equal the model's; each id is posted at most once; refused ids left no
    /// transfer; no entry ever took an account below minus its limit; the verifier finds nothing.</summary>
    internal static async Task AssertLedgerMatchesModelAsync(LedgerFixture fixture, ReferenceWorkload workload)
    {
        var expected = workload.CheckOutcomesAndComputeBalances(out var posted, out var refused);
        Assert.True(workload.Coverage is { ManyLegs: > 0, Expecting: > 0 }, workload.Fail($"the run covered {workload.Coverage}"));
        var postings = expected.Keys.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
        foreach (var id in posted)
        {
            var count = await fixture.ScalarAsync<long>("SELECT COUNT(*) FROM transactions WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true)));
            Assert.True(count == 1, workload.Fail($"posted transaction {id} is stored {count} times"));
        }

        foreach (var id in refused)
        {
            var count = await fixture.ScalarAsync<long>("SELECT COUNT(*) FROM transactions WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true)));
            Assert.True(count == 0, workload.Fail($"refused transaction {id} is stored"));
        }

        foreach (var (id, limit) in workload.Accounts)
        {
            var (balance, version, entries) = await fixture.AccountStateAsync(id);
            Assert.True(balance == expected[id], workload.Fail($"{id}: ledger balance {balance}, model {expected[id]}"));
            Assert.True(version == entries, workload.Fail($"{id}: version {version}, {entries} entries"));
            var lowest = await fixture.ScalarAsync<long>(
                "SELECT COALESCE(MIN(balance_after), 0) FROM entries WHERE account_id = @a", ("@a", id));
            Assert.True(lowest >= -limit, workload.Fail($"{id}: an entry left the balance at {lowest}, below -{limit}"));
        }

        var report = await fixture.Ledger.VerifyAsync();
        Assert.True(report.Ok, workload.Fail("verifier: " + string.Join("; ", report.Mismatches.Select(m => $"{m.Kind} {m.AccountId}{m.TransferId} {m.Expected}/{m.Actual}"))));
    }

    private Task<IReadOnlyList<(string Id, long Limit)>> CreateWorkloadAccountsAsync(int seed) =>
        CreateAccountsAsync((label, limit) => fixture.CreateAccountAsync(overdraftLimit: limit, label: label), seed);

    private sealed class LibraryDriver(ILedger[] replicas) : ILedgerDriver
    {
        private int _next;

        public async Task<Outcome> PostAsync(PostTransferRequest request) =>
            Outcome.From(request.Id!.Value, await Next().PostTransferAsync(request));

        public async Task<Outcome> ReverseAsync(Guid transferId, Guid reversalId) =>
            Outcome.From(reversalId, await Next().ReverseTransferAsync(new ReverseTransferRequest { TransferId = transferId, Id = reversalId }));

        public async Task<Outcome> PostTransactionAsync(PostTransactionRequest request) =>
            Outcome.From(request.Id!.Value, await Next().PostTransactionAsync(request));

        public async Task<Outcome> ReverseTransactionAsync(Guid transactionId, Guid reversalId) =>
            Outcome.From(reversalId, await Next().ReverseTransactionAsync(new ReverseTransactionRequest { TransactionId = transactionId, Id = reversalId }));

        public async Task<long> GetVersionAsync(string accountId) => (await Next().GetAccountAsync(accountId)).Value!.Version;

        private ILedger Next() => replicas[(Interlocked.Increment(ref _next) & int.MaxValue) % replicas.Length];
    }
}
