using System.Globalization;
using Ledger.Storage;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>
/// ledger_post_transfers decides a batch set-wise (window functions, rounds of refusals); its outcome must be the one
/// of posting the same transfers one by one in order. These tests call it through <see cref="BatchStore"/> with
/// seeded random batches on tight balances and hold every status, running balance and version against a plain
/// sequential model.
/// </summary>
public sealed class BatchProcedureTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task PostBatch_RandomTransfersOnTightBalances_EqualsPostingThemOneByOne()
    {
        var seed = Infrastructure.ReferenceWorkload.ChooseSeed();
        var random = new Random(seed);
        await using var provider = fixture.CreateServices();
        var store = new BatchStore(provider.GetRequiredService<MySqlDataSource>());

        for (var round = 0; round < 20; round++)
        {
            // Few accounts, small balances, some overdraft: many refusals, and refusals that depend on the order.
            var accounts = new List<string>();
            var model = new Dictionary<string, (long Balance, long Limit, long Version)>(StringComparer.Ordinal);
            for (var i = 0; i < 6; i++)
            {
                var limit = random.Next(3) == 0 ? random.Next(1, 500) : 0;
                var funds = random.Next(0, 800);
                var id = funds > 0
                    ? await fixture.CreateFundedAccountAsync(funds / 100m, label: "bp")
                    : await fixture.CreateAccountAsync(overdraftLimit: limit / 100m, label: "bp");
                var (balance, version, _) = await fixture.AccountStateAsync(id);
                model[id] = (balance, funds > 0 ? 0 : limit, version);
                accounts.Add(id);
            }

            var euro = await fixture.CreateAccountAsync(currency: "EUR", label: "bp-eur");
            var commands = new List<PostTransferCommand>();
            for (var i = 0; i < 60; i++)
            {
                var source = accounts[random.Next(accounts.Count)];
                var destination = accounts[random.Next(accounts.Count)];
                if (source == destination)
                {
                    continue;
                }

                var amount = random.Next(1, 400) / 100m;
                switch (random.Next(40))
                {
                    case 0: destination = "bp-missing-" + i.ToString(CultureInfo.InvariantCulture); break;
                    case 1: source = "bp-missing-" + i.ToString(CultureInfo.InvariantCulture); break;
                    case 2: destination = euro; break;
                    case 3: amount = 0.005m; break;
                }

                commands.Add(new PostTransferCommand(Guid.CreateVersion7(), source, destination, amount, null, null,
                    $"round {round} #{i}", null, "batch-test", null, DateTime.UnixEpoch));
            }

            var outcomes = await store.PostAsync(commands, new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc), CancellationToken.None);

            for (var i = 0; i < commands.Count; i++)
            {
                var command = commands[i];
                var expected = Expect(model, command, out var source, out var destination);
                var outcome = outcomes[i];
                var where = $"round {round}, transfer {i} ({command.SourceAccountId} -> {command.DestinationAccountId} {command.Amount}) [seed {seed}; rerun with LEDGER_TEST_SEED={seed}]";
                Assert.True(expected == outcome.Status, $"{where}: expected {expected}, got {outcome.Status}");
                Assert.False(outcome.Replayed, where);
                if (expected == ProcedureStatus.Done)
                {
                    Assert.Equal((source.Balance, source.Version), (outcome.Source!.Value.Balance, outcome.Source.Value.Version));
                    Assert.Equal((destination.Balance, destination.Version), (outcome.Destination!.Value.Balance, outcome.Destination.Value.Version));
                }
            }

            foreach (var (id, state) in model)
            {
                var (balance, version, entries) = await fixture.AccountStateAsync(id);
                Assert.Equal((state.Balance, state.Version), (balance, version));
                Assert.Equal(version, entries);
            }

            // The same batch again: every transfer answers with its first outcome, and nothing changes.
            var replays = await store.PostAsync(commands, DateTime.UnixEpoch, CancellationToken.None);
            for (var i = 0; i < commands.Count; i++)
            {
                var first = outcomes[i].Status;
                var expected = first == ProcedureStatus.Done ? ProcedureStatus.Replayed : first;
                Assert.Equal(expected, replays[i].Status);
                Assert.Equal(first != ProcedureStatus.AmountPrecision, replays[i].Replayed);
            }

            foreach (var (id, state) in model)
            {
                Assert.Equal(state.Version, (await fixture.AccountStateAsync(id)).Version);
            }
        }
    }

    [Fact]
    public async Task PostBatch_ManyOverdrawingTransfersFromEmptyAccounts_RefusesThemAndPostsTheRest()
    {
        // The worst case for the rounds of refusals: most of a batch is short of funds.
        await using var provider = fixture.CreateServices();
        var store = new BatchStore(provider.GetRequiredService<MySqlDataSource>());
        var empty = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            empty.Add(await fixture.CreateAccountAsync(label: "bp-empty"));
        }

        var rich = await fixture.CreateFundedAccountAsync(1000m, label: "bp-rich");
        var commands = new List<PostTransferCommand>();
        for (var i = 0; i < 400; i++)
        {
            var (source, destination) = i % 4 == 3 ? (rich, empty[i % 20]) : (empty[i % 20], empty[(i + 1) % 20]);
            commands.Add(new PostTransferCommand(Guid.CreateVersion7(), source, destination, 1m, null, null, null, null,
                "batch-test", null, DateTime.UnixEpoch));
        }

        var model = new Dictionary<string, (long Balance, long Limit, long Version)>(StringComparer.Ordinal);
        foreach (var id in empty.Append(rich))
        {
            var (balance, version, _) = await fixture.AccountStateAsync(id);
            model[id] = (balance, 0, version);
        }

        var outcomes = await store.PostAsync(commands, DateTime.UnixEpoch, CancellationToken.None);

        var expected = commands.Select(c => Expect(model, c, out _, out _)).ToArray();
        Assert.Equal(expected, outcomes.Select(o => o.Status).ToArray());
        Assert.Contains(ProcedureStatus.InsufficientFunds, expected);
        Assert.Contains(ProcedureStatus.Done, expected);
        foreach (var (id, state) in model)
        {
            var (balance, version, _) = await fixture.AccountStateAsync(id);
            Assert.Equal((state.Balance, state.Version), (balance, version));
        }
    }

    [Fact]
    public async Task PostBatch_SameIdTwice_IsRefusedWithSignal50108AndChangesNothing()
    {
        await using var provider = fixture.CreateServices();
        var store = new BatchStore(provider.GetRequiredService<MySqlDataSource>());
        var source = await fixture.CreateFundedAccountAsync(10m, label: "bp-dup");
        var destination = await fixture.CreateAccountAsync(label: "bp-dup");
        var before = await fixture.AccountStateAsync(source);
        var transfer = new PostTransferCommand(Guid.CreateVersion7(), source, destination, 1m, null, null, null, null,
            "batch-test", null, DateTime.UnixEpoch);

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

    /// <summary>Posting one transfer on the model, by the rules of ledger_apply_transfer (USD, two decimals).</summary>
    private static ProcedureStatus Expect(
        Dictionary<string, (long Balance, long Limit, long Version)> model, PostTransferCommand command,
        out (long Balance, long Version) source, out (long Balance, long Version) destination)
    {
        source = destination = default;
        if (!model.TryGetValue(command.SourceAccountId, out var from))
        {
            return ProcedureStatus.SourceNotFound;
        }

        if (!model.TryGetValue(command.DestinationAccountId, out var to))
        {
            // The test's EUR account is not in the model: it exists, in another currency.
            return command.DestinationAccountId.Contains("bp-eur", StringComparison.Ordinal)
                ? ProcedureStatus.CurrencyMismatch
                : ProcedureStatus.DestinationNotFound;
        }

        var cents = command.Amount * 100m;
        if (cents != decimal.Truncate(cents))
        {
            return ProcedureStatus.AmountPrecision;
        }

        var amount = (long)cents;
        if (from.Balance - amount < -from.Limit)
        {
            return ProcedureStatus.InsufficientFunds;
        }

        model[command.SourceAccountId] = from = (from.Balance - amount, from.Limit, from.Version + 1);
        model[command.DestinationAccountId] = to = (to.Balance + amount, to.Limit, to.Version + 1);
        source = (from.Balance, from.Version);
        destination = (to.Balance, to.Version);
        return ProcedureStatus.Done;
    }
}
