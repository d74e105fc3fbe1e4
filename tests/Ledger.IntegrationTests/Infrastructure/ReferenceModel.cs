using System.Collections.Concurrent;
using System.Globalization;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>What a caller saw from one posting or reversal, in terms both the library and the HTTP API can give.</summary>
/// <param name="Success">The transfer is posted (now or before).</param>
/// <param name="Replayed">The answer is the recorded outcome of an earlier identical request.</param>
/// <param name="Code">The refusal's code (snake_case) when not a success.</param>
/// <param name="TransferId">The transfer's id.</param>
/// <param name="Source">The debited account of a posted transfer.</param>
/// <param name="Destination">The credited account of a posted transfer.</param>
/// <param name="AmountMinor">The posted amount in cents.</param>
public sealed record Outcome(bool Success, bool Replayed, string? Code, Guid TransferId, string? Source, string? Destination, long AmountMinor)
{
    public static Outcome From(Guid id, LedgerResult<Transfer> result) => result.IsSuccess
        ? new Outcome(true, result.Replayed, null, result.Value.Id, result.Value.SourceAccountId, result.Value.DestinationAccountId, result.Value.Amount.MinorUnits)
        : new Outcome(false, result.Replayed, result.Error.CodeName, id, null, null, 0);

    /// <summary>The part of an outcome that every answer for one id must share.</summary>
    public string Signature => Success
        ? string.Create(CultureInfo.InvariantCulture, $"posted {Source}->{Destination} {AmountMinor}")
        : $"refused {Code}";
}

/// <summary>How the workload reaches the ledger: the library directly, or HTTP hosts.</summary>
public interface ILedgerDriver
{
    Task<Outcome> PostAsync(PostTransferRequest request);

    Task<Outcome> ReverseAsync(Guid transferId, Guid reversalId);
}

/// <summary>
/// A seeded random workload (hot accounts, opposing transfers, overdraft attempts, duplicate ids, reversals) run
/// by many concurrent callers, and the in-memory model it is held against: the accepted transfers applied to plain
/// integers. Every failure message carries the seed; set LEDGER_TEST_SEED to replay one.
/// </summary>
public sealed class ReferenceWorkload
{
    private readonly ConcurrentDictionary<Guid, ConcurrentBag<Outcome>> _outcomes = new();
    private readonly List<Op> _ops = [];

    private ReferenceWorkload(int seed, IReadOnlyList<(string Id, long Limit)> accounts)
    {
        Seed = seed;
        Accounts = accounts;
    }

    public int Seed { get; }

    /// <summary>The accounts (ids and overdraft limits in cents); all start at zero, and one of them is the bank.</summary>
    public IReadOnlyList<(string Id, long Limit)> Accounts { get; }

    public static int ChooseSeed() =>
        int.TryParse(Environment.GetEnvironmentVariable("LEDGER_TEST_SEED"), CultureInfo.InvariantCulture, out var seed)
            ? seed
            : Random.Shared.Next();

    /// <summary>Builds the operations. The accounts must exist (all USD, zero balances) with the given limits; the
    /// first account is the bank, whose limit covers the initial funding.</summary>
    public static ReferenceWorkload Create(int seed, IReadOnlyList<(string Id, long Limit)> accounts, int operations)
    {
        var workload = new ReferenceWorkload(seed, accounts);
        var random = new Random(seed);
        var bank = accounts[0].Id;
        var others = accounts.Skip(1).Select(a => a.Id).ToArray();
        var hot = others.Take(2).ToArray();

        // Funding from the bank, then the random mix.
        foreach (var account in others)
        {
            workload._ops.Add(Op.Transfer(Guid.CreateVersion7(), bank, account, 100m + random.Next(0, 200)));
        }

        var transfers = new List<Op>();
        for (var i = 0; i < operations; i++)
        {
            var roll = random.Next(100);
            if (roll < 10 && transfers.Count > 0)
            {
                workload._ops.Add(transfers[random.Next(transfers.Count)]);   // a duplicate: same id, same content
            }
            else if (roll < 18 && transfers.Count > 0)
            {
                var target = transfers[random.Next(transfers.Count)];
                // Two reversal ids for some targets: the second must be refused (already_reversed) or replayed.
                workload._ops.Add(Op.Reversal(Guid.CreateVersion7(), target.Id));
            }
            else
            {
                // Half the load on two hot accounts; pairs often opposing; amounts sometimes beyond the balance.
                var source = random.Next(2) == 0 ? hot[random.Next(hot.Length)] : others[random.Next(others.Length)];
                string destination;
                do
                {
                    destination = random.Next(2) == 0 ? hot[random.Next(hot.Length)] : others[random.Next(others.Length)];
                }
                while (destination == source);
                var amount = random.Next(4) == 0 ? random.Next(100, 40_000) / 100m : random.Next(1, 5_000) / 100m;
                var op = Op.Transfer(Guid.CreateVersion7(), source, destination, amount);
                transfers.Add(op);
                workload._ops.Add(op);
            }
        }

        return workload;
    }

