// The program GeneratedClientTests builds against a client that NSwag generated from docs/openapi.json (namespace
// Ledger.Generated). It is not compiled into the test project: the test copies it next to the generated client, builds
// both as a console program and runs it against a real host. It uses only what the document gave it (the typed
// client, its models and its exceptions) and prints what it saw, one "name=value" line each, for the test to check.
// Arguments: the host's base address, a key with the poster, admin and reader roles, and a prefix for account ids.
using System.Globalization;
using Ledger.Generated;

var baseUrl = args[0].TrimEnd('/') + "/";
var key = args[1];
var prefix = args[2];

using var http = new HttpClient();
http.DefaultRequestHeaders.Add("X-Api-Key", key);
var client = new LedgerClient(baseUrl, http);

// 16 significant digits: the nearest double is 90071992547409.9375, sent as ...409.94 by a client that types money
// as double. The generated model must type the amount as decimal, or this line does not compile.
decimal amount = 90071992547409.93m;

var source = $"{prefix}-src";
var destination = $"{prefix}-dst";
await client.CreateAccountAsync(new CreateAccountBody { Id = source, Currency = "USD", OverdraftLimit = 99_999_999_999_999m });
await client.CreateAccountAsync(new CreateAccountBody { Id = destination, Currency = "USD" });

var id = Guid.NewGuid();
var body = new PostTransferBody { Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = amount, Currency = "USD" };
var posted = await client.PostTransferAsync(body);
var replayed = await client.PostTransferAsync(body);
var read = await client.GetTransferAsync(id);
var sourceBalance = await client.GetBalanceAsync(source);
var destinationBalance = await client.GetBalanceAsync(destination);
var entries = await client.ListEntriesAsync(destination, limit: 1, before: null);

Print("transfer_id", id.ToString());
Print("posted", posted.Amount);
Print("replayed", replayed.Amount);
Print("read", read.Amount);
Print("source_balance", sourceBalance.Balance);
Print("destination_balance", destinationBalance.Balance);
Print("entry", entries.Items.Single().Amount);

// Refusals arrive as the typed problem, with the stable code as an enum and the correlation id.
try
{
    await client.PostTransferAsync(new PostTransferBody
    {
        Id = Guid.NewGuid(), SourceAccountId = destination, DestinationAccountId = source, Amount = amount + 0.01m,
    });
    Print("refused", "no");
}
catch (ApiException<LedgerProblem> problem)
{
    Print("refused", $"{problem.StatusCode} {problem.Result.Code} {problem.Result.CorrelationId}");
}

using var stranger = new HttpClient();
stranger.DefaultRequestHeaders.Add("X-Api-Key", "not-a-key-of-this-ledger-0123456789abcdef");
try
{
    await new LedgerClient(baseUrl, stranger).GetAccountAsync(source);
    Print("unauthorized", "no");
}
catch (ApiException<LedgerProblem> problem)
{
    Print("unauthorized", $"{problem.StatusCode} {problem.Result.Code}");
}

static void Print(string name, object value) =>
    Console.WriteLine($"{name}={Convert.ToString(value, CultureInfo.InvariantCulture)}");
