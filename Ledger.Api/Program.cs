using Ledger.Api;
using Ledger.Api.Apis;
using Ledger.Api.Infrastructure;

// `dotnet Ledger.Api.dll migrate`: apply the database migrations and exit, without starting the web server.
if (MigrateCommand.IsRequested(args))
{
    Environment.ExitCode = await MigrateCommand.RunAsync(args);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerApi();

var app = builder.Build();
app.UseLedgerApi();
app.MapAccountsApi();
app.MapTransfersApi().LimitPosting();
app.MapTransactionsApi().LimitPosting();
app.MapAdminApi();
app.MapLedgerHealth();

await app.RunAsync();

/// <summary>The host's entry point; public so tests can start it with WebApplicationFactory.</summary>
public partial class Program;
