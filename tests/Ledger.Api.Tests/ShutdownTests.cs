using System.Collections.Concurrent;
using System.Diagnostics;
using MySqlConnector;
using Xunit.Abstractions;

namespace Ledger.Api.Tests;

/// <summary>
/// SIGTERM to the real host process under a stream of posts: readiness turns 503 while the host still serves, the
/// host then stops accepting, finishes what it took on and exits 0 within the grace period; every acknowledged post
/// is in the database once, nothing that was refused is, and the balances are exactly the posted transfers.
/// </summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private const int Callers = 16;
    // Long enough that a post started after readiness turns 503 is served before the host stops listening, however
    // loaded the machine (the property is that the host still serves while it drains, not how fast).
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    private enum Outcome
    {
        /// <summary>2xx: the host says it is posted.</summary>
        Acknowledged,

        /// <summary>An answer that says nothing was done (503 overloaded and the like).</summary>
        Refused,

        /// <summary>The connection was refused: the host never saw the request.</summary>
        NotSent,

        /// <summary>The connection broke after the request may have reached the host.</summary>
        Unknown,
    }

    private sealed record Post(Guid Id, long AmountMinor, Outcome Outcome, TimeSpan StartedAt, TimeSpan EndedAt, string Detail);

    [Fact]
    public async Task SigTerm_UnderPostingLoad_DrainsFinishesAcknowledgedPostsAndExitsZero()
    {
        string source, destination;
        await using var host = await ApiProcess.StartAsync("shutdown", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Api:ShutdownDrainDelay"] = DrainDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Api:ShutdownTimeout"] = ShutdownTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        });
        using var client = host.CreateClient(TimeSpan.FromSeconds(15));
        using (var banker = host.CreateClient(key: ApiFactory.BankerKey))
        {
            source = await CreateAccountAsync(banker, 1_000_000_000m);
            destination = await CreateAccountAsync(banker, 0m);
        }

        var clock = Stopwatch.StartNew();
        var posts = new ConcurrentQueue<Post>();
        var readiness = new ConcurrentQueue<(TimeSpan At, int Status)>();
        var answers = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var notListening = 0;

        var callers = Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var id = Guid.CreateVersion7();
                var amountMinor = 1 + (caller * 7 + n++) % 50;
                var started = clock.Elapsed;
                try
                {
                    using var response = await ApiCalls.PostTransferAsync(client, id, source, destination, amountMinor / 100m);
                    var status = (int)response.StatusCode;
                    var body = await response.Content.ReadAsStringAsync();
                    if (status is >= 200 and < 300)
                    {
                        posts.Enqueue(new Post(id, amountMinor, Outcome.Acknowledged, started, clock.Elapsed, string.Empty));
                    }
                    else
                    {
                        answers.Enqueue($"{status} Retry-After={response.Headers.RetryAfter}: {body}");
                        posts.Enqueue(new Post(id, amountMinor, Outcome.Refused, started, clock.Elapsed, $"{status}: {body}"));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    if (ApiProcess.IsConnectionRefused(ex))
                    {
                        posts.Enqueue(new Post(id, amountMinor, Outcome.NotSent, started, clock.Elapsed, ex.Message));
                        Interlocked.Increment(ref notListening);
                        return;
                    }

                    posts.Enqueue(new Post(id, amountMinor, Outcome.Unknown, started, clock.Elapsed, ex.Message));
                    if (host.HasExited)
                    {
                        return;
                    }
                }
            }
        })).ToArray();

        var probe = Task.Run(async () =>
        {
            using var probeClient = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            while (!stop.IsCancellationRequested && !host.HasExited)
            {
                try
                {
                    using var response = await probeClient.GetAsync(new Uri("/health/ready", UriKind.Relative));
                    readiness.Enqueue((clock.Elapsed, (int)response.StatusCode));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    readiness.Enqueue((clock.Elapsed, 0));
                    if (ApiProcess.IsConnectionRefused(ex))
                    {
                        return;
                    }
                }

                await Task.Delay(50);
            }
        });

        // The signal comes once the host is seen serving: posts acknowledged (a few per caller) and readiness 200.
        await Eventually.UntilAsync(
            () => posts.Count(p => p.Outcome == Outcome.Acknowledged) >= Callers * 2 && readiness.Any(r => r.Status == 200),
            "posts acknowledged and a ready probe before SIGTERM",
            () => $"{string.Join(", ", posts.GroupBy(p => p.Outcome).Select(g => $"{g.Key}: {g.Count()}"))}; readiness {string.Join(' ', readiness.Select(r => r.Status).Distinct())}\n{host.Output}");
        var acknowledgedBeforeSignal = posts.Count(p => p.Outcome == Outcome.Acknowledged);
        var signalledAt = clock.Elapsed;
        await host.SendSigTermAsync();

        var exited = await host.WaitForExitAsync(ShutdownTimeout + TimeSpan.FromSeconds(15));
        var exitedAt = clock.Elapsed;
        await Task.WhenAll(callers.Append(probe)).WaitAsync(TimeSpan.FromSeconds(30));
        var all = posts.ToArray();
        var summary = $"signal at {signalledAt.TotalSeconds:F2} s, exit at {exitedAt.TotalSeconds:F2} s; " +
                      string.Join(", ", all.GroupBy(p => p.Outcome).Select(g => $"{g.Key}: {g.Count()}")) +
                      $"; readiness: {string.Join(' ', readiness.Where(r => r.At >= signalledAt).Select(r => r.Status).Distinct())}";

        output.WriteLine(summary);

        // The process: it stopped by itself within the grace period, with exit code 0.
        Assert.True(exited, $"the host did not exit within {ShutdownTimeout} + 15 s of SIGTERM ({summary})\n{host.Output}");
        Assert.True(host.ExitCode == 0, $"exit code {host.ExitCode} ({summary})\n{host.Output}");
        Assert.True(exitedAt - signalledAt >= DrainDelay, $"the host exited before the drain delay ended ({summary})");
        Assert.True(acknowledgedBeforeSignal > 0, $"nothing was posted before SIGTERM ({summary})");
        Assert.True(notListening > 0, $"no caller saw the host stop listening ({summary})");

        // Readiness turned 503 after SIGTERM, and the host still served posts after that.
        var firstUnready = readiness.Where(r => r.At >= signalledAt && r.Status == 503).Select(r => (TimeSpan?)r.At).FirstOrDefault();
        Assert.True(firstUnready is not null, $"readiness never answered 503 after SIGTERM ({summary})");
        Assert.True(
            all.Any(p => p.Outcome == Outcome.Acknowledged && p.StartedAt > firstUnready),
            $"no post started after readiness turned 503 was served ({summary})");

        // Nothing failed: the only answers other than 2xx are refusals that say nothing was done.
        var badAnswers = answers.Where(a => !a.StartsWith("503 Retry-After=1", StringComparison.Ordinal) || !a.Contains("\"code\":", StringComparison.Ordinal)).ToArray();
        Assert.True(badAnswers.Length == 0, $"answers other than 2xx and 503 with Retry-After: {string.Join('\n', badAnswers.Take(10))} ({summary})");

        // The database: every acknowledged post once, nothing refused, balances exactly the posted transfers.
        var stored = await StoredTransfersAsync(host.ConnectionString, source);
        var byId = all.ToDictionary(p => p.Id);
        foreach (var post in all.Where(p => p.Outcome == Outcome.Acknowledged))
        {
            Assert.True(stored.TryGetValue(post.Id, out var amount), $"acknowledged transfer {post.Id} is not in the database ({summary})");
            Assert.Equal(post.AmountMinor, amount);
        }

        foreach (var id in stored.Keys)
        {
            Assert.True(
                byId.TryGetValue(id, out var post) && post.Outcome is Outcome.Acknowledged or Outcome.Unknown,
                $"transfer {id} is in the database but was {(post is null ? "never sent" : post.Outcome.ToString())} ({summary})");
        }

        var acknowledgedSum = all.Where(p => p.Outcome == Outcome.Acknowledged).Sum(p => p.AmountMinor);
        var storedSum = stored.Values.Sum();
        var unknownStored = stored.Keys.Count(id => byId[id].Outcome == Outcome.Unknown);
        Assert.True(
            storedSum == acknowledgedSum + stored.Where(s => byId[s.Key].Outcome == Outcome.Unknown).Sum(s => s.Value),
            $"stored {storedSum} vs acknowledged {acknowledgedSum} ({unknownStored} of unknown outcome stored; {summary})");
        Assert.Equal(storedSum, await BalanceAsync(host.ConnectionString, destination));
        Assert.Equal(-storedSum, await BalanceAsync(host.ConnectionString, source));
    }

    private static async Task<string> CreateAccountAsync(HttpClient client, decimal overdraftLimit)
    {
        var id = Ids.Account("shutdown");
        using var response = await ApiFactory.PostJsonAsync(client, "/v1/accounts",
            JsonSerializer.Serialize(new { id, currency = "USD", overdraftLimit }));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        return id;
    }

    /// <summary>Id and amount (minor units) of every transfer out of <paramref name="source"/>, read directly.</summary>
    private static async Task<Dictionary<Guid, long>> StoredTransfersAsync(string connectionString, string source)
    {
        var stored = new Dictionary<Guid, long>();
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT id, amount FROM ledger_transfers WHERE source_account_id = @source", connection);
        command.Parameters.AddWithValue("@source", source);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var bytes = new byte[16];
            reader.GetBytes(0, 0, bytes, 0, 16);
            var id = new Guid(bytes, bigEndian: true);
            Assert.True(stored.TryAdd(id, reader.GetInt64(1)), $"transfer {id} is stored twice");
        }

        return stored;
    }

    private static Task<long> BalanceAsync(string connectionString, string account) =>
        ApiCalls.ScalarAsync<long>(connectionString, "SELECT balance FROM accounts WHERE id = @id", ("@id", account));
}
