using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Ledger.Api;

/// <summary>
/// <c>dotnet Ledger.Api.dll migrate [--Key=Value ...]</c>: brings the database up to date with
/// <see cref="ILedger.MigrateAsync"/> and exits, without starting the web server. The configuration is the host's
/// own (appsettings.json, appsettings.{Environment}.json, environment variables, then the arguments after
/// <c>migrate</c>); it connects with <c>ConnectionStrings:LedgerMigrator</c>, or <c>ConnectionStrings:Ledger</c> when
/// that is not set (one of them is required). Ctrl+C or SIGTERM stops it at a clean point
/// (between scripts; a script that has started runs to its end).
/// </summary>
/// <remarks><c>migrate --list</c> prints every script of this version as applied or pending, <c>migrate --check</c> only
/// the pending ones and exits <see cref="Pending"/> when there are any; neither changes anything. Exit codes:
/// <see cref="Succeeded"/>, <see cref="Failed"/> (the database could not be reached or a script failed),
/// <see cref="InvalidConfiguration"/>, <see cref="Pending"/>, <see cref="Cancelled"/>. Nothing it prints holds the password.</remarks>
internal static partial class MigrateCommand
{
    public const string Name = "migrate";

    public const int Succeeded = 0;
    public const int Failed = 1;
    public const int InvalidConfiguration = 2;
    public const int Cancelled = 130;

    /// <summary><c>migrate --check</c>: scripts of this version are not applied yet.</summary>
    public const int Pending = 3;

    /// <summary>What the command does: apply (no flag), list every script with its state (<c>--list</c>), or only say
    /// whether anything is pending (<c>--check</c>); the last two change nothing.</summary>
    private enum Mode
    {
        Apply,
        List,
        Check,
    }

    private const string LoggerCategory = "Ledger.Api.MigrateCommand";

    /// <summary>True when the first argument is <c>migrate</c>.</summary>
    public static bool IsRequested(string[] args) =>
        args.Length > 0 && string.Equals(args[0], Name, StringComparison.Ordinal);

    /// <summary>Runs the command; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        using var stop = new CancellationTokenSource();

        // The first Ctrl+C or SIGTERM asks for a clean stop; a second one ends the process at once.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = !stop.IsCancellationRequested;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        var mode = Mode.Apply;
        var settings = new List<string>();
        foreach (var argument in args[1..])
        {
            switch (argument)
            {
                case "--list":
                    mode = Mode.List;
                    break;
                case "--check":
                    mode = Mode.Check;
                    break;
                default:
                    settings.Add(argument);
                    break;
            }
        }

