using System.Collections.Concurrent;
using MySqlConnector;

namespace Ledger.Api.Tests;

/// <summary>
/// More work than the host may take on at once is refused at once with 503 <c>overloaded</c>, <c>Retry-After</c>
/// and problem+json: never a 500, never a time-out, and nothing refused is posted. Two hosts with tiny limits share
/// the fixture's database: one with a posting queue of one, one with two posts in flight at most.
/// </summary>
public sealed class OverloadTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const int Burst = 200;

    [Fact]
    public async Task PostBurst_TinyPostingQueue_RefusesSomeWith503RetryAfterAndNeverFails()
    {
        await AssertBurstAsync(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Ledger:Batching:QueueCapacity"] = "1",
            ["Ledger:Batching:MaxConcurrentBatches"] = "1",
            ["Api:MaxConcurrentRequests"] = "0",
        });
    }

    [Fact]
    public async Task PostBurst_TinyConcurrencyLimit_RefusesSomeWith503RetryAfterAndNeverFails()
    {
        // The posting queue (20,000) cannot fill with 200 posts: every refusal here is the host's concurrency limit.
        await AssertBurstAsync(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Api:MaxConcurrentRequests"] = "2",
        });
    }

    [Fact]
    public async Task Reads_TinyConcurrencyLimit_AreNotLimited()
    {
        var account = await factory.CreateFundedAccountAsync(5m);
        await using var host = Tuned(new Dictionary<string, string?>(StringComparer.Ordinal) { ["Api:MaxConcurrentRequests"] = "1" });
        using var client = host.CreateClient(ApiFactory.PosterKey);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            client.GetAsync(new Uri($"/v1/accounts/{account}/balance", UriKind.Relative))));

        foreach (var response in responses)
        {
            using (response)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
            }
        }
    }

    [Fact]
    public async Task PostTransfer_BodyOverKestrelLimit_Returns413ProblemJson()
    {
        // Kestrel's body limit holds only in a real server, so this asks a real host process.
        await using var host = await ApiProcess.StartAsync("oversize");
        using var client = host.CreateClient();
        var id = Guid.CreateVersion7();
        var json = JsonSerializer.Serialize(new
        {
            id,
            sourceAccountId = "a",
            destinationAccountId = "b",
            amount = 1m,
            reference = new string('x', 70 * 1024),
        });

        using var response = await ApiFactory.PostJsonAsync(client, "/v1/transfers", json);

        var description = await ApiFactory.DescribeAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, description);
        Assert.Equal(ApiCalls.ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.True(body.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String, description);
        Assert.Equal(0L, await ApiCalls.ScalarAsync<long>(host.ConnectionString,
            "SELECT COUNT(*) FROM ledger_transfers WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true))));
    }

    private async Task AssertBurstAsync(Dictionary<string, string?> settings)
    {
        var source = await factory.CreateAccountAsync(overdraftLimit: 1_000_000m, label: "burst-src");
        var destination = await factory.CreateAccountAsync(label: "burst-dst");
        await using var host = Tuned(settings);
        using var client = host.CreateClient(ApiFactory.PosterKey);
        client.Timeout = TimeSpan.FromSeconds(30);

        var created = new ConcurrentBag<Guid>();
        var refused = new ConcurrentBag<Guid>();
        var failures = new ConcurrentBag<string>();

        // Another writer holds both accounts during the burst, so the posts the host takes on stay in flight (their
        // batch waits on the locks) and more posts than the limit are outstanding at once whatever the scheduling;
        // the accounts are let go once a refusal was seen.
        await using var holder = new MySqlConnection(factory.ConnectionString);
        await holder.OpenAsync();
        var hold = await holder.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        await using (var lockAccounts = new MySqlCommand("SELECT COUNT(*) FROM accounts WHERE id IN (@s, @d) FOR UPDATE", holder, hold))
        {
            lockAccounts.Parameters.AddWithValue("@s", source);
            lockAccounts.Parameters.AddWithValue("@d", destination);
            Assert.Equal(2L, Convert.ToInt64(await lockAccounts.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }

        using var go = new ManualResetEventSlim();
        var posts = Enumerable.Range(0, Burst).Select(_ => Task.Run(async () =>
        {
            var id = Guid.CreateVersion7();
            go.Wait();
            using var response = await ApiCalls.PostTransferAsync(client, id, source, destination, 1m);
            switch (response.StatusCode)
            {
                case HttpStatusCode.Created:
                    created.Add(id);
                    break;
                case HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests:
                    var description = await ApiFactory.DescribeAsync(response);
                    if (response.Headers.RetryAfter is not { Delta: { } delta } || delta <= TimeSpan.Zero)
                    {
                        failures.Add($"no Retry-After: {description}");
                    }

                    if (response.Content.Headers.ContentType?.MediaType != ApiCalls.ProblemJson)
                    {
                        failures.Add($"not problem+json: {description}");
                    }

                    var body = await ApiFactory.ReadJsonAsync(response);
                    if (!body.TryGetProperty("code", out var code) || code.GetString() != "overloaded")
                    {
                        failures.Add($"code is not overloaded: {description}");
                    }

                    refused.Add(id);
                    break;
                default:
                    failures.Add($"unexpected answer: {await ApiFactory.DescribeAsync(response)}");
                    break;
            }
        })).ToArray();
        go.Set();
        try
        {
            await Eventually.UntilAsync(() => !refused.IsEmpty || !failures.IsEmpty || posts.All(p => p.IsCompleted),
                "a post refused while the accounts were held",
                () => $"{created.Count} created, {refused.Count} refused, {failures.Count} failed, {posts.Count(p => p.IsCompleted)} of {Burst} answered");
        }
        finally
        {
            await hold.CommitAsync();
            await hold.DisposeAsync();
        }

        await Task.WhenAll(posts);

        Assert.True(failures.IsEmpty, string.Join('\n', failures.Take(10)));
        Assert.Equal(Burst, created.Count + refused.Count);
        Assert.True(!refused.IsEmpty, $"no post of {Burst} was refused ({created.Count} created): the limit did not hold");
        Assert.True(!created.IsEmpty, "every post was refused");

        // What was refused was not posted; what was created was, once; the balance is exactly what was created.
        foreach (var id in refused.Take(20))
        {
            Assert.Equal(0L, await factory.CountTransfersAsync(id));
        }

        Assert.Equal(created.Count, await ApiCalls.ScalarAsync<long>(factory.ConnectionString,
            "SELECT COUNT(*) FROM ledger_transfers WHERE destination_account_id = @account", ("@account", destination)));
        var (balance, _) = await factory.GetBalanceAsync(destination);
        Assert.Equal(created.Count, balance);
    }

    /// <summary>One more replica over the fixture's database and Redis prefix, with settings of its own on top (and
    /// no shutdown drain, as WebApplicationFactory stops the host in-process).</summary>
    private ConfiguredApiFactory Tuned(Dictionary<string, string?> settings) =>
        ConfiguredApiFactory.Beside(factory, new Dictionary<string, string?>(settings) { ["Api:ShutdownDrainDelay"] = "00:00:00" });
}
