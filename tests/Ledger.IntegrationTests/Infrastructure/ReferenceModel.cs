using System.Collections.Concurrent;
using System.Globalization;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>One posted leg as a caller saw it: the account, the signed amount in cents, the version it made.</summary>
public sealed record LegOutcome(string Account, long Delta, long Version);

/// <summary>What a caller saw from one posting or reversal, in terms both the library and the HTTP API can give.</summary>
/// <param name="Success">The transaction is posted (now or before).</param>
/// <param name="Replayed">The answer is the recorded outcome of an earlier identical request.</param>
/// <param name="Code">The refusal's code (snake_case) when not a success.</param>
/// <param name="TransferId">The transaction's id.</param>
/// <param name="Legs">The posted legs (empty for a refusal).</param>
public sealed record Outcome(bool Success, bool Replayed, string? Code, Guid TransferId, IReadOnlyList<LegOutcome> Legs)
{
    public static Outcome Refused(Guid id, bool replayed, string code) => new(false, replayed, code, id, []);

    public static Outcome From(Guid id, LedgerResult<Transfer> result) => result.IsSuccess
        ? new Outcome(true, result.Replayed, null, result.Value.Id,
        [
            new LegOutcome(result.Value.SourceAccountId, -result.Value.Amount.MinorUnits, 0),
            new LegOutcome(result.Value.DestinationAccountId, result.Value.Amount.MinorUnits, 0),
        ])
        : Refused(id, result.Replayed, result.Error.CodeName);

    public static Outcome From(Guid id, LedgerResult<Transaction> result) => result.IsSuccess
        ? new Outcome(true, result.Replayed, null, result.Value.Id,
            [.. result.Value.Legs.Select(l => new LegOutcome(l.AccountId, l.Amount.MinorUnits, l.Version))])
        : Refused(id, result.Replayed, result.Error.CodeName);

    /// <summary>The part of an outcome that every answer for one id must share: the legs (account and amount, in account
    /// order) or the refusal's code.</summary>
    public string Signature => Success
        ? "posted " + string.Join(", ", Legs.OrderBy(l => l.Account, StringComparer.Ordinal)
            .Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Account} {l.Delta}")))
        : $"refused {Code}";
}

/// <summary>How the workload reaches the ledger: the library directly, or HTTP hosts.</summary>
public interface ILedgerDriver
{
    Task<Outcome> PostAsync(PostTransferRequest request);

    Task<Outcome> ReverseAsync(Guid transferId, Guid reversalId);

    Task<Outcome> PostTransactionAsync(PostTransactionRequest request);

    Task<Outcome> ReverseTransactionAsync(Guid transactionId, Guid reversalId);

    /// <summary>The account's version now, as a client would read it before posting with an expected version.</summary>
    Task<long> GetVersionAsync(string accountId);
}

