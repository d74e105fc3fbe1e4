using System.Diagnostics.Metrics;
using Ledger.Outbox;
using Ledger.Posting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;

namespace Ledger.Core.Tests.Posting;

/// <summary>The posting retry policy: what it retries, how often, and that its delays grow (exponential backoff with
/// jitter, capped), read from the retry log line (event 1004) each retry writes.</summary>
public sealed class PostingRetryTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task Execute_ConflictThreeTimes_RetriesThreeTimesAndSucceedsOnTheFourthAttempt()
    {
        var log = new RecordingLogger<PostingRetryTests>();
        var pipeline = Build(new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1) }, log);
        var attempts = 0;

        var result = await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            return attempts <= 3 ? throw new TimeoutException() : ValueTask.FromResult("posted");
        }, CancellationToken.None);

        Assert.Equal("posted", result);
        Assert.Equal(4, attempts);
        Assert.Equal([1, 2, 3], Retries(log).Select(r => r.Attempt));
        Assert.All(Retries(log), r => Assert.Equal("transient", r.Reason));
    }

    [Fact]
    public async Task Execute_ConflictEveryTime_GivesUpAfterMaxRetriesWithTheLastError()
    {
        var log = new RecordingLogger<PostingRetryTests>();
        var pipeline = Build(new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1) }, log);
        var attempts = 0;

        await Assert.ThrowsAsync<TimeoutException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new TimeoutException();
        }, CancellationToken.None));

        Assert.Equal(4, attempts);
        Assert.Equal(3, Retries(log).Count);
    }

    [Fact]
    public async Task Execute_ErrorAnotherAttemptCannotCure_IsNotRetried()
    {
        var log = new RecordingLogger<PostingRetryTests>();
        var pipeline = Build(new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1) }, log);
        var attempts = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new InvalidOperationException("a bug, not a race");
        }, CancellationToken.None));

        Assert.Equal(1, attempts);
        Assert.Empty(Retries(log));
    }

    [Fact]
    public async Task Execute_RetriesOff_OneAttempt()
    {
        var log = new RecordingLogger<PostingRetryTests>();
        var pipeline = Build(new RetryOptions { MaxRetries = 0 }, log);
        var attempts = 0;

        await Assert.ThrowsAsync<TimeoutException>(async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new TimeoutException();
        }, CancellationToken.None));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Delays_OverManyRuns_GrowWithEachRetryAndNeverPassTheCap()
    {
        // Jitter makes one run's delays random, so the growth is checked on the average over many runs.
        var options = new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(50) };
        var log = new RecordingLogger<PostingRetryTests>();
        var pipeline = Build(options, log);
        const int Runs = 150;
        for (var run = 0; run < Runs; run++)
        {
            var attempts = 0;
            await pipeline.ExecuteAsync(_ =>
            {
                attempts++;
                return attempts <= 3 ? throw new TimeoutException() : ValueTask.FromResult(0);
            }, CancellationToken.None);
        }

        var byAttempt = Retries(log).GroupBy(r => r.Attempt).OrderBy(g => g.Key)
            .Select(g => g.Average(r => r.Delay.TotalMilliseconds)).ToList();
        Assert.Equal(3, byAttempt.Count);
        Assert.True(byAttempt[0] < byAttempt[1] && byAttempt[1] < byAttempt[2],
            $"mean delays before retries 1, 2, 3: {string.Join(" ms, ", byAttempt.Select(d => d.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        Assert.All(Retries(log), r => Assert.InRange(r.Delay, TimeSpan.Zero, options.MaxDelay));
    }

    public void Dispose() => _services.Dispose();

    private ResiliencePipeline Build(RetryOptions options, RecordingLogger<PostingRetryTests> log) =>
        PostingRetry.Build(options, TimeProvider.System,
            new LedgerMetrics(_services.GetRequiredService<IMeterFactory>(), new OutboxSweeperStatus(), TimeProvider.System), log);

    /// <summary>The values of each retry line (event 1004): attempt, reason and delay.</summary>
    private static List<(int Attempt, string Reason, TimeSpan Delay)> Retries(RecordingLogger<PostingRetryTests> log) =>
        [.. log.Lines.Where(l => l.EventId.Id == 1004)
            .Select(l => ((int)l.Values["Attempt"]!, (string)l.Values["Reason"]!, (TimeSpan)l.Values["Delay"]!))];
}
