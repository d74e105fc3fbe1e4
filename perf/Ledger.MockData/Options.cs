using System.Globalization;

namespace Ledger.MockData;

/// <summary>Reads <c>--name value</c> options and <c>--flag</c> switches; anything else is an error.</summary>
internal sealed class ArgReader
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public ArgReader(IReadOnlyList<string> args, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flagOptions)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(valueOptions);
        ArgumentNullException.ThrowIfNull(flagOptions);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (flagOptions.Contains(name))
            {
                _flags.Add(name);
            }
            else if (valueOptions.Contains(name))
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{name} needs a value.");
                }

                _values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"Unknown option '{name}'.");
            }
        }
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string String(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) ? Parse(name, v, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture)) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? Parse(name, v, s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)) : fallback;

    public decimal Decimal(string name, decimal fallback) =>
        _values.TryGetValue(name, out var v) ? Parse(name, v, s => decimal.Parse(s, NumberStyles.Number, CultureInfo.InvariantCulture)) : fallback;

    private static T Parse<T>(string name, string value, Func<string, T> parse)
    {
        try
        {
            return parse(value);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new ArgumentException($"{name} '{value}': {ex.Message}", ex);
        }
    }
}

/// <summary>Options of the <c>accounts</c> command.</summary>
internal sealed record AccountsOptions(
    int Count,
    string Currency,
    int Seed,
    string Prefix,
    string? Connection,
    decimal MinBalance,
    decimal MaxBalance,
    int Batch,
    bool IfMissing,
    bool Plain)
{
    private static readonly HashSet<string> Values =
        ["--count", "--currency", "--seed", "--prefix", "--connection", "--min-balance", "--max-balance", "--batch"];

    private static readonly HashSet<string> Flags = ["--if-missing", "--plain"];

    public static AccountsOptions Parse(IReadOnlyList<string> args, string? connectionFromEnvironment)
    {
        var a = new ArgReader(args, Values, Flags);
        var o = new AccountsOptions(
            Count: a.Int("--count", 1000),
            Currency: a.String("--currency", "USD").ToUpperInvariant(),
            Seed: a.Int("--seed", 42),
            Prefix: a.String("--prefix", "mock"),
            Connection: a.String("--connection", connectionFromEnvironment ?? string.Empty),
            MinBalance: a.Decimal("--min-balance", 1_000m),
            MaxBalance: a.Decimal("--max-balance", 10_000m),
            Batch: a.Int("--batch", 2_000),
            IfMissing: a.Flag("--if-missing"),
            Plain: a.Flag("--plain"));

        AccountIds.ValidatePrefix(o.Prefix);
        if (o.Count < 1 || o.Count > AccountIds.MaxAccounts)
        {
            throw new ArgumentException($"--count: 1 to {AccountIds.MaxAccounts:N0}.");
        }

        if (o.MinBalance <= 0 || o.MaxBalance < o.MinBalance)
        {
            throw new ArgumentException("--min-balance must be above 0 and at most --max-balance.");
        }

        if (o.Batch < 1 || o.Batch > 20_000)
        {
            throw new ArgumentException("--batch: 1 to 20,000 accounts per transaction.");
        }

        if (string.IsNullOrWhiteSpace(o.Connection))
        {
            throw new ArgumentException(
                "No connection string: pass --connection or set ConnectionStrings__Ledger " +
                "(eval \"$(bash scripts/servers-up.sh --print-env)\" sets it for the local servers).");
        }

        return o;
    }
}

/// <summary>Options of the <c>transfers</c> command.</summary>
internal sealed record TransfersOptions(
    string AccountsPrefix,
    int Accounts,
    int Count,
    int Seed,
    double Hot,
    int HotAccounts,
    decimal MinAmount,
    decimal MaxAmount,
    int Decimals,
    string Out,
    bool Plain)
{
    private static readonly HashSet<string> Values =
        ["--accounts-prefix", "--accounts", "--count", "--seed", "--hot", "--hot-accounts", "--min-amount", "--max-amount", "--decimals", "--out"];

    private static readonly HashSet<string> Flags = ["--plain"];

    public static TransfersOptions Parse(IReadOnlyList<string> args)
    {
        var a = new ArgReader(args, Values, Flags);
        var o = new TransfersOptions(
            AccountsPrefix: a.String("--accounts-prefix", "mock"),
            Accounts: a.Int("--accounts", 1000),
            Count: a.Int("--count", 10_000),
            Seed: a.Int("--seed", 42),
            Hot: a.Double("--hot", 0),
            HotAccounts: a.Int("--hot-accounts", 10),
            MinAmount: a.Decimal("--min-amount", 1m),
            MaxAmount: a.Decimal("--max-amount", 20m),
            Decimals: a.Int("--decimals", 2),
            Out: a.String("--out", "perf/jmeter/data/transfers.csv"),
            Plain: a.Flag("--plain"));

        AccountIds.ValidatePrefix(o.AccountsPrefix);
        if (o.Accounts < 2 || o.Accounts > AccountIds.MaxAccounts)
        {
            throw new ArgumentException($"--accounts: 2 to {AccountIds.MaxAccounts:N0}.");
        }

        if (o.Count < 1)
        {
            throw new ArgumentException("--count: at least 1.");
        }

        if (double.IsNaN(o.Hot) || o.Hot < 0 || o.Hot > 1)
        {
            throw new ArgumentException("--hot: a share between 0 and 1.");
        }

        if (o.HotAccounts < 1 || o.HotAccounts > o.Accounts)
        {
            throw new ArgumentException("--hot-accounts: 1 to --accounts.");
        }

        if (o.Decimals is < 0 or > 4)
        {
            throw new ArgumentException("--decimals: 0 to 4 (the currency's minor units).");
        }

        if (o.MinAmount <= 0 || o.MaxAmount < o.MinAmount)
        {
            throw new ArgumentException("--min-amount must be above 0 and at most --max-amount.");
        }

        _ = Amounts.ToMinor(o.MinAmount, o.Decimals);
        _ = Amounts.ToMinor(o.MaxAmount, o.Decimals);
        return o;
    }
}