/// <summary>
/// A seeded random workload (hot accounts, opposing transfers, overdraft attempts, duplicate ids, transactions of
/// three or four legs, legs that expect the version just read, reversals of transfers and of transactions) run by many
/// concurrent callers, and the in-memory model it is held against: the accepted legs applied to plain integers. Every failure message carries the seed; set LEDGER_TEST_SEED to replay one.
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
        var transactions = new List<Op>();
        for (var i = 0; i < operations; i++)
        {
            var roll = random.Next(100);
            if (roll < 10 && transfers.Count > 0)
            {
                workload._ops.Add(transfers[random.Next(transfers.Count)]);   // a duplicate: same id, same content
            }
            else if (roll < 16 && transfers.Count > 0)
            {
                var target = transfers[random.Next(transfers.Count)];
                // Two reversal ids for some targets: the second must be refused (already_reversed) or replayed.
                workload._ops.Add(Op.Reversal(Guid.CreateVersion7(), target.Id, transaction: false));
            }
            else if (roll < 19 && transactions.Count > 0)
            {
                workload._ops.Add(Op.Reversal(Guid.CreateVersion7(), transactions[random.Next(transactions.Count)].Id, transaction: true));
            }
            else if (roll < 21 && transactions.Count > 0)
            {
                workload._ops.Add(transactions[random.Next(transactions.Count)]);   // a duplicate of a transaction
            }
            else if (roll < 31)
            {
                // Three or four legs on distinct accounts, one or two of them debits, summing to zero.
                var chosen = others.OrderBy(_ => random.Next()).Take(3 + random.Next(2)).ToArray();
                var debits = 1 + random.Next(2);
                var legs = new List<(string, decimal)>();
                var total = 0m;
                for (var leg = 0; leg < debits; leg++)
                {
                    var amount = random.Next(1, 6_000) / 100m;
                    legs.Add((chosen[leg], -amount));
                    total += amount;
                }

                var cents = (long)(total * 100m);
                var credits = chosen.Length - debits;
                for (var leg = 0; leg < credits; leg++)
                {
                    var share = leg == credits - 1 ? cents - (cents / credits * (credits - 1)) : cents / credits;
                    legs.Add((chosen[debits + leg], share / 100m));
                }

                if (legs.All(l => l.Item2 != 0m))
                {
                    var op = Op.Transaction(Guid.CreateVersion7(), legs);
                    transactions.Add(op);
                    workload._ops.Add(op);
                }
            }
            else if (roll < 36)
            {
                // A client that read the source's version and posts only if it is still that.
                var source = hot[random.Next(hot.Length)];
                var destination = others[random.Next(others.Length)];
                if (destination != source)
                {
                    workload._ops.Add(Op.Expecting(Guid.CreateVersion7(), source, destination, random.Next(1, 2_000) / 100m));
                }
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
                var transfer = Op.Transfer(Guid.CreateVersion7(), source, destination, amount);
                transfers.Add(transfer);
                workload._ops.Add(transfer);
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

                foreach (var leg in first.Legs)
                {
                    balances[leg.Account] += leg.Delta;
                }

                posted.Add(id);
            }
            else
            {
                refused.Add(id);
            }
        }

        // A posted reversal moved every leg of what it reversed back, once.
        foreach (var op in _ops.Where(o => o.ReversalOf is not null).DistinctBy(o => o.Id))
        {
            if (_outcomes.TryGetValue(op.Id, out var answers) && answers.First() is { Success: true } reversal &&
                _outcomes.TryGetValue(op.ReversalOf!.Value, out var originals) && originals.First() is { Success: true } original)
            {
                var expected = new Outcome(true, false, null, op.Id, [.. original.Legs.Select(l => l with { Delta = -l.Delta })]).Signature;
                if (reversal.Signature != expected)
                {
                    throw new InvalidOperationException(Fail($"reversal {op.Id} of {op.ReversalOf}: {reversal.Signature}, not {expected}"));
                }
            }
        }

        return balances;
    }

    /// <summary>How many distinct ids were answered as posted with more than two legs, and how many were refused
    /// with version_mismatch or posted on an expected version: proof that the run covered them.</summary>
    public (int ManyLegs, int Expecting) Coverage => (
        _outcomes.Count(o => o.Value.Any(a => a.Success && a.Legs.Count > 2)),
        _ops.Where(o => o.ExpectVersion).Select(o => o.Id).Distinct().Count(id => _outcomes.ContainsKey(id)));

    public string Fail(string message) => $"{message} [seed {Seed}; rerun with LEDGER_TEST_SEED={Seed}]";

    private async Task<Outcome> ExecuteAsync(ILedgerDriver driver, Op op)
    {
        for (var attempt = 0; ; attempt++)
        {
            var outcome = await ExecuteOnceAsync(driver, op);
            if (outcome.Code != "concurrency_conflict" || attempt == 20)
            {
                return outcome;
            }
        }
    }

    private async Task<Outcome> ExecuteOnceAsync(ILedgerDriver driver, Op op)
    {
        if (op.ReversalOf is { } target)
        {
            return op.IsTransaction
                ? await driver.ReverseTransactionAsync(target, op.Id)
                : await driver.ReverseAsync(target, op.Id);
        }

        if (op.ExpectVersion)
        {
            var version = await driver.GetVersionAsync(op.Legs[0].Account);
            var outcome = await driver.PostTransactionAsync(Request(op, version));
            // Posted on top of exactly the version it read, or refused without a trace.
            if (outcome.Success && !outcome.Replayed && outcome.Legs.Single(l => l.Account == op.Legs[0].Account).Version != version + 1)
            {
                throw new InvalidOperationException(Fail($"{op.Id} expected version {version} and posted {outcome.Signature} at another"));
            }

            return outcome;
        }

        return op.IsTransaction
            ? await driver.PostTransactionAsync(Request(op, expectedVersion: null))
            : await driver.PostAsync(new PostTransferRequest
            {
                Id = op.Id, SourceAccountId = op.Legs[0].Account, DestinationAccountId = op.Legs[1].Account, Amount = op.Legs[1].Amount,
            });
    }

    private static PostTransactionRequest Request(Op op, long? expectedVersion) => new()
    {
        Id = op.Id,
        Legs = [.. op.Legs.Select((l, i) => new TransactionLegRequest
        {
            AccountId = l.Account, Amount = l.Amount, ExpectedVersion = i == 0 ? expectedVersion : null,
        })],
    };

    private void Record(Op op, Outcome outcome) => _outcomes.GetOrAdd(op.Id, _ => []).Add(outcome);

    /// <summary>One operation: a transfer (two legs, source first), a transaction, a transfer expecting its source's
    /// version, or a reversal (of a transfer through the transfer API, or of a transaction).</summary>
    private sealed record Op(Guid Id, IReadOnlyList<(string Account, decimal Amount)> Legs, Guid? ReversalOf, bool IsTransaction, bool ExpectVersion)
    {
        public static Op Transfer(Guid id, string source, string destination, decimal amount) =>
            new(id, [(source, -amount), (destination, amount)], null, false, false);

        public static Op Transaction(Guid id, IReadOnlyList<(string, decimal)> legs) => new(id, legs, null, true, false);

        public static Op Expecting(Guid id, string source, string destination, decimal amount) =>
            new(id, [(source, -amount), (destination, amount)], null, true, true);

        public static Op Reversal(Guid id, Guid target, bool transaction) => new(id, [], target, transaction, false);
    }
}
