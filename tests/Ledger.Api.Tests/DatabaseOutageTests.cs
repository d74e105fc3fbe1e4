using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using Xunit.Abstractions;

namespace Ledger.Api.Tests;

/// <summary>
/// The database goes away under load and comes back: the API answers 503 <c>database_unavailable</c> with
/// Retry-After meanwhile (never a 500, never a hang), readiness follows the database, posting recovers by itself,
/// and nothing acknowledged is lost or posted twice. Runs against a MariaDB of its own (<see cref="StoppableMariaDb"/>),
/// never the shared server.
/// </summary>
public sealed class DatabaseOutageTests(ITestOutputHelper output)
{
    private const int Callers = 8;

    /// <summary>How many answers of its kind each phase waits for.</summary>
    private const int PostsPerPhase = 40;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] UnavailableCodes = ["database_unavailable", "overloaded"];

    /// <param name="fault"><c>stop</c>: a clean shutdown; <c>kill</c>: SIGKILL, a crash that resets every socket mid-statement
    /// (the client then throws socket and I/O errors that are not MySqlExceptions; once answered 500).</param>
    [Theory]
    [InlineData("stop")]
    [InlineData("kill")]
    public async Task PostTransfers_WhileDatabaseGoesAwayAndRestarts_Answer503ThenRecoverWithoutLossOrDuplicates(string fault)
    {
        var servers = await TestServers.GetAsync();
        await using var database = await StoppableMariaDb.StartAsync();
        await using var factory = new ConfiguredApiFactory(database.ConnectionString, servers.Redis, migrateOnStartup: true,
            // Thousands of expected "database could not be reached" lines would bury the summary below.
            logging => logging.ClearProviders());
        _ = factory.Server;
        var source = await factory.CreateAccountAsync(overdraftLimit: 1_000_000_000m, label: "outage-src");
        var destination = await factory.CreateAccountAsync(label: "outage-dst");

        var clock = Stopwatch.StartNew();
        var posts = new ConcurrentQueue<PostResult>();
        var probes = new ConcurrentQueue<HealthProbe>();
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, Callers)
            .Select(caller => Task.Run(() => PostUntilStoppedAsync(factory, caller, source, destination, clock, posts, stop.Token)))
            .ToList();
        var prober = Task.Run(() => ProbeUntilStoppedAsync(factory, clock, probes, stop.Token));

        // Each phase lasts until the API was seen doing what the phase is about, however long that takes on this
        // machine: posts and readiness before the outage, 503s to posts and to readiness during it, and, after it, a
        // post acknowledged for every caller (so each one's pending retry went through) and readiness back at 200.
        string Seen() => string.Create(CultureInfo.InvariantCulture,
            $"{posts.Count(r => r.Status == 201)} posted, {posts.Count(r => r.Status == 503)} answered 503, " +
            $"{posts.Count(r => r.Status is not (>= 200 and < 300) and not 503)} other; readiness {string.Join(" ", Runs(probes.ToList()))}");
        Phases phases;
        try
        {
            await Eventually.UntilAsync(
                () => posts.Count(r => r.Status == 201) >= PostsPerPhase && probes.Any(p => p.Status == 200),
                $"{PostsPerPhase} posts and a ready probe before the outage", Seen);
            var stopBegan = clock.Elapsed;
            await (fault == "kill" ? database.KillAsync() : database.StopAsync());
            var stopped = clock.Elapsed;
            await Eventually.UntilAsync(
                () => posts.Count(r => r.Status == 503 && r.Started >= stopped) >= PostsPerPhase &&
                      probes.Any(p => p.Status == 503 && p.Started >= stopped),
                $"{PostsPerPhase} posts and a readiness probe answered 503 while the database was stopped", Seen);
            var restartBegan = clock.Elapsed;
            await database.StartAgainAsync();
            var restarted = clock.Elapsed;
            await Eventually.UntilAsync(
                () => posts.Where(r => r.Status is >= 200 and < 300 && r.Started >= restarted).Select(r => r.Caller).Distinct().Count() == Callers &&
                      probes.Any(p => p.Status == 200 && p.Started >= restarted),
                "a post acknowledged for every caller and a ready probe after the database came back",
                () => Seen() + "\n" + database.Diagnostics());
            phases = new Phases(stopBegan, stopped, restartBegan, restarted);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(callers);
            await prober;
        }

        var results = posts.ToList();
        var ok = results.Where(r => r.Status is >= 200 and < 300).ToList();
        var unavailable = results.Where(r => r.Status == 503).ToList();
        var firstAfterRestart = ok.Where(r => r.Started >= phases.Restarted).OrderBy(r => r.Finished).FirstOrDefault();
        var firstFailure = unavailable.OrderBy(r => r.Finished).FirstOrDefault();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"phases: stop {phases.StopBegan.TotalSeconds:F2}-{phases.Stopped.TotalSeconds:F2} s, restart {phases.RestartBegan.TotalSeconds:F2}-{phases.Restarted.TotalSeconds:F2} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"posts: {results.Count} answers, {ok.Count} 2xx ({ok.Count(r => r.Status == 201)} 201, {ok.Count(r => r.Status == 200)} 200 replayed), " +
            $"{unavailable.Count} 503, other {results.Count(r => r.Status is not (>= 200 and < 300) and not 503)}; " +
            $"slowest {results.Max(r => r.Finished - r.Started).TotalMilliseconds:F0} ms; distinct ids {results.Select(r => r.Id).Distinct().Count()}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first 503 at {firstFailure?.Finished.TotalSeconds:F2} s; first 2xx of a post started after the restart at " +
            $"{firstAfterRestart?.Finished.TotalSeconds:F2} s ({(firstAfterRestart is null ? "none" : $"{(firstAfterRestart.Finished - phases.Restarted).TotalMilliseconds:F0} ms after the server answered")})"));
        output.WriteLine("503 codes: " + string.Join(", ", unavailable.GroupBy(r => r.Code).Select(g => $"{g.Key} x{g.Count()}")));
        output.WriteLine("health: " + string.Join(" ", Runs(probes.ToList())));

        // Every answer is a success or a 503 the caller can act on; nothing failed or hung.
        var unexpected = results.Where(r => r.Exception is not null || r.Status is not (>= 200 and < 300) and not 503).Take(5).ToList();
        Assert.True(unexpected.Count == 0,
            "unexpected answers:\n" + string.Join('\n', unexpected.Select(r => $"{r.Status} {r.Body ?? r.Exception}")));
        Assert.All(results, r => Assert.True(r.Finished - r.Started < ClientTimeout, $"a post took {r.Finished - r.Started}"));
        Assert.All(unavailable, r =>
        {
            Assert.Contains(r.Code, UnavailableCodes);
            Assert.False(string.IsNullOrEmpty(r.RetryAfter), $"a 503 without Retry-After: {r.Body}");
        });

        // The outage was seen, and posting came back by itself.
        Assert.True(unavailable.Count > 0, "no 503 while the database was stopped");
        Assert.True(results.Any(r => r.Status == 201 && r.Finished < phases.StopBegan), "nothing was posted before the outage");
        Assert.True(firstAfterRestart is not null, "nothing was posted after the database came back\n" + database.Diagnostics());

        // Readiness followed the database.
        var probeList = probes.ToList();
        Assert.Contains(probeList, p => p.Status == 503 && p.Started >= phases.Stopped && p.Finished <= phases.RestartBegan);
        Assert.Contains(probeList, p => p.Status == 200 && p.Started >= phases.Restarted);
        using (var health = factory.CreateClient())
        using (var ready = await health.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.True(ready.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(ready));
        }

        // Each acknowledged id exists exactly once; nothing exists that was not sent; a 503 id exists at most once.
        var stored = await ReadTransfersAsync(database.ConnectionString);
        var sent = results.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.First().Amount);
        Assert.All(stored, row => Assert.Equal(1, row.Value.Count));
        Assert.All(stored.Keys, id => Assert.True(sent.ContainsKey(id), $"transfer {id} is in the database but was never sent"));
        Assert.All(stored, row => Assert.Equal(sent[row.Key], row.Value.Amount));
        Assert.All(ok.Select(r => r.Id).Distinct(), id => Assert.True(stored.ContainsKey(id), $"transfer {id} was acknowledged but is not in the database"));
        Assert.All(results.Where(r => r.Status == 201).GroupBy(r => r.Id), g => Assert.Single(g));
        var unacknowledgedButStored = stored.Keys.Count(id => !ok.Any(r => r.Id == id));
        output.WriteLine($"stored {stored.Count} transfers; {unacknowledgedButStored} of them were answered only with 503");

        // The ledger adds up.
        using var admin = factory.CreateClient(ApiFactory.AdminKey);
        using var integrity = await admin.GetAsync(new Uri("/v1/admin/integrity", UriKind.Relative));
        Assert.True(integrity.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(integrity));
        var report = await ApiFactory.ReadJsonAsync(integrity);
        output.WriteLine($"integrity: {report}");
        Assert.True(report.GetProperty("ok").GetBoolean(), $"integrity check failed: {report}");
        Assert.Equal(0, report.GetProperty("mismatches").GetArrayLength());
        Assert.Equal(stored.Count, report.GetProperty("checkedTransfers").GetInt64());
        var (balance, version) = await ReadAccountAsync(database.ConnectionString, destination);
        Assert.Equal(stored.Count, version);
        Assert.Equal(stored.Values.Sum(v => v.Amount), balance);
    }

    /// <summary>Posts transfers one after another; after a 503 the next attempt repeats the same id and content, as a
    /// client that honours the answer would.</summary>
    private static async Task PostUntilStoppedAsync(
        ConfiguredApiFactory factory, int caller, string source, string destination, Stopwatch clock,
        ConcurrentQueue<PostResult> posts, CancellationToken stop)
    {
        using var client = factory.CreateClient(ApiFactory.PosterKey);
        client.Timeout = ClientTimeout;
        (Guid Id, decimal Amount)? pending = null;
        var sequence = 0;
        while (!stop.IsCancellationRequested)
        {
            var (id, amount) = pending ?? (Guid.CreateVersion7(), 1m + (((caller * 1000) + sequence++) % 97 / 100m));
            var started = clock.Elapsed;
            PostResult result;
            try
            {
                using var response = await ApiCalls.PostTransferAsync(client, id, source, destination, amount);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                string? code = null;
                if (response.Content.Headers.ContentType?.MediaType == ApiCalls.ProblemJson)
                {
                    using var document = JsonDocument.Parse(body);
                    code = document.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
                }

                result = new PostResult(caller, id, amount, (int)response.StatusCode, code,
                    response.Headers.RetryAfter?.ToString(), body, null, started, clock.Elapsed);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or JsonException or InvalidOperationException)
            {
                result = new PostResult(caller, id, amount, 0, null, null, null, ex.ToString(), started, clock.Elapsed);
            }

            posts.Enqueue(result);
            if (result.Status == 503)
            {
                pending = (id, amount);
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            }
            else
            {
                pending = null;
            }
        }
    }

    private static async Task ProbeUntilStoppedAsync(ConfiguredApiFactory factory, Stopwatch clock, ConcurrentQueue<HealthProbe> probes, CancellationToken stop)
    {
        using var client = factory.CreateClient();
        client.Timeout = ClientTimeout;
        while (!stop.IsCancellationRequested)
        {
            var started = clock.Elapsed;
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), CancellationToken.None);
                probes.Enqueue(new HealthProbe((int)response.StatusCode, started, clock.Elapsed));
            }
            catch (HttpRequestException)
            {
                probes.Enqueue(new HealthProbe(0, started, clock.Elapsed));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
    }

    private static async Task<Dictionary<Guid, (int Count, decimal Amount)>> ReadTransfersAsync(string connectionString)
    {
        var rows = new Dictionary<Guid, (int Count, decimal Amount)>();
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT id, COUNT(*), MIN(amount) FROM ledger_transfers GROUP BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var bytes = new byte[16];
            reader.GetBytes(0, 0, bytes, 0, 16);
            // Amounts are stored in minor units (USD: cents).
            rows[new Guid(bytes, bigEndian: true)] = (reader.GetInt32(1), reader.GetInt64(2) / 100m);
        }

        return rows;
    }

    private static async Task<(decimal Balance, long Version)> ReadAccountAsync(string connectionString, string accountId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT balance, version FROM accounts WHERE id = @id", connection);
        command.Parameters.AddWithValue("@id", accountId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"account {accountId} is missing");
        return (reader.GetInt64(0) / 100m, reader.GetInt64(1));
    }

    /// <summary>"200x12(0.0-1.4s) 503x20(1.5-4.5s) ...": the probes' statuses, run-length encoded, for the output.</summary>
    private static IEnumerable<string> Runs(List<HealthProbe> probes)
    {
        var index = 0;
        while (index < probes.Count)
        {
            var end = index;
            while (end + 1 < probes.Count && probes[end + 1].Status == probes[index].Status)
            {
                end++;
            }

            yield return string.Create(CultureInfo.InvariantCulture,
                $"{probes[index].Status}x{end - index + 1}({probes[index].Started.TotalSeconds:F1}-{probes[end].Finished.TotalSeconds:F1}s)");
            index = end + 1;
        }
    }

    private sealed record Phases(TimeSpan StopBegan, TimeSpan Stopped, TimeSpan RestartBegan, TimeSpan Restarted);

    private sealed record PostResult(
        int Caller, Guid Id, decimal Amount, int Status, string? Code, string? RetryAfter, string? Body, string? Exception, TimeSpan Started, TimeSpan Finished);

    private sealed record HealthProbe(int Status, TimeSpan Started, TimeSpan Finished);
}
