using Microsoft.Extensions.Logging;

namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>One line a <see cref="RecordingLoggerProvider"/> kept.</summary>
public sealed record RecordedLine(string Category, LogLevel Level, EventId EventId, string Message);

/// <summary>Keeps every line the ledger's loggers write at Warning or above (the fixture's minimum), for tests that
/// assert what was logged.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly List<RecordedLine> _lines = [];

    public IReadOnlyList<RecordedLine> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Recorder(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (provider._lines)
            {
                provider._lines.Add(new RecordedLine(category, logLevel, eventId, formatter(state, exception)));
            }
        }
    }
}
