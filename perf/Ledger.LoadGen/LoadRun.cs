using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using HdrHistogram;

namespace Ledger.LoadGen;

/// <summary>One measured run: accounts are created and funded, callers post for the warm-up and the measured time,
/// readers read balances alongside, and latencies go into HdrHistograms (microseconds).</summary>
internal static class LoadRun
{
    private const long HighestMicroseconds = 60_000_000;

    public static async Task<RunResult> ExecuteAsync(Options options, ITarget target, CpuWatch cpu)
    {
        var random = new Random(options.Seed);
        var prefix = options.Prefix ?? $"lg{Stopwatch.GetTimestamp() % 1_000_000_000:D9}";
        var accounts = AccountIds(prefix, options.Accounts);
        Console.Error.WriteLine($"loadgen: {target.Describe}; creating and funding {accounts.Length} accounts ({prefix}-*)");
        await SetUpAccountsAsync(target, prefix, accounts, options);

        var posted = 0L;
        var refused = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var timeline = new long[(int)(options.Warmup + options.Duration).TotalSeconds + 2];
        var postHistograms = new List<LongHistogram>();
        var readHistograms = new List<LongHistogram>();
        var measuring = false;
        using var batchStats = new BatchStats();
        using var stop = new CancellationTokenSource();
        var started = Stopwatch.GetTimestamp();
        var peakWorkingSet = 0L;

        async Task PostLoopAsync(int caller)
        {
            var histogram = new LongHistogram(HighestMicroseconds, 3);
            lock (postHistograms)
            {
                postHistograms.Add(histogram);
            }

            var callerRandom = new Random(options.Seed + caller + 1);
            var perCall = target.TransfersPerCall;
            var interval = options.Rate > 0 ? Stopwatch.Frequency * options.Concurrency * perCall / (double)options.Rate : 0;
            var next = (double)Stopwatch.GetTimestamp() + (interval * callerRandom.NextDouble());
            while (!stop.IsCancellationRequested)
            {
                long intended;
                if (interval > 0)
                {
                    // Open loop: latency counts from when the transfer was due, so a stalled server is not hidden.
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), (long)next);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }

                    intended = (long)next;
                    next += interval;
                }
                else
                {
                    intended = Stopwatch.GetTimestamp();
                }