    /// <summary>Runs the funding in order, then everything else with <paramref name="callers"/> concurrent callers.
    /// A concurrency_conflict is retried with the same id, as the contract tells clients to.</summary>
    public async Task RunAsync(ILedgerDriver driver, int callers)
    {
        var funding = Accounts.Count - 1;
        foreach (var op in _ops.Take(funding))
        {
            Record(op, await ExecuteAsync(driver, op));
        }

        var queue = new ConcurrentQueue<Op>(_ops.Skip(funding));
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var op))
            {
                Record(op, await ExecuteAsync(driver, op));
            }
        })));
    }

    /// <summary>Every answer for one id agrees (exactly one of them not replayed when posted), and the balances
    /// the model computes from the accepted transfers.</summary>
    public Dictionary<string, long> CheckOutcomesAndComputeBalances(out HashSet<Guid> posted, out HashSet<Guid> refused)
    {
        var balances = Accounts.ToDictionary(a => a.Id, _ => 0L, StringComparer.Ordinal);
        posted = [];
        refused = [];
        foreach (var (id, bag) in _outcomes)
        {
            var answers = bag.ToList();
            var signatures = answers.Select(a => a.Signature).Distinct(StringComparer.Ordinal).ToList();
            if (signatures.Count != 1)
            {
                throw new InvalidOperationException(Fail($"id {id} got different outcomes: {string.Join(" | ", signatures)}"));
            }

            var first = answers[0];
            if (first.Success)
            {
                var fresh = answers.Count(a => !a.Replayed);
                if (fresh != 1)
                {
                    throw new InvalidOperationException(Fail($"id {id} was posted {fresh} times (not replayed)"));
                }

                balances[first.Source!] -= first.AmountMinor;
                balances[first.Destination!] += first.AmountMinor;
                posted.Add(id);
            }
            else
            {
                refused.Add(id);
            }
        }

        return balances;
    }

    public string Fail(string message) => $"{message} [seed {Seed}; rerun with LEDGER_TEST_SEED={Seed}]";

    private static async Task<Outcome> ExecuteAsync(ILedgerDriver driver, Op op)
    {
        for (var attempt = 0; ; attempt++)
        {
            var outcome = op.ReversalOf is { } target
                ? await driver.ReverseAsync(target, op.Id)
                : await driver.PostAsync(new PostTransferRequest
                {
                    Id = op.Id, SourceAccountId = op.Source, DestinationAccountId = op.Destination, Amount = op.Amount,
                });
            if (outcome.Code != "concurrency_conflict" || attempt == 20)
            {
                return outcome;
            }
        }
    }

    private void Record(Op op, Outcome outcome) => _outcomes.GetOrAdd(op.Id, _ => []).Add(outcome);

    private sealed record Op(Guid Id, string? Source, string? Destination, decimal Amount, Guid? ReversalOf)
    {
        public static Op Transfer(Guid id, string source, string destination, decimal amount) => new(id, source, destination, amount, null);

        public static Op Reversal(Guid id, Guid target) => new(id, null, null, 0m, target);
    }
}
