using System.Globalization;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;

namespace Ledger.Migrations;

/// <summary>Routes DbUp's log output to an <see cref="ILogger"/>.</summary>
/// <remarks>DbUp hands over composite format strings (<c>{0}</c>), not message templates, so we format them here.</remarks>
internal sealed class LoggerUpgradeLog : IUpgradeLog
{
    private readonly ILogger logger;

    public LoggerUpgradeLog(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        this.logger = logger;
    }

    public void LogTrace(string format, params object[] args) => Write(LogLevel.Trace, null, format, args);

    public void LogDebug(string format, params object[] args) => Write(LogLevel.Debug, null, format, args);

    public void LogInformation(string format, params object[] args) => Write(LogLevel.Information, null, format, args);

    public void LogWarning(string format, params object[] args) => Write(LogLevel.Warning, null, format, args);

    public void LogError(string format, params object[] args) => Write(LogLevel.Error, null, format, args);

    // DbUp reports a cancellation (which we raise between scripts) as a failure; it is not an error.
    public void LogError(Exception ex, string format, params object[] args) =>
        Write(ex is OperationCanceledException ? LogLevel.Warning : LogLevel.Error, ex, format, args);

    private void Write(LogLevel level, Exception? exception, string format, object[]? args)
    {
        if (logger.IsEnabled(level))
        {
            var message = Format(format, args);
            MigrationLog.DbUpMessage(logger, level, message, exception);
        }
    }

    internal static string Format(string? format, object[]? args)
    {
        if (format is null)
        {
            return string.Empty;
        }

        if (args is null || args.Length == 0)
        {
            return format;
        }

        try
        {
            return string.Format(CultureInfo.InvariantCulture, format, args);
        }
        catch (FormatException)
        {
            // A message with stray braces (SQL text, say) is still worth logging as it is.
            return format + " " + string.Join(", ", args);
        }
    }
}
