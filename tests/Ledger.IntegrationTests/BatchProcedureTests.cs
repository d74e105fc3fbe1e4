using System.Globalization;
using Ledger.Posting;
using Ledger.Storage;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>
/// ledger_post_transactions decides a batch set-wise (window functions, rounds of refusals); its outcome must be the
/// one of posting the same transactions one by one in order. These tests call it through <see cref="PostingStore"/>
/// with seeded random batches on tight balances (transfers, transactions of up to five legs, legs that expect a
/// version, reversals) and hold every status, running balance and version against a plain sequential model.
/// </summary>
public sealed class BatchProcedureTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task PostBatch_RandomTransactionsOnTightBalances_EqualsPostingThemOneByOne()
    {
        var seed = Infrastructure.ReferenceWorkload.ChooseSeed();
        var random = new Random(seed);
        await using var provider = fixture.CreateServices();
        var store = new PostingStore(provider.GetRequiredService<MySqlDataSource>());
        var posted = new Dictionary<Guid, List<(string Account, long Delta)>>();
        var reversed = new HashSet<Guid>();
        var limits = new Dictionary<string, long>(StringComparer.Ordinal);

        for (var round = 0; round < 20; round++)
        {
            // Few accounts, small balances, some overdraft: many refusals, and refusals that depend on the order.
            var accounts = new List<string>();
            var model = new Model();
            foreach (var (id, _) in posted.SelectMany(p => p.Value).DistinctBy(l => l.Account))
            {
                var (balance, version, _) = await fixture.AccountStateAsync(id);
                model.Accounts[id] = (balance, limits[id], version);
            }

            for (var i = 0; i < 6; i++)
            {
                var limit = random.Next(3) == 0 ? random.Next(1, 500) : 0;
                var funds = random.Next(0, 800);
                var id = funds > 0
                    ? await fixture.CreateFundedAccountAsync(funds / 100m, label: "bp")
                    : await fixture.CreateAccountAsync(overdraftLimit: limit / 100m, label: "bp");
                var (balance, version, _) = await fixture.AccountStateAsync(id);
                model.Accounts[id] = (balance, funds > 0 ? 0 : limit, version);
                accounts.Add(id);
            }

            foreach (var (id, legs) in posted)
            {
                model.Posted[id] = legs;
            }

            model.Reversed.UnionWith(reversed);
            var euro = await fixture.CreateAccountAsync(currency: "EUR", label: "bp-eur");
            var commands = new List<PostingCommand>();
            for (var i = 0; i < 60; i++)
            {
                if (random.Next(12) == 0 && posted.Count > 0)
                {
                    // A reversal of a transaction of an earlier round (perhaps reversed already), or of none at all.
                    var original = random.Next(8) == 0 ? Guid.CreateVersion7() : posted.Keys.ElementAt(random.Next(posted.Count));
                    commands.Add(new PostingCommand(Guid.CreateVersion7(), [], null, null, $"round {round} #{i}", original, "batch-test", null));
                    continue;
                }

                var count = random.Next(3) == 0 ? random.Next(3, 6) : 2;
                var chosen = accounts.OrderBy(_ => random.Next()).Take(count).ToList();
                var legs = new List<LegCommand>();
                var sum = 0m;
                for (var leg = 0; leg < count; leg++)
                {
                    var amount = leg == count - 1 ? -sum : (random.Next(2) == 0 ? -1 : 1) * random.Next(1, 400) / 100m;
                    // Some legs expect the version the account has now, which earlier transactions of the batch may
                    // move on; a version from the past is stale for ever, so a replay answers as the first post did.
                    long? expected = random.Next(8) == 0 ? model.Accounts[chosen[leg]].Version - random.Next(2) : null;
                    legs.Add(new LegCommand(chosen[leg], amount, expected));
                    sum += amount;
                }

                if (legs[^1].Amount == 0m)
                {
                    continue;
                }

                switch (random.Next(40))
                {
                    case 0: legs[^1] = legs[^1] with { AccountId = "bp-missing-" + i.ToString(CultureInfo.InvariantCulture) }; break;
                    case 1: legs[0] = legs[0] with { AccountId = "bp-missing-" + i.ToString(CultureInfo.InvariantCulture) }; break;
                    case 2: legs[^1] = legs[^1] with { AccountId = euro }; break;
                    case 3: legs[0] = legs[0] with { Amount = legs[0].Amount + 0.005m }; legs[^1] = legs[^1] with { Amount = legs[^1].Amount - 0.005m }; break;
                }

                commands.Add(new PostingCommand(Guid.CreateVersion7(), legs, null, null, $"round {round} #{i}", null, "batch-test", null));
            }

            var outcomes = await store.PostAsync(commands, new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc), CancellationToken.None);

            for (var i = 0; i < commands.Count; i++)
            {
                var command = commands[i];
                var expected = model.Post(command, out var legs);
                var outcome = outcomes[i];
                var where = $"round {round}, item {i} ({Describe(command)}) [seed {seed}; rerun with LEDGER_TEST_SEED={seed}]";
                Assert.True(expected == outcome.Status, $"{where}: expected {expected}, got {outcome.Status}");
                Assert.False(outcome.Replayed, where);
                if (expected == ProcedureStatus.Done)
                {
                    Assert.Equal(legs, outcome.Transaction!.Legs.Select(l => (l.AccountId, l.Amount, l.BalanceAfter, l.Version)).ToList());
                    posted[command.Id] = [.. legs.Select(l => (l.Account, l.Amount))];
                    if (command.ReversalOf is { } original)
                    {
                        reversed.Add(original);
                    }
                }
            }

            foreach (var (id, state) in model.Accounts)
            {
                var (balance, version, entries) = await fixture.AccountStateAsync(id);
                Assert.Equal((state.Balance, state.Version), (balance, version));
                Assert.Equal(version, entries);
            }

            // The same batch again: every transaction answers with its first outcome, and nothing changes.
            var replays = await store.PostAsync(commands, DateTime.UnixEpoch, CancellationToken.None);
            for (var i = 0; i < commands.Count; i++)
            {
                var first = outcomes[i].Status;
                var expected = first == ProcedureStatus.Done ? ProcedureStatus.Replayed : first;
                var where = $"round {round}, replay of item {i} ({Describe(commands[i])}) [seed {seed}]";
                Assert.True(expected == replays[i].Status, $"{where}: expected {expected}, got {replays[i].Status}");
                Assert.Equal(first is ProcedureStatus.Done or ProcedureStatus.DebitAccountNotFound or ProcedureStatus.CreditAccountNotFound
                    or ProcedureStatus.CurrencyMismatch or ProcedureStatus.InsufficientFunds or ProcedureStatus.BalanceOutOfRange, replays[i].Replayed);
                if (first == ProcedureStatus.Done)
                {
                    Assert.Equal(outcomes[i].Transaction!.Legs, replays[i].Transaction!.Legs);
                }
            }

            foreach (var (id, state) in model.Accounts)
            {
                Assert.Equal(state.Version, (await fixture.AccountStateAsync(id)).Version);
            }

            foreach (var (id, state) in model.Accounts)
            {
                limits[id] = state.Limit;
            }
        }

        Assert.True((await fixture.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task PostBatch_ManyOverdrawingTransfersFromEmptyAccounts_RefusesThemAndPostsTheRest()
    {
        // The worst case for the rounds of refusals: most of a batch is short of funds.
        await using var provider = fixture.CreateServices();
        var store = new PostingStore(provider.GetRequiredService<MySqlDataSource>());
        var empty = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            empty.Add(await fixture.CreateAccountAsync(label: "bp-empty"));
        }

        var rich = await fixture.CreateFundedAccountAsync(1000m, label: "bp-rich");
        var commands = new List<PostingCommand>();
        for (var i = 0; i < 400; i++)
        {
            var (source, destination) = i % 4 == 3 ? (rich, empty[i % 20]) : (empty[i % 20], empty[(i + 1) % 20]);
            commands.Add(Transfer(source, destination, 1m));
        }

        var model = new Model();
        foreach (var id in empty.Append(rich))
        {
            var (balance, version, _) = await fixture.AccountStateAsync(id);
            model.Accounts[id] = (balance, 0, version);
        }

        var outcomes = await store.PostAsync(commands, DateTime.UnixEpoch, CancellationToken.None);

        var expected = commands.Select(c => model.Post(c, out _)).ToArray();
        Assert.Equal(expected, outcomes.Select(o => o.Status).ToArray());
        Assert.Contains(ProcedureStatus.InsufficientFunds, expected);
        Assert.Contains(ProcedureStatus.Done, expected);
        foreach (var (id, state) in model.Accounts)
        {
            var (balance, version, _) = await fixture.AccountStateAsync(id);
            Assert.Equal((state.Balance, state.Version), (balance, version));
        }
    }

    [Fact]
    public async Task PostBatch_SameIdTwice_IsRefusedWithSignal50108AndChangesNothing()
    {
        await using var provider = fixture.CreateServices();
        var store = new PostingStore(provider.GetRequiredService<MySqlDataSource>());
        var source = await fixture.CreateFundedAccountAsync(10m, label: "bp-dup");
        var destination = await fixture.CreateAccountAsync(label: "bp-dup");
        var before = await fixture.AccountStateAsync(source);
        var transfer = Transfer(source, destination, 1m);

        var failure = await Assert.ThrowsAsync<MySqlException>(() => store.PostAsync([transfer, transfer], DateTime.UnixEpoch, CancellationToken.None));

        Assert.Equal(50108, failure.Number);
        Assert.Equal(before, await fixture.AccountStateAsync(source));
    }

    [Fact]
    public async Task PostTransfer_SameIdQueuedTwiceWhileABatchFills_PostsOnceAndReplaysTheOther()
    {
        // Both posts wait in the queue of one worker for the same batch; the batcher defers the second to the next
        // batch, where it is a replay.
        await using var provider = fixture.CreateServices(options =>
        {
            options.Batching.Enabled = true;
            options.Batching.MaxWait = TimeSpan.FromMilliseconds(200);
            options.Batching.MaxConcurrentBatches = 1;
        });
        var ledger = provider.GetRequiredService<ILedger>();
        var source = await fixture.CreateFundedAccountAsync(10m, label: "bp-twice");
        var destination = await fixture.CreateAccountAsync(label: "bp-twice");
        var request = new PostTransferRequest { Id = Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = destination, Amount = 2m };

        var results = await Task.WhenAll(ledger.PostTransferAsync(request), ledger.PostTransferAsync(request));

        Assert.All(results, r => Assert.True(r.IsSuccess, r.ToString()));
        Assert.Single(results, r => r.Replayed);
        Assert.Equal((800L, 2L, 2L), await fixture.AccountStateAsync(source));
    }

    private static string Describe(PostingCommand command) => command.ReversalOf is { } original
        ? $"reversal of {original}"
        : string.Join(", ", command.Legs.Select(l => $"{l.AccountId} {l.Amount}{(l.ExpectedVersion is { } v ? $" @{v}" : "")}"));

    private static PostingCommand Transfer(string source, string destination, decimal amount) =>
        new(Guid.CreateVersion7(), [new LegCommand(source, -amount), new LegCommand(destination, amount)], null, null, null, null, "batch-test", null);

    /// <summary>Posting one transaction at a time, by the rules of ledger_post_transactions (USD, two decimals; the
    /// test's EUR accounts are not in the model: they exist, in another currency).</summary>
    private sealed class Model
    {
        public Dictionary<string, (long Balance, long Limit, long Version)> Accounts { get; } = new(StringComparer.Ordinal);

        public Dictionary<Guid, List<(string Account, long Delta)>> Posted { get; } = [];

        public HashSet<Guid> Reversed { get; } = [];

        public ProcedureStatus Post(PostingCommand command, out List<(string Account, long Amount, long BalanceAfter, long Version)> legs)
        {
            legs = [];
            List<(string Account, long Delta, long? Expected)> deltas;
            if (command.ReversalOf is { } original)
            {
                if (!Posted.TryGetValue(original, out var originalLegs))
                {
                    return ProcedureStatus.TransactionToReverseNotFound;
                }

                if (Reversed.Contains(original))
                {
                    return ProcedureStatus.AlreadyReversed;
                }

                deltas = [.. originalLegs.Select(l => (l.Account, -l.Delta, (long?)null))];
            }
            else
            {
                if (command.Legs.Any(l => l.Amount < 0 && IsMissing(l.AccountId)))
                {
                    return ProcedureStatus.DebitAccountNotFound;
                }

                if (command.Legs.Any(l => l.Amount > 0 && IsMissing(l.AccountId)))
                {
                    return ProcedureStatus.CreditAccountNotFound;
                }

                if (command.Legs.Any(l => !Accounts.ContainsKey(l.AccountId)))
                {
                    return ProcedureStatus.CurrencyMismatch;
                }

                if (command.Legs.Any(l => l.Amount * 100m != decimal.Truncate(l.Amount * 100m)))
                {
                    return ProcedureStatus.AmountPrecision;
                }

                deltas = [.. command.Legs.Select(l => (l.AccountId, (long)(l.Amount * 100m), l.ExpectedVersion))];
            }

            if (deltas.Any(l => l.Expected is { } expected && expected != Accounts[l.Account].Version))
            {
                return ProcedureStatus.VersionMismatch;
            }

            if (deltas.Any(l => l.Delta < 0 && Accounts[l.Account].Balance + l.Delta < -Accounts[l.Account].Limit))
            {
                return ProcedureStatus.InsufficientFunds;
            }

            foreach (var (account, delta, _) in deltas.OrderBy(l => l.Account, StringComparer.Ordinal))
            {
                var state = Accounts[account];
                Accounts[account] = state = (state.Balance + delta, state.Limit, state.Version + 1);
                legs.Add((account, delta, state.Balance, state.Version));
            }

            Posted[command.Id] = [.. deltas.Select(l => (l.Account, l.Delta))];
            if (command.ReversalOf is { } reversedId)
            {
                Reversed.Add(reversedId);
            }

            return ProcedureStatus.Done;
        }

        private static bool IsMissing(string account) => account.StartsWith("bp-missing-", StringComparison.Ordinal);
    }
}
