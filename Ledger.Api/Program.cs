using Ledger.Api;
using Ledger.Api.Apis;
using Ledger.Api.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerApi();

var app = builder.Build();
app.UseLedgerApi();
app.MapAccountsApi();
app.MapTransfersApi().LimitPosting();
app.MapAdminApi();
app.MapLedgerHealth();

await app.RunAsync();

/// <summary>The host's entry point; public so tests can start it with WebApplicationFactory.</summary>
public partial class Program;