                IReadOnlyList<string?> codes;
                try
                {
                    if (perCall == 1)
                    {
                        var (source, destination) = Pick(callerRandom, accounts, options);
                        var amount = callerRandom.Next(1, 101) / 100m;
                        codes = [await target.PostAsync(Guid.CreateVersion7(), source, destination, amount, CancellationToken.None)];
                    }
                    else
                    {
                        var batch = new TransferToPost[perCall];
                        for (var t = 0; t < perCall; t++)
                        {
                            var (source, destination) = Pick(callerRandom, accounts, options);
                            batch[t] = new TransferToPost(Guid.CreateVersion7(), source, destination, callerRandom.Next(1, 101) / 100m);
                        }

                        codes = await target.PostBatchAsync(batch, CancellationToken.None);
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    codes = Enumerable.Repeat<string?>("exception:" + ex.GetType().Name, perCall).ToArray();
                }

                var done = Stopwatch.GetTimestamp();
                var second = (int)Stopwatch.GetElapsedTime(started, done).TotalSeconds;
                var ok = 0;
                foreach (var code in codes)
                {
                    ok += code is null ? 1 : 0;
                }

                if (ok > 0 && second < timeline.Length)
                {
                    Interlocked.Add(ref timeline[second], ok);
                }

                if (Volatile.Read(ref measuring))
                {
                    // Clamped: a timer may wake a little before the transfer was due. A batch call's latency is that of
                    // each transfer in it, so it counts once per transfer.
                    histogram.RecordValueWithCount(
                        Math.Clamp((long)Stopwatch.GetElapsedTime(intended, done).TotalMicroseconds, 0, HighestMicroseconds), codes.Count);
                    Interlocked.Add(ref posted, ok);
                    foreach (var code in codes)
                    {
                        if (code is not null)
                        {
                            refused.AddOrUpdate(code, 1, (_, n) => n + 1);
                        }
                    }
                }
            }
        }

        async Task ReadLoopAsync(int reader, int readers)
        {
            var histogram = new LongHistogram(HighestMicroseconds, 3);
            lock (readHistograms)
            {
                readHistograms.Add(histogram);
            }

            var readerRandom = new Random(options.Seed + 10_000 + reader);
            var interval = TimeSpan.FromSeconds(readers / (double)options.ReadRate);
            while (!stop.IsCancellationRequested)
            {
                var begin = Stopwatch.GetTimestamp();
                var ok = await target.ReadBalanceAsync(accounts[readerRandom.Next(accounts.Length)], CancellationToken.None);
                if (Volatile.Read(ref measuring) && ok)
                {
                    histogram.RecordValue(Math.Min(HighestMicroseconds, (long)Stopwatch.GetElapsedTime(begin).TotalMicroseconds));
                }

                var rest = interval - Stopwatch.GetElapsedTime(begin);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest);
                }
            }
        }

        var watched = new List<long>();
        async Task SampleMemoryAsync()
        {
            using var process = Process.GetCurrentProcess();
            using var other = options.WatchPid > 0 ? Process.GetProcessById(options.WatchPid) : null;
            var tick = 0;
            while (!stop.IsCancellationRequested)
            {
                process.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
                if (other is not null && tick++ % 2 == 0 && Volatile.Read(ref measuring))
                {
                    other.Refresh();
                    lock (watched)
                    {
                        watched.Add(other.WorkingSet64 / (1024 * 1024));
                    }
                }

                await Task.Delay(500);
            }
        }

        var readers = options.ReadRate > 0 ? Math.Min(8, options.ReadRate) : 0;
        var tasks = Enumerable.Range(0, options.Concurrency).Select(c => Task.Run(() => PostLoopAsync(c)))
            .Concat(Enumerable.Range(0, readers).Select(r => Task.Run(() => ReadLoopAsync(r, readers))))
            .Append(Task.Run(SampleMemoryAsync))
            .ToList();

        await Task.Delay(options.Warmup);
        cpu.Start();
        Volatile.Write(ref measuring, true);
        Volatile.Write(ref batchStats.Measuring, true);
        var measureStart = Stopwatch.GetTimestamp();
        Console.Error.WriteLine($"loadgen: warm-up done; measuring for {options.Duration.TotalSeconds:0} s");
        await Task.Delay(options.Duration);
        Volatile.Write(ref measuring, false);
        Volatile.Write(ref batchStats.Measuring, false);
        var measured = Stopwatch.GetElapsedTime(measureStart);
        // Calls still in flight finish after the window and are not counted: a few per caller out of thousands.
        var cpuReport = cpu.Stop(Interlocked.Read(ref posted), measured.TotalSeconds);
        await stop.CancelAsync();
        await Task.WhenAll(tasks);

        var postLatency = Merge(postHistograms);
        var readLatency = Merge(readHistograms);
        var warmupSeconds = (int)options.Warmup.TotalSeconds;
        return new RunResult(
            Label: string.IsNullOrEmpty(options.Label) ? target.Describe : options.Label,
            Target: target.Describe,
            Mode: options.Mode,
            TransfersPerCall: target.TransfersPerCall,
            Accounts: options.Accounts,
            HotShare: options.HotShare,
            HotAccounts: options.HotAccounts,
            Concurrency: options.Concurrency,
            Rate: options.Rate,
            Seconds: Math.Round(measured.TotalSeconds, 1),
            Posted: posted,
            PostedPerSecond: Math.Round(posted / measured.TotalSeconds),
            Refused: refused.OrderByDescending(r => r.Value).ToDictionary(r => r.Key, r => r.Value),
            Post: Percentiles.Of(postLatency),
            Read: Percentiles.Of(readLatency),
            PeakWorkingSetMiB: peakWorkingSet / (1024 * 1024),
            Batches: batchStats.Result(),
            WatchedPid: options.WatchPid,
            WatchedMiBEachSecond: [.. watched],
            PostedEachSecond: timeline.Skip(warmupSeconds).Take((int)options.Duration.TotalSeconds).ToArray(),
            Cpu: cpuReport);
    }

    private static (string Source, string Destination) Pick(Random random, string[] accounts, Options options)
    {
        string source, destination;
        do
        {
            var hot = options.HotShare > 0 && random.NextDouble() < options.HotShare;
            var one = hot ? accounts[random.Next(options.HotAccounts)] : accounts[random.Next(accounts.Length)];
            var other = accounts[random.Next(accounts.Length)];
            (source, destination) = random.Next(2) == 0 ? (one, other) : (other, one);
        }
        while (source == destination);
        return (source, destination);
    }

    /// <summary>The ids of a run's accounts: the prefix and a six-digit number (perf/wrk's scripts take DIGITS=6).</summary>
    public static string[] AccountIds(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D6}")).ToArray();

    /// <summary>Creates the accounts and a bank account of the prefix, and funds each from the bank.</summary>
    public static async Task SetUpAccountsAsync(ITarget target, string prefix, string[] accounts, Options options)
    {
        var bank = $"{prefix}-bank";
        await target.CreateAccountAsync(bank, 1_000_000_000m, CancellationToken.None);
        await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (account, token) =>
            await target.CreateAccountAsync(account, 0m, token));
        await Parallel.ForEachAsync(accounts.Select((a, i) => (a, i)), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (item, token) =>
        {
            var amount = item.i < options.HotAccounts ? 100_000m : 5_000m;
            var id = Guid.CreateVersion7();
            // Every funding touches the bank: without batching they collide, and the contract says to retry.
            string? code;
            while ((code = await target.PostAsync(id, bank, item.a, amount, token)) is "concurrency_conflict")
            {
            }

            if (code is not null)
            {
                throw new InvalidOperationException($"Funding {item.a}: {code}");
            }
        });
    }

    private static LongHistogram Merge(List<LongHistogram> histograms)
    {
        var merged = new LongHistogram(HighestMicroseconds, 3);
        foreach (var histogram in histograms)
        {
            merged.Add(histogram);
        }

        return merged;
    }
}

/// <summary>Latency percentiles in milliseconds.</summary>
internal sealed record Percentiles(long Count, double P50, double P95, double P99, double Max)
{
    public static Percentiles Of(LongHistogram histogram) => histogram.TotalCount == 0
        ? new Percentiles(0, 0, 0, 0, 0)
        : new Percentiles(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(95)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetMaxValue()));

    private static double Ms(long microseconds) => Math.Round(microseconds / 1000.0, 2);
}

internal sealed record RunResult(
    string Label,
    string Target,
    string? Mode,
    int TransfersPerCall,
    int Accounts,
    double HotShare,
    int HotAccounts,
    int Concurrency,
    int Rate,
    double Seconds,
    long Posted,
    double PostedPerSecond,
    Dictionary<string, long> Refused,
    Percentiles Post,
    Percentiles Read,
    long PeakWorkingSetMiB,
    Batches Batches,
    int WatchedPid,
    long[] WatchedMiBEachSecond,
    long[] PostedEachSecond,
    CpuReport? Cpu,
    string? Workload = null,
    string? Note = null);
