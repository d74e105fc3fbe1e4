using Ledger.Migrations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace Ledger.Core.Tests.Migrations;

/// <summary>
/// How the migrator fails without a server, and how DbUp's messages reach the host's log. A failing script against a
/// real database is in the integration tests (<c>MigrationFailureTests</c>).
/// </summary>
public sealed class LedgerMigratorFailureTests
{
    // Port 1 on the loopback refuses at once.
    private const string Unreachable = "Server=127.0.0.1;Port=1;Database=ledger_unreachable;User ID=x;Password=y;Connection Timeout=1";

    [Fact]
    public async Task MigrateAsync_UnreachableServer_ThrowsLedgerMigrationExceptionNamingNoScript()
    {
        var logger = new RecordingLogger<LedgerMigrator>();
        var migrator = new LedgerMigrator(logger, TimeProvider.System, LedgerMigrator.LoadEmbeddedScripts());

        var error = await Assert.ThrowsAsync<LedgerMigrationException>(() => migrator.MigrateAsync(Unreachable, CancellationToken.None));

        Assert.Null(error.ScriptName);
        Assert.StartsWith("Migrating database 'ledger_unreachable' failed before any script ran: ", error.Message, StringComparison.Ordinal);
        Assert.IsType<MySqlException>(error.InnerException);
        // The host's log says the same, at Error, with the cause attached.
        var failed = Assert.Single(logger.Lines, e => e.Level == LogLevel.Error);
        Assert.Contains("ledger_unreachable", failed.Message, StringComparison.Ordinal);
        Assert.Same(error.InnerException, failed.Exception);
    }

    [Fact]
    public async Task MigrateAsync_UnreachableServerWithoutDatabase_FailsTakingTheLock()
    {
        // Without a database name there is nothing to create, so the first connection is the migration lock's.
        var migrator = new LedgerMigrator(NullLogger<LedgerMigrator>.Instance);

        var error = await Assert.ThrowsAsync<LedgerMigrationException>(
            () => migrator.MigrateAsync("Server=127.0.0.1;Port=1;User ID=x;Password=y;Connection Timeout=1", CancellationToken.None));

        Assert.Null(error.ScriptName);
        Assert.Contains("failed before any script ran", error.Message, StringComparison.Ordinal);
        Assert.IsType<MySqlException>(error.InnerException);
    }

    [Theory]
    [InlineData(nameof(LoggerUpgradeLog.LogTrace), LogLevel.Trace)]
    [InlineData(nameof(LoggerUpgradeLog.LogDebug), LogLevel.Debug)]
    [InlineData(nameof(LoggerUpgradeLog.LogInformation), LogLevel.Information)]
    [InlineData(nameof(LoggerUpgradeLog.LogWarning), LogLevel.Warning)]
    [InlineData(nameof(LoggerUpgradeLog.LogError), LogLevel.Error)]
    public void UpgradeLog_EachLevel_WritesTheFormattedMessageAtThatLevel(string method, LogLevel expected)
    {
        var logger = new RecordingLogger<LedgerMigrator>();
        var log = new LoggerUpgradeLog(logger);
        Action<string, object[]> write = method switch
        {
            nameof(LoggerUpgradeLog.LogTrace) => log.LogTrace,
            nameof(LoggerUpgradeLog.LogDebug) => log.LogDebug,
            nameof(LoggerUpgradeLog.LogInformation) => log.LogInformation,
            nameof(LoggerUpgradeLog.LogWarning) => log.LogWarning,
            _ => log.LogError,
        };

        write("Executing script '{0}'", ["migrations/0001_x.sql"]);

        var entry = Assert.Single(logger.Lines);
        Assert.Equal(expected, entry.Level);
        Assert.Equal("DbUp: Executing script 'migrations/0001_x.sql'", entry.Message);
        Assert.Null(entry.Exception);
    }

    [Fact]
    public void UpgradeLog_ErrorWithException_IsAnErrorCarryingTheException()
    {
        var logger = new RecordingLogger<LedgerMigrator>();
        var failure = new InvalidOperationException("boom");

        new LoggerUpgradeLog(logger).LogError(failure, "Upgrade failed due to an unexpected exception:");

        var entry = Assert.Single(logger.Lines);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Same(failure, entry.Exception);
    }

    [Fact]
    public void UpgradeLog_Cancellation_IsAWarningNotAnError()
    {
        var logger = new RecordingLogger<LedgerMigrator>();
        var cancelled = new OperationCanceledException();

        new LoggerUpgradeLog(logger).LogError(cancelled, "Upgrade failed due to an unexpected exception:");

        var entry = Assert.Single(logger.Lines);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Same(cancelled, entry.Exception);
    }

    [Fact]
    public void UpgradeLog_LevelDisabled_WritesNothing()
    {
        var logger = new RecordingLogger<LedgerMigrator>(LogLevel.Information);
        var log = new LoggerUpgradeLog(logger);

        log.LogDebug("Checking whether journal table exists");
        log.LogTrace("{0}", "x");
        log.LogInformation("Beginning database upgrade");

        var entry = Assert.Single(logger.Lines);
        Assert.Equal("DbUp: Beginning database upgrade", entry.Message);
    }

    [Fact]
    public void Format_NullFormat_IsEmpty()
    {
        Assert.Equal(string.Empty, LoggerUpgradeLog.Format(null, ["x"]));
    }

    [Fact]
    public void UpgradeLog_NullLogger_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => new LoggerUpgradeLog(null!));
    }
}
