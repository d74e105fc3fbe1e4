using System.Collections.Concurrent;
using MySqlConnector;

namespace Ledger.Api.Tests;

/// <summary>
/// The reference-model test of Ledger.IntegrationTests, through HTTP: a seeded random workload (hot accounts,
/// opposing transfers, overdraft attempts, duplicate ids, reversals) is posted by 16 concurrent callers to two API
/// replicas over one database, and the ledger must then equal the model computed from the answers. Every failure
/// message carries the seed; set LEDGER_TEST_SEED to replay one.
/// </summary>
public sealed class ReferenceModelApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task ReferenceModel_RandomWorkloadThroughTwoReplicas_LedgerEqualsTheModel()
    {
        var seed = ReferenceWorkload.ChooseSeed();
        await using var replica = ConfiguredApiFactory.Beside(factory);
        using var first = factory.CreateClient(ApiFactory.PosterKey);
        using var second = replica.CreateClient(ApiFactory.PosterKey);
        using var banker = factory.CreateClient(ApiFactory.BankerKey);
        var accounts = await CreateAccountsAsync((label, limit) => CreateAccountAsync(banker, label, limit, seed), seed);
        var workload = ReferenceWorkload.Create(seed, accounts, operations: 300);

        var driver = new HttpDriver([first, second], workload);
        await workload.RunAsync(driver, callers: 16);

        await AssertLedgerMatchesModelAsync(factory.ConnectionString, workload, driver.Answered);
        using var adminFirst = factory.CreateClient(ApiFactory.AdminKey);
        using var adminSecond = replica.CreateClient(ApiFactory.AdminKey);
        await AssertIntegrityOkAsync(adminFirst, workload);
        await AssertIntegrityOkAsync(adminSecond, workload);
    }

    /// <summary>The workload's accounts, as ConsistencyTests.CreateAccountsAsync makes them (the same seed gives the
    /// same limits): a bank that may overdraw far, then eleven USD accounts, some with small overdraft limits.</summary>
    private static async Task<IReadOnlyList<(string Id, long Limit)>> CreateAccountsAsync(Func<string, decimal, Task<string>> create, int seed)
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

    private static async Task<string> CreateAccountAsync(HttpClient client, string label, decimal overdraftLimit, int seed)
    {
        var id = Ids.Account(label);
        using var response = await ApiFactory.PostJsonAsync(client, "/v1/accounts",
            JsonSerializer.Serialize(new { id, currency = "USD", overdraftLimit }));
        Assert.True(response.StatusCode == HttpStatusCode.Created,
            $"opening {id}: {await ApiFactory.DescribeAsync(response)} [seed {seed}; rerun with LEDGER_TEST_SEED={seed}]");
        return id;
    }

    /// <summary>What ConsistencyTests.AssertLedgerMatchesModelAsync checks, against the API's database: the answers
    /// for each id agree; each posted id is stored once, as <paramref name="answered"/> says; refused ids left no
    /// transfer; each account's balance is the model's and its version the number of its entries; no entry ever took
    /// an account below minus its limit; and the workload's accounts, which started at zero, still sum to zero.</summary>
    private static async Task AssertLedgerMatchesModelAsync(
        string connectionString, ReferenceWorkload workload, IReadOnlyDictionary<Guid, string> answered)
    {
        var expected = workload.CheckOutcomesAndComputeBalances(out var posted, out var refused);
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();

        foreach (var id in posted)
        {
            Assert.True(await ScalarAsync(connection, "SELECT COUNT(*) FROM transactions WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true))) == 1,
                workload.Fail($"posted transaction {id} is not stored once"));
            await using var command = new MySqlCommand(
                "SELECT account_id, amount FROM entries WHERE transfer_id = @id ORDER BY account_id", connection);
            command.Parameters.AddWithValue("@id", id.ToByteArray(bigEndian: true));
            await using var reader = await command.ExecuteReaderAsync();
            var legs = new List<LegOutcome>();
            while (await reader.ReadAsync())
            {
                legs.Add(new LegOutcome(reader.GetString(0), reader.GetInt64(1), 0));
            }

            var stored = new Outcome(true, false, null, id, legs).Signature;
            Assert.True(stored == answered[id], workload.Fail($"transaction {id} is stored as '{stored}' but was answered as '{answered[id]}'"));
        }

        foreach (var id in refused)
        {
            var count = await ScalarAsync(connection, "SELECT COUNT(*) FROM transactions WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true)));
            Assert.True(count == 0, workload.Fail($"refused transaction {id} is stored"));
        }

        var total = 0L;
        foreach (var (id, limit) in workload.Accounts)
        {
            await using var command = new MySqlCommand(
                "SELECT a.balance, a.version, (SELECT COUNT(*) FROM entries e WHERE e.account_id = a.id), " +
                "(SELECT COALESCE(MIN(e.balance_after), 0) FROM entries e WHERE e.account_id = a.id) " +
                "FROM accounts a WHERE a.id = @id", connection);
            command.Parameters.AddWithValue("@id", id);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync(), workload.Fail($"account {id} not found"));
            var (balance, version, entries, lowest) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            Assert.True(balance == expected[id], workload.Fail($"{id}: ledger balance {balance}, model {expected[id]}"));
            Assert.True(version == entries, workload.Fail($"{id}: version {version}, {entries} entries"));
            Assert.True(lowest >= -limit, workload.Fail($"{id}: an entry left the balance at {lowest}, below -{limit}"));
            total += balance;
        }

        Assert.True(total == 0, workload.Fail($"the workload's accounts sum to {total}, not zero"));
    }

    private static async Task AssertIntegrityOkAsync(HttpClient admin, ReferenceWorkload workload)
    {
        using var response = await admin.GetAsync(new Uri("/v1/admin/integrity", UriKind.Relative));
        var description = await ApiFactory.DescribeAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, workload.Fail($"integrity: {description}"));
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.True(body.GetProperty("ok").GetBoolean(), workload.Fail($"integrity: {description}"));
        Assert.True(body.GetProperty("checkedAccounts").GetInt64() >= workload.Accounts.Count, workload.Fail($"integrity: {description}"));
    }

    private static async Task<long> ScalarAsync(MySqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Posts and reverses over HTTP, alternating between the replicas, and reads each answer as an
    /// <see cref="Outcome"/>. An answer outside the contract (a 5xx, a problem without a code, 201 marked replayed)
    /// fails the run with the seed.</summary>
    private sealed class HttpDriver(HttpClient[] clients, ReferenceWorkload workload) : ILedgerDriver
    {
        private readonly ConcurrentDictionary<Guid, string> _answered = new();
        private int _next;

        /// <summary>The signature of every transfer answered as posted, by id.</summary>
        public IReadOnlyDictionary<Guid, string> Answered => _answered;

        public async Task<Outcome> PostAsync(PostTransferRequest request)
        {
            var id = request.Id!.Value;
            using var response = await ApiFactory.PostJsonAsync(Next(), "/v1/transfers",
                ApiCalls.TransferJson(id, request.SourceAccountId!, request.DestinationAccountId!, request.Amount));
            return await ToOutcomeAsync(id, response);
        }

        public async Task<Outcome> ReverseAsync(Guid transferId, Guid reversalId)
        {
            using var response = await ApiCalls.ReverseAsync(Next(), transferId, JsonSerializer.Serialize(new { id = reversalId }));
            return await ToOutcomeAsync(reversalId, response);
        }

        public async Task<Outcome> PostTransactionAsync(PostTransactionRequest request)
        {
            var id = request.Id!.Value;
            using var response = await ApiFactory.PostJsonAsync(Next(), "/v1/transactions", JsonSerializer.Serialize(new
            {
                id,
                legs = request.Legs!.Select(l => new { accountId = l.AccountId, amount = l.Amount, expectedVersion = l.ExpectedVersion }),
            }));
            return await ToOutcomeAsync(id, response);
        }

        public async Task<Outcome> ReverseTransactionAsync(Guid transactionId, Guid reversalId)
        {
            using var response = await ApiFactory.PostJsonAsync(Next(), $"/v1/transactions/{transactionId}/reversal",
                JsonSerializer.Serialize(new { id = reversalId }));
            return await ToOutcomeAsync(reversalId, response);
        }

        public async Task<long> GetVersionAsync(string accountId)
        {
            using var response = await Next().GetAsync(new Uri($"/v1/accounts/{accountId}", UriKind.Relative));
            var account = await ApiFactory.ReadJsonAsync(response);
            return account.GetProperty("version").GetInt64();
        }

        private long Cents(Guid id, JsonElement amount, string text)
        {
            var cents = amount.GetDecimal() * 100m;
            return cents == decimal.Truncate(cents)
                ? (long)cents
                : throw new InvalidOperationException(workload.Fail($"{id}: an amount is not a whole number of cents: {text}"));
        }

        private HttpClient Next() => clients[(Interlocked.Increment(ref _next) & int.MaxValue) % clients.Length];

        private async Task<Outcome> ToOutcomeAsync(Guid id, HttpResponseMessage response)
        {
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            var replayed = response.Headers.TryGetValues(ApiCalls.ReplayedHeader, out var values) &&
                           values.SingleOrDefault() == "true";
            using var document = string.IsNullOrEmpty(text) ? null : JsonDocument.Parse(text);
            var body = document?.RootElement;
            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK && body is { } transfer)
            {
                if (replayed != (response.StatusCode == HttpStatusCode.OK))
                {
                    throw new InvalidOperationException(workload.Fail($"{id}: {status} with Idempotent-Replayed {replayed}: {text}"));
                }

                var transferId = transfer.GetProperty("id").GetGuid();
                if (transferId != id)
                {
                    throw new InvalidOperationException(workload.Fail($"{id}: the answer is about {transferId}: {text}"));
                }

                // A transfer answers source, destination and amount; a transaction its legs.
                var legs = transfer.TryGetProperty("legs", out var posted)
                    ? posted.EnumerateArray().Select(l => new LegOutcome(
                        l.GetProperty("accountId").GetString()!, Cents(id, l.GetProperty("amount"), text), l.GetProperty("version").GetInt64())).ToList()
                    : [
                        new LegOutcome(transfer.GetProperty("sourceAccountId").GetString()!, -Cents(id, transfer.GetProperty("amount"), text), 0),
                        new LegOutcome(transfer.GetProperty("destinationAccountId").GetString()!, Cents(id, transfer.GetProperty("amount"), text), 0),
                    ];
                var outcome = new Outcome(true, replayed, null, transferId, legs);
                _answered[transferId] = outcome.Signature;
                return outcome;
            }

            if (status is >= 400 and < 500 && body is { } problem &&
                problem.TryGetProperty("code", out var code) && code.GetString() is { Length: > 0 } name)
            {
                return Outcome.Refused(id, replayed, name);
            }

            throw new InvalidOperationException(workload.Fail($"{id}: an answer outside the contract: {status} {text}"));
        }
    }
}
