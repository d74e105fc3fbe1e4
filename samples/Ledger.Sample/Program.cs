// A consumer of the Ledger.Core package: opens two accounts, posts a transfer between them and prints both balances.
// Reads ConnectionStrings__Ledger (required) and ConnectionStrings__Redis (optional) from the environment.
// Exits 0 on success, 1 on any failure.
using Ledger;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

try
{
    var builder = Host.CreateApplicationBuilder(args);
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Ledger")))
    {
        Console.Error.WriteLine("sample: set ConnectionStrings__Ledger (and optionally ConnectionStrings__Redis)");
        return 1;
    }

    builder.Services.AddLedger(builder.Configuration);
    using var host = builder.Build();
    var ledger = host.Services.GetRequiredService<ILedger>();

    // Before StartAsync, so the ledger's background services find the schema in place. A failure throws
    // LedgerMigrationException (caught below).
    var migration = await ledger.MigrateAsync();
    Console.WriteLine($"migrated: {migration.ScriptsApplied.Count} script(s) applied");
    await host.StartAsync();

    // Unique ids, so the sample can run any number of times against the same database.
    var run = Guid.NewGuid().ToString("N")[..12];
    var source = Require(await ledger.CreateAccountAsync(
        new CreateAccountRequest { Id = $"sample-{run}-a", Currency = "USD", OverdraftLimit = 1_000m, Actor = "sample" }));
    var destination = Require(await ledger.CreateAccountAsync(
        new CreateAccountRequest { Id = $"sample-{run}-b", Currency = "USD", Actor = "sample" }));

    var transfer = Require(await ledger.PostTransferAsync(new PostTransferRequest
    {
        Id = Guid.CreateVersion7(),
        SourceAccountId = source.Id,
        DestinationAccountId = destination.Id,
        Amount = 125.50m,
        Reference = "sample transfer",
        PostedBy = "ledger-sample",
    }));
    Console.WriteLine($"transfer {transfer.Id}: {transfer.Amount} {source.Id} -> {destination.Id}");

    var sourceBalance = Require(await ledger.GetBalanceAsync(source.Id));
    var destinationBalance = Require(await ledger.GetBalanceAsync(destination.Id));
    Console.WriteLine($"{source.Id}: {sourceBalance.Amount} (from {sourceBalance.Source})");
    Console.WriteLine($"{destination.Id}: {destinationBalance.Amount} (from {destinationBalance.Source})");

    await host.StopAsync();
    if (sourceBalance.Amount.Amount != -125.50m || destinationBalance.Amount.Amount != 125.50m)
    {
        Console.Error.WriteLine("sample: unexpected balances");
        return 1;
    }

    Console.WriteLine("sample: ok");
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"sample: failed: {ex}");
    return 1;
}

static T Require<T>(LedgerResult<T> result)
    where T : class =>
    result.IsSuccess ? result.Value! : throw new InvalidOperationException($"ledger refused: {result.Error}");