        WebApplication app;
        try
        {
            // The web host's builder, for the same configuration sources and logging; the app is never run, so
            // neither Kestrel nor the hosted services (migrate-on-start-up, outbox sweeper) start.
            var builder = WebApplication.CreateBuilder([.. settings]);
            // The migration Job holds only the migrator's connection string (never the application's): it then
            // stands for both, since the command posts nothing.
            var migrator = builder.Configuration.GetConnectionString("LedgerMigrator");
            if (!string.IsNullOrWhiteSpace(migrator) && string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Ledger")))
            {
                builder.Configuration["ConnectionStrings:Ledger"] = migrator;
            }

            builder.Services.AddLedger(builder.Configuration);
            app = builder.Build();
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or FormatException or IOException)
        {
            // A malformed appsettings file, say.
            await Console.Error.WriteLineAsync($"migrate: the configuration could not be loaded: {ex.Message}");
            return InvalidConfiguration;
        }

        await using (app)
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory);
            return await MigrateAsync(app.Services, logger, mode, stop.Token);
        }
    }

    private static async Task<int> MigrateAsync(IServiceProvider services, ILogger logger, Mode mode, CancellationToken cancellationToken)
    {
        LedgerOptions options;
        try
        {
            // Runs the library's validator: ConnectionStrings:Ledger present, naming a database, and so on.
            options = services.GetRequiredService<IOptions<LedgerOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            var problems = string.Join(" ", ex.Failures);
            LogInvalidConfiguration(logger, problems);
            await Console.Error.WriteLineAsync($"migrate: invalid configuration: {problems}");
            return InvalidConfiguration;
        }

        var target = LedgerConnection.Describe(options.EffectiveMigrationConnectionString);
        if (mode != Mode.Apply)
        {
            return await ReportAsync(services.GetRequiredService<ILedger>(), target, mode, cancellationToken);
        }

        LogStarting(logger, target);
        try
        {
            var result = await services.GetRequiredService<ILedger>().MigrateAsync(cancellationToken);
            var migrations = result.ScriptsApplied.Where(IsMigration).ToArray();
            var procedures = result.ScriptsApplied.Where(name => !IsMigration(name)).ToArray();
            if (result.ScriptsApplied.Count == 0)
            {
                LogUpToDate(logger, target);
            }
            else
            {
                LogApplied(logger, target, migrations.Length, string.Join(", ", migrations), procedures.Length, string.Join(", ", procedures));
            }

            return Succeeded;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogCancelled(logger, target);
            await Console.Error.WriteLineAsync($"migrate: cancelled; {target} stopped at a clean point (between scripts).");
            return Cancelled;
        }
        catch (LedgerMigrationException ex)
        {
            // The migrator has logged the cause with its stack trace; this is the one-line summary.
            LogFailed(logger, target, ex.Message);
            await Console.Error.WriteLineAsync($"migrate: failed: {ex.Message}");
            return Failed;
        }
        catch (Exception ex) when (DatabaseFaults.IsDatabaseError(ex))
        {
            LogFailed(logger, target, ex.Message);
            await Console.Error.WriteLineAsync($"migrate: failed: {target}: {ex.Message}");
            return Failed;
        }
    }

    /// <summary><c>--list</c> and <c>--check</c>: the journal against this version's scripts, on stdout, one per line.</summary>
    private static async Task<int> ReportAsync(ILedger ledger, string target, Mode mode, CancellationToken cancellationToken)
    {
        MigrationStatus status;
        try
        {
            status = await ledger.GetMigrationStatusAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Cancelled;
        }
        catch (Exception ex) when (DatabaseFaults.IsDatabaseError(ex))
        {
            await Console.Error.WriteLineAsync($"migrate: failed: {target}: {ex.Message}");
            return Failed;
        }

        if (mode == Mode.List)
        {
            foreach (var name in status.Applied)
            {
                Console.Out.WriteLine($"applied  {name}");
            }
        }

        foreach (var name in status.Pending)
        {
            Console.Out.WriteLine($"pending  {name}");
        }

        Console.Out.WriteLine(status.IsUpToDate
            ? $"migrate: {target} is up to date ({status.Applied.Count} scripts of this version applied)"
            : $"migrate: {target}: {status.Pending.Count} of {status.Applied.Count + status.Pending.Count} scripts of this version are pending");
        return mode == Mode.Check && !status.IsUpToDate ? Pending : Succeeded;
    }

    private static bool IsMigration(string scriptName) => scriptName.StartsWith("migrations/", StringComparison.Ordinal);

    [LoggerMessage(5201, LogLevel.Information, "Migrating {Target}")]
    private static partial void LogStarting(ILogger logger, string target);

    [LoggerMessage(5202, LogLevel.Information, "Migrated {Target}: nothing to apply, it was up to date")]
    private static partial void LogUpToDate(ILogger logger, string target);

    [LoggerMessage(5203, LogLevel.Information, "Migrated {Target}: applied {MigrationCount} migrations ({Migrations}) and {ProcedureCount} procedure scripts ({Procedures})")]
    private static partial void LogApplied(ILogger logger, string target, int migrationCount, string migrations, int procedureCount, string procedures);

    [LoggerMessage(5204, LogLevel.Error, "Migrating {Target} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string target, string reason);

    [LoggerMessage(5205, LogLevel.Warning, "Migrating {Target} was cancelled")]
    private static partial void LogCancelled(ILogger logger, string target);

    [LoggerMessage(5206, LogLevel.Error, "The migration did not start: the configuration is invalid: {Problems}")]
    private static partial void LogInvalidConfiguration(ILogger logger, string problems);
}
