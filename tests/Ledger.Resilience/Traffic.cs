using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ledger.Resilience;

/// <summary>What one attempt (one HTTP request) ended in, as the caller saw it.</summary>
internal sealed record Attempt(bool Post, TimeSpan Started, TimeSpan Finished, string Outcome)
{
    public bool Ok => Outcome.StartsWith('2');
}

/// <summary>One transfer a caller wants posted: it sends the same id until the ledger gives a final answer.</summary>
internal sealed class TransferJob(Guid id, string source, string destination, long amountMinor, TimeSpan started)
{
    public Guid Id { get; } = id;

    public string Source { get; } = source;

    public string Destination { get; } = destination;

    public long AmountMinor { get; } = amountMinor;

    public TimeSpan Started { get; } = started;

    public int Attempts { get; set; }

    /// <summary>When the caller got its 2xx; null when it never did.</summary>
    public TimeSpan? Acknowledged { get; set; }

    /// <summary>A final refusal (4xx) the caller did not expect, or <c>unresolved</c> after the deadline.</summary>
    public string? Failure { get; set; }
}

/// <summary>
/// A steady open-loop stream through the proxy: posts at a fixed rate (each a <see cref="TransferJob"/> that retries
/// the same id after a 503, a proxy error, a broken connection or a time-out, honouring <c>Retry-After</c>, as a bank's
/// client does), and balance reads at a fixed rate (no retry). Every attempt is recorded.
/// </summary>
internal sealed class Traffic : IAsyncDisposable
{
    private const int MaxInFlight = 30_000;
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan JobDeadline = TimeSpan.FromSeconds(120);
    private readonly HttpClient _client;
    private readonly string[] _accounts;
    private readonly int _postRate;
    private readonly int _readRate;
    private readonly Timeline _timeline;
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentQueue<TransferJob> _jobs = new();
    private readonly ConcurrentBag<Task> _running = [];
    private readonly CancellationTokenSource _stop = new();
    private int _inFlight;
    private int _skipped;
    private Task? _pacer;

    public Traffic(Uri proxy, string key, string[] accounts, int postRate, int readRate, Timeline timeline)
    {
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            BaseAddress = proxy,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client.DefaultRequestHeaders.Add("X-Api-Key", key);
        _accounts = accounts;
        _postRate = postRate;
        _readRate = readRate;
        _timeline = timeline;
    }

    public IReadOnlyList<Attempt> Attempts => [.. _attempts];

    public IReadOnlyList<TransferJob> Jobs => [.. _jobs];

    /// <summary>Posts and reads the pacer could not start because <see cref="MaxInFlight"/> were open (the client
    /// itself saturated); reported, and zero in a sound run.</summary>
    public int Skipped => _skipped;

    public void Start() => _pacer = Task.Run(() => PaceAsync(_stop.Token));

    /// <summary>Stops starting new work and waits for every open transfer to get its final answer.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_pacer is not null)
        {
            await _pacer;
        }

