using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ledger.Api.Tests.Infrastructure;

/// <summary>One captured log line with its exception and the states of every scope it was written in, outermost first.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyList<object?> Scopes, Exception? Exception = null)
{
    /// <summary>The value of <paramref name="key"/> in any of the line's scopes (key/value scopes, such as a
    /// dictionary or a message template's values), or null.</summary>
    public object? ScopeValue(string key)
    {
        foreach (var scope in Scopes)
        {
            if (scope is IEnumerable<KeyValuePair<string, object>> pairs)
            {
                foreach (var (name, value) in pairs)
                {
                    if (string.Equals(name, key, StringComparison.Ordinal))
                    {
                        return value;
                    }
                }
            }
            else if (scope is IEnumerable<KeyValuePair<string, object?>> nullablePairs)
            {
                foreach (var (name, value) in nullablePairs)
                {
                    if (string.Equals(name, key, StringComparison.Ordinal))
                    {
                        return value;
                    }
                }
            }
        }

        return null;
    }
}

/// <summary>An <see cref="ILoggerProvider"/> that keeps every line in memory with its scopes, read through the
/// logger factory's <see cref="IExternalScopeProvider"/> (the one <c>ILogger.BeginScope</c> writes to).</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<CapturedLog> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var scopes = new List<object?>();
            // Key/value scopes are copied as they are now: a scope may gain pairs later (the request's TransferId).
            provider._scopes.ForEachScope(
                (scope, list) => list.Add(scope is IEnumerable<KeyValuePair<string, object?>> pairs ? pairs.ToList() : scope), scopes);
            provider._lines.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), scopes, exception));
        }
    }
}
