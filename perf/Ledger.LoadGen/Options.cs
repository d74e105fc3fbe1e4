using System.Globalization;

namespace Ledger.LoadGen;

/// <summary>The load generator's settings, from the command line.</summary>
internal sealed record Options
{
    public const string Library = "library";
    public const string Http = "http";
    public const string BaselineSingle = "baseline-single";
    public const string BaselineBatch = "baseline-batch";
    public const string Watch = "watch";

    public string Mode { get; init; } = Library;
    public int Accounts { get; init; } = 1000;
    public double HotShare { get; init; }
    public int HotAccounts { get; init; } = 10;
    public int Concurrency { get; init; } = 64;
    public int Rate { get; init; }
    public int ReadRate { get; init; } = 200;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);
    public bool Batching { get; init; } = true;
    public int? BatchSize { get; init; }
    public string BaselineDatabase { get; init; } = "ledger_baseline";
    public IReadOnlyList<string> Combine { get; init; } = [];
    public int ConcurrentBatches { get; init; } = 2;
    public bool Compare { get; init; }
    public string Url { get; init; } = "http://localhost:5080";
    public string Key { get; init; } = "ledger-dev-key-change-me";
    public string OutputDirectory { get; init; } = "perf/results";
    public string Label { get; init; } = "";
    public int Seed { get; init; } = 42;
    public int WatchPid { get; init; }
    public int ClientPid { get; init; }
    public string? WrkOutput { get; init; }
    public string? Workload { get; init; }
    public bool SetupOnly { get; init; }
    public string? Prefix { get; init; }

    /// <summary>Library mode: Ledger:Batching:MaxBatchSize (500 unless given); baseline-batch: transfers per call
    /// (100 unless given).</summary>
    public int BatchSizeOrDefault => BatchSize ?? (Mode == BaselineBatch ? 100 : 500);

    public bool IsBaseline => Mode is BaselineSingle or BaselineBatch;

    public const string Usage = """
        Ledger load generator.

          dotnet run -c Release --project perf/Ledger.LoadGen -- [options]

          --mode M                library: the library in-process (the default); http: the HTTP API at --url;
                                  baseline-single, baseline-batch: the yardstick procedures of perf/baseline/ in a
                                  database of their own, one transfer per call, or --batch-size per call (one commit
                                  per call either way)
          --accounts N            accounts to spread the load over (default 1000)
          --hot F                 share of transfers that touch one of the first --hot-accounts (default 0: uniform)
          --hot-accounts N        how many hot accounts (default 10)
          --concurrency N         concurrent callers (default 64)
          --rate N                open loop: N transfers/s in all; 0 = closed loop, each caller posts again at once (default 0)
          --read-rate N           balance reads/s alongside the posting (default 200; 0 = none)
          --duration S            measured seconds (default 60)
          --warmup S              seconds before measuring (default 10)
          --batching on|off       library mode: group commit on or off (default on)
          --batch-size N          library mode: Ledger:Batching:MaxBatchSize (default 500);
                                  baseline-batch: transfers per call (default 100)
          --batches N             library mode: Ledger:Batching:MaxConcurrentBatches (default 2)
          --compare               run with batching off, then on, and print the ratio (library mode)
          --url U --key K         the API and an API key with the poster and reader roles (http mode)
          --out DIR               where the JSON and Markdown results go (default perf/results)
          --label L               a name for this run in the results
          --seed S                seed of the account and amount choices (default 42)
          --watch-pid P           also sample the memory (RSS) of process P, e.g. the API under test, each second
                                  (and take P as the API's process for its CPU; else the one listening on --url's port)
          --mode watch            post nothing: read the CPU of the processes for --duration seconds (no warm-up) while
                                  another client (wrk) loads the API at --url, then take the transfers and latency from
                                  that client's machine-readable line in --wrk-output F (perf/wrk/report.lua), so a wrk
                                  run lands in the same JSON and tables as the others
          --wrk-output F          watch mode: the file wrk writes (waited for up to a minute after the window)
          --client-pid P          the load client's process for its CPU (watch mode: wrk's pid; else this process)
          --workload W            a tag kept in the results: single, bulk or bare (watch mode; the chart of throughput
                                  against p95/p99 takes the "single" runs, the API ÷ bare column the "bare" run)
          --setup-only            http mode: create and fund --accounts accounts named --prefix-000000.. and exit
          --prefix P              the accounts' id prefix (default: one made up per run)
          --baseline-database D   the baseline modes' database, created when missing (default ledger_baseline)
          --combine F.json...     run nothing: read earlier results and print them as one table, with the ratios of
                                  each run to the baseline runs among them (a baseline-single and a baseline-batch run)
          --smoke                 a few seconds with few accounts: a check that it runs, not a measurement

        Library mode reads ConnectionStrings__Ledger and ConnectionStrings__Redis (scripts/servers-up.sh --print-env);
        the baseline modes use ConnectionStrings__Ledger's server with --baseline-database.
        Every run reports the CPU per posted transfer of mariadbd, redis-server, the load generator and (http) the API,
        from /proc over the measured window (after the warm-up); "n/a" when a process is not found on this machine.
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            IEnumerable<string> Rest()
            {
                while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    yield return args[++i];
                }
            }
            options = args[i] switch
            {
                "--mode" => options with { Mode = Next() },
                "--accounts" => options with { Accounts = Int() },
                "--hot" => options with { HotShare = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--hot-accounts" => options with { HotAccounts = Int() },
                "--concurrency" => options with { Concurrency = Int() },
                "--rate" => options with { Rate = Int() },
                "--read-rate" => options with { ReadRate = Int() },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Int()) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(Int()) },
                "--batching" => options with { Batching = Next() switch { "on" => true, "off" => false, var v => throw new ArgumentException($"--batching {v}: on or off") } },
                "--batch-size" => options with { BatchSize = Int() },
                "--baseline-database" => options with { BaselineDatabase = Next() },
                "--combine" => options with { Combine = [.. Rest()] },
                "--batches" => options with { ConcurrentBatches = Int() },
                "--compare" => options with { Compare = true },
                "--url" => options with { Url = Next().TrimEnd('/') },
                "--key" => options with { Key = Next() },
                "--out" => options with { OutputDirectory = Next() },
                "--label" => options with { Label = Next() },
                "--seed" => options with { Seed = Int() },
                "--watch-pid" => options with { WatchPid = Int() },
                "--client-pid" => options with { ClientPid = Int() },
                "--wrk-output" => options with { WrkOutput = Next() },
                "--workload" => options with { Workload = Next() },
                "--setup-only" => options with { SetupOnly = true },
                "--prefix" => options with { Prefix = Next() },
                "--smoke" => options with { Accounts = 50, Concurrency = 8, Duration = TimeSpan.FromSeconds(3), Warmup = TimeSpan.FromSeconds(1), ReadRate = 20 },
                "--help" or "-h" => throw new HelpRequestedException(),
                var unknown => throw new ArgumentException($"Unknown option {unknown}."),
            };
        }

        if (options.Mode is not (Library or Http or BaselineSingle or BaselineBatch or Watch))
        {
            throw new ArgumentException($"--mode is {Library}, {Http}, {BaselineSingle}, {BaselineBatch} or {Watch}.");
        }

        if (options.Mode == Watch && options.Combine.Count == 0 && string.IsNullOrEmpty(options.WrkOutput))
        {
            throw new ArgumentException("--mode watch needs --wrk-output: the file the load client writes.");
        }

        if (options.BatchSizeOrDefault < 1 || string.IsNullOrWhiteSpace(options.BaselineDatabase))
        {
            throw new ArgumentException("--batch-size must be at least 1 and --baseline-database not empty.");
        }

        if (options.Accounts < 2 || options.HotAccounts < 1 || options.HotAccounts > options.Accounts || options.Concurrency < 1)
        {
            throw new ArgumentException("Need at least 2 accounts, 1 to --accounts hot accounts and 1 caller.");
        }

        return options;
    }
}

internal sealed class HelpRequestedException : Exception
{
}