        await Task.WhenAll(_running);
    }

    private async Task PaceAsync(CancellationToken stop)
    {
        var began = _timeline.Now;
        long posts = 0;
        long reads = 0;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await tick.WaitForNextTickAsync(stop))
            {
                var elapsed = (_timeline.Now - began).TotalSeconds;
                for (; posts < (long)(elapsed * _postRate); posts++)
                {
                    Launch(PostAsync);
                }

                for (; reads < (long)(elapsed * _readRate); reads++)
                {
                    Launch(ReadAsync);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private void Launch(Func<Task> work)
    {
        if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _skipped);
            return;
        }

        _running.Add(Task.Run(async () =>
        {
            try
            {
                await work();
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }));
    }

    private async Task PostAsync()
    {
        var (source, destination) = PickPair();
        var job = new TransferJob(Guid.CreateVersion7(), source, destination, Random.Shared.Next(1, 100_000), _timeline.Now);
        _jobs.Enqueue(job);
        var body = new
        {
            id = job.Id,
            sourceAccountId = job.Source,
            destinationAccountId = job.Destination,
            amount = job.AmountMinor / 100m,
            currency = "USD",
        };
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            job.Attempts++;
            var (outcome, retryAfter) = await SendAsync(true, () => _client.PostAsJsonAsync(new Uri("/v1/transfers", UriKind.Relative), body, CancellationToken.None));
            if (outcome.StartsWith('2'))
            {
                job.Acknowledged = _timeline.Now;
                return;
            }

            if (!Retryable(outcome))
            {
                job.Failure = outcome;
                return;
            }

            if (_timeline.Now - job.Started > JobDeadline)
            {
                job.Failure = "unresolved";
                return;
            }

            var wait = retryAfter is { } after ? TimeSpan.FromTicks(Math.Min(after.Ticks, TimeSpan.FromSeconds(1).Ticks)) : backoff;
            await Task.Delay(wait + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 50)), CancellationToken.None);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    private async Task ReadAsync()
    {
        var account = _accounts[Random.Shared.Next(_accounts.Length)];
        await SendAsync(false, () => _client.GetAsync(new Uri($"/v1/accounts/{account}/balance", UriKind.Relative), CancellationToken.None));
    }

    /// <summary>One request; the outcome is the status and the problem code (<c>503 database_unavailable</c>), or what
    /// broke (<c>connect failed</c>, <c>connection broke</c>, <c>timeout</c>).</summary>
    private async Task<(string Outcome, TimeSpan? RetryAfter)> SendAsync(bool post, Func<Task<HttpResponseMessage>> send)
    {
        var started = _timeline.Now;
        string outcome;
        TimeSpan? retryAfter = null;
        try
        {
            using var response = await send().WaitAsync(AttemptTimeout);
            var status = (int)response.StatusCode;
            outcome = status.ToString(CultureInfo.InvariantCulture);
            if (status is 200 && post)
            {
                outcome = "200 replayed";
            }
            else if (status >= 400)
            {
                var code = await ReadCodeAsync(response);
                outcome = code is null ? $"{status} (no code: proxy)" : $"{status} {code}";
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
        }
        catch (TimeoutException)
        {
            outcome = "timeout";
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            outcome = "connect failed";
        }
        catch (HttpRequestException)
        {
            outcome = "connection broke";
        }

        _attempts.Enqueue(new Attempt(post, started, _timeline.Now, outcome));
        return (outcome, retryAfter);
    }

    private static async Task<string?> ReadCodeAsync(HttpResponseMessage response)
    {
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None));
            return document.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The ledger took nothing and the caller may send the same id again: 503 (overloaded, database
    /// unavailable, no ready pod), a proxy's 502/504, or no answer at all.</summary>
    private static bool Retryable(string outcome) =>
        outcome.StartsWith("503", StringComparison.Ordinal) || outcome.StartsWith("502", StringComparison.Ordinal)
            || outcome.StartsWith("504", StringComparison.Ordinal) || outcome.StartsWith("conn", StringComparison.Ordinal)
            || outcome == "timeout";

    private (string, string) PickPair()
    {
        var source = Random.Shared.Next(_accounts.Length);
        var destination = (source + 1 + Random.Shared.Next(_accounts.Length - 1)) % _accounts.Length;
        return (_accounts[source], _accounts[destination]);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _client.Dispose();
        _stop.Dispose();
    }

    /// <summary>Creates the accounts the stream uses, through the proxy: USD, each with a large overdraft so no
    /// transfer is refused for funds (the suite is about faults, not business rules).</summary>
    public static async Task<string[]> CreateAccountsAsync(Uri proxy, string key, string prefix, int count, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = proxy, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        var ids = Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D3}")).ToArray();
        foreach (var id in ids)
        {
            using var response = await client.PostAsJsonAsync(new Uri("/v1/accounts", UriKind.Relative),
                new { id, currency = "USD", overdraftLimit = 1_000_000_000m }, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"creating account {id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }

        return ids;
    }
}
