using Microsoft.Extensions.Logging;

namespace Ledger.Core.Tests;

/// <summary>One line a <see cref="RecordingLogger{T}"/> kept: its level, event id, text, exception, and the values of
/// its message template (<c>{Attempt}</c>, <c>{Reason}</c>…) by name.</summary>
internal sealed record LoggedLine(LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> Values);

/// <summary>An <see cref="ILogger{T}"/> that keeps every line at or above <paramref name="minimum"/>, for tests that
/// assert what a component logged.</summary>
internal sealed class RecordingLogger<T>(LogLevel minimum = LogLevel.Trace) : ILogger<T>
{
    private readonly List<LoggedLine> _lines = [];

    public IReadOnlyList<LoggedLine> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
            : new Dictionary<string, object?>(StringComparer.Ordinal);
        lock (_lines)
        {
            _lines.Add(new LoggedLine(logLevel, eventId, formatter(state, exception), exception, values));
        }
    }
}
