using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ledger.Hosting;

/// <summary>Applies migrations while the host starts, before it serves, when <see cref="LedgerOptions.MigrateOnStartup"/>
/// is true. A failure stops the host: serving against a schema of the wrong shape would be worse.</summary>
internal sealed class MigrateOnStartupService(ILedger ledger, IOptions<LedgerOptions> options, ILogger<MigrateOnStartupService> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.MigrateOnStartup)
        {
            return;
        }

        Log.MigratingOnStartup(logger);
        var result = await ledger.MigrateAsync(cancellationToken).ConfigureAwait(false);
        Log.Migrated(logger, result.ScriptsApplied.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
