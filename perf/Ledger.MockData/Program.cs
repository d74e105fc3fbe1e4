using Ledger.MockData;
using MySqlConnector;

const string Usage = """
    Ledger mock data generator: seeded, reproducible test data.

      dotnet run -c Release --project perf/Ledger.MockData -- <command> [options]

    accounts     writes funded accounts straight into the database
      --count N            accounts to create: <prefix>-00000001 .. (default 1000)
      --prefix P           account id prefix; refused when accounts '<P>-...' exist (default mock)
      --currency C         a currency of the currencies table (default USD)
      --min-balance X      lowest opening balance, major units (default 1000)
      --max-balance X      highest opening balance, major units (default 10000)
      --seed S             seed of the balances (default 42)
      --batch N            accounts per transaction (default 2000)
      --connection CS      MySQL connection string (default: environment ConnectionStrings__Ledger)
      --if-missing         when <P>-bank and <P>-<count> exist already, do nothing instead of refusing
      --plain              plain progress lines instead of a progress bar (automatic when output is redirected)
      Each account is funded by a transfer from <P>-bank (posted_by 'mockdata') with both entries, so the
      integrity check stays ok. Transfer ids are fresh UUIDv7s; the seed fixes which balance each account gets.

    transfers    writes a CSV (id,source,destination,amount) of transfers between accounts that exist
      --accounts-prefix P  prefix the accounts were created with (default mock)
      --accounts N         use accounts 1..N (default 1000)
      --count M            transfers (default 10000)
      --hot F              share of transfers with one side among the first --hot-accounts (default 0)
      --hot-accounts K     (default 10)
      --min-amount X       (default 1)   --max-amount X   (default 20), major units
      --decimals D         fraction digits of the amounts, the currency's minor units (default 2)
      --seed S             seed of the accounts and amounts (default 42); ids are fresh UUIDv7s every run
      --out FILE           (default perf/jmeter/data/transfers.csv)
      --plain              as above
    """;

if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    var rest = args.Skip(1).ToArray();
    return args[0] switch
    {
        "accounts" => await AccountsCommand.RunAsync(
            AccountsOptions.Parse(rest, Environment.GetEnvironmentVariable("ConnectionStrings__Ledger")), cancel.Token),
        "transfers" => await TransfersCommand.RunAsync(TransfersOptions.Parse(rest), cancel.Token),
        var unknown => throw new ArgumentException($"Unknown command '{unknown}'."),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"mockdata: {ex.Message} (try --help)");
    return 2;
}
catch (MockDataException ex)
{
    Console.Error.WriteLine($"mockdata: {ex.Message}");
    return 1;
}
catch (MySqlException ex)
{
    Console.Error.WriteLine($"mockdata: database error {ex.Number}: {ex.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("mockdata: cancelled; every committed chunk is consistent, the rest was rolled back.");
    return 130;
}
