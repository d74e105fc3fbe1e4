using System.Globalization;
using System.Text.RegularExpressions;

namespace Ledger.Api.Tests;

/// <summary>GET /metrics: the Prometheus text format, without an API key, with the ledger's instruments (meter
/// <c>Ledger</c>) and MySqlConnector's pool instruments under the names and types the exporter gives them.</summary>
/// <remarks>Every host in this test process exports the meters of the same names, so values are only compared as
/// "went up", never as exact counts.</remarks>
/// <remarks>Alone, after the parallel tests: OpenTelemetry listens to every meter named "Ledger" in the process, and
/// instruments of other test hosts (with the same names, created and disposed while this host scrapes) make the
/// series this test watches come and go.</remarks>
[Collection(RunsAlone.Name)]
public sealed partial class MetricsEndpointTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly TimeSpan PollFor = TimeSpan.FromSeconds(60);

    /// <summary>Families that appear once the ledger has posted, refused and read (see <see cref="TrafficAsync"/>).</summary>
    public static TheoryData<string, string> Families() => new()
    {
        { "ledger_transfers_posted_total", "counter" },
        { "ledger_transfers_rejected_total", "counter" },
        { "ledger_balance_reads_total", "counter" },
        { "ledger_transfers_post_duration_seconds", "histogram" },
        { "ledger_balance_read_duration_seconds", "histogram" },
        { "ledger_batch_size", "histogram" },
        { "ledger_batch_duration_seconds", "histogram" },
        { "ledger_batch_queue_wait_seconds", "histogram" },
        { "ledger_batch_queue_depth", "gauge" },
        { "ledger_outbox_backlog", "gauge" },
        { "ledger_outbox_oldest_age_seconds", "gauge" },
        { "ledger_outbox_consecutive_failures", "gauge" },
        { "ledger_cache_circuit_open", "gauge" },
        // MySqlConnector's pool: db.client.connections.usage is an up-down counter, which Prometheus calls a gauge.
        { "db_client_connections_usage", "gauge" },
        { "db_client_connections_max", "gauge" },
        { "db_client_connections_pending_requests", "gauge" },
        { "db_client_connections_wait_time_seconds", "histogram" },
        { "db_client_connections_use_time_seconds", "histogram" },
    };

    /// <summary>Counters that appear only after their first increment, which the API cannot cause on demand
    /// (a retry, a concurrency conflict, an outbox sweep that publishes or fails): checked when present.</summary>
    public static TheoryData<string> RareCounters() =>
    [
        "ledger_transfers_retries_total",
        "ledger_transfers_concurrency_conflicts_total",
        "ledger_outbox_published_total",
        "ledger_outbox_sweep_failures_total",
    ];

    [Fact]
    public async Task Metrics_WithoutApiKey_Returns200PrometheusText()
    {
        using var client = factory.CreateClient(key: null);

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocument_DoesNotListMetrics()
    {
        using var client = factory.CreateClient(key: null);

        using var response = await client.GetAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        Assert.DoesNotContain("\"/metrics\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Metrics_AfterTraffic_ExposesFamilyWithItsType(string family, string type)
    {
        await TrafficAsync();

        var scrape = await ScrapeUntilAsync(s => s.Types.ContainsKey(family));

        Assert.True(scrape.Types.TryGetValue(family, out var actual), $"no '# TYPE {family}' in:\n{scrape.Families}");
        Assert.Equal(type, actual);
        if (type == "histogram")
        {
            Assert.Contains($"{family}_bucket{{", scrape.Text, StringComparison.Ordinal);
            Assert.Contains($"{family}_count{{", scrape.Text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(RareCounters))]
    public async Task Metrics_RareCounter_IsACounterWhenPresent(string family)
    {
        var scrape = await ScrapeAsync();

        if (scrape.Types.TryGetValue(family, out var actual))
        {
            Assert.Equal("counter", actual);
        }
    }

    [Fact]
    public async Task Metrics_LedgerHistograms_UseMillisecondBuckets()
    {
        await TrafficAsync();

        // Other hosts in this test process export the family too, and the exporter may answer from a short-lived
        // cache: wait for the series this traffic makes, not just the family.
        const string postedBucket = "ledger_transfers_post_duration_seconds_bucket{otel_scope_name=\"Ledger\",outcome=\"posted\",le=\"0.001\"}";
        var scrape = await ScrapeUntilAsync(s => s.Text.Contains(postedBucket, StringComparison.Ordinal) &&
                                                 s.Text.Contains("ledger_balance_read_duration_seconds_bucket{", StringComparison.Ordinal));

        Assert.Contains(postedBucket, scrape.Text, StringComparison.Ordinal);
        Assert.Contains("ledger_balance_read_duration_seconds_bucket{", scrape.Text, StringComparison.Ordinal);
        Assert.Matches("ledger_balance_read_duration_seconds_count\\{[^}]*source=\"(cache|database)\"", scrape.Text);
    }

    [Fact]
    public async Task Metrics_AfterPostAndRefusal_PostedAndRejectedCountersGoUp()
    {
        // Once first, so both series exist before the "before" scrape.
        await TrafficAsync();
        var before = await ScrapeUntilAsync(s => s.Value("ledger_transfers_rejected_total", "code=\"insufficient_funds\"") > 0);
        var postedBefore = before.Value("ledger_transfers_posted_total");
        var refusedBefore = before.Value("ledger_transfers_rejected_total", "code=\"insufficient_funds\"");

        await TrafficAsync();

        // The exporter may answer a scrape from a short-lived cache: ask again until the new values show.
        var after = await ScrapeUntilAsync(s =>
            s.Value("ledger_transfers_posted_total") > postedBefore &&
            s.Value("ledger_transfers_rejected_total", "code=\"insufficient_funds\"") > refusedBefore);
        Assert.True(after.Value("ledger_transfers_posted_total") > postedBefore, $"posted did not go up from {postedBefore}");
        Assert.True(after.Value("ledger_transfers_rejected_total", "code=\"insufficient_funds\"") > refusedBefore,
            $"rejected{{code=\"insufficient_funds\"}} did not go up from {refusedBefore}");
        Assert.True(after.Value("ledger_transfers_post_duration_seconds_count", "outcome=\"posted\"") > 0);
        Assert.True(after.Value("ledger_transfers_post_duration_seconds_count", "outcome=\"rejected\"") > 0);
    }

    /// <summary>A posted transfer (two, with the funding), one refused for insufficient funds, and a balance read.</summary>
    private async Task TrafficAsync()
    {
        var source = await factory.CreateFundedAccountAsync(10m, label: "metrics");
        var destination = await factory.CreateAccountAsync(label: "metrics");
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var posted = await ApiCalls.PostTransferAsync(client, Guid.CreateVersion7(), source, destination, 1m);
        Assert.True(posted.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(posted));
        using var refused = await ApiCalls.PostTransferAsync(client, Guid.CreateVersion7(), source, destination, 1000m);
        await ApiCalls.AssertProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        await factory.GetBalanceAsync(source);
    }

    private async Task<Scrape> ScrapeAsync()
    {
        using var client = factory.CreateClient(key: null);
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        return new Scrape(await response.Content.ReadAsStringAsync());
    }

    private async Task<Scrape> ScrapeUntilAsync(Func<Scrape, bool> done)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var scrape = await ScrapeAsync();
        while (!done(scrape) && waited.Elapsed < PollFor)
        {
            await Task.Delay(100);
            scrape = await ScrapeAsync();
        }

        return scrape;
    }

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    private sealed class Scrape(string text)
    {
        public string Text { get; } = text;

        public Dictionary<string, string> Types { get; } = TypeLine().Matches(text)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

        public string Families => string.Join('\n', Types.Select(t => $"{t.Key} {t.Value}"));

        /// <summary>The sum of the samples of <paramref name="series"/> whose labels contain <paramref name="label"/>
        /// (all of them when null); 0 when there are none.</summary>
        public double Value(string series, string? label = null)
        {
            var sum = 0d;
            foreach (var line in Text.Split('\n'))
            {
                if (!line.StartsWith(series + "{", StringComparison.Ordinal) && !line.StartsWith(series + " ", StringComparison.Ordinal))
                {
                    continue;
                }

                var labelsEnd = line.LastIndexOf('}');
                if (label is not null && (labelsEnd < 0 || !line[..labelsEnd].Contains(label, StringComparison.Ordinal)))
                {
                    continue;
                }

                var fields = line[(labelsEnd + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                sum += double.Parse(fields[0], CultureInfo.InvariantCulture);
            }

            return sum;
        }
    }
}

/// <summary>Runs its tests with no other test class in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "metrics, alone";
}
