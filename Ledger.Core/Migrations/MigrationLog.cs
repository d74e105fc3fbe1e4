using Microsoft.Extensions.Logging;

namespace Ledger.Migrations;

/// <summary>The migrator's log messages. Event ids 3100-3199 belong to the migrator's internals (Ledger.Log keeps 3001-3099 for the callers) and are never reused.</summary>
internal static partial class MigrationLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Migrating database '{Database}' ({MigrationCount} migrations, {ProcedureCount} procedure scripts)")]
    public static partial void Starting(ILogger logger, string database, int migrationCount, int procedureCount);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Created database '{Database}'")]
    public static partial void DatabaseCreated(ILogger logger, string database);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Database '{Database}' is up to date; ran {ScriptCount} scripts: {Scripts}")]
    public static partial void Succeeded(ILogger logger, string database, int scriptCount, string scripts);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "Migrating database '{Database}' failed in script {Script}")]
    public static partial void Failed(ILogger logger, string database, string script, Exception exception);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Migrating database '{Database}' was cancelled")]
    public static partial void Cancelled(ILogger logger, string database);

    [LoggerMessage(EventId = 3110, Message = "DbUp: {Message}")]
    public static partial void DbUpMessage(ILogger logger, LogLevel level, string message, Exception? exception);
}
