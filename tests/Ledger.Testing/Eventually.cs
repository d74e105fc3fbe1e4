using System.Diagnostics;

namespace Ledger.Testing;

/// <summary>Waits for a condition instead of sleeping for a guessed time: returns as soon as the condition holds, and
/// throws <see cref="TimeoutException"/>, saying what was awaited and what was seen, only when a generous deadline
/// passes. A slow or loaded machine then makes a test slower, never wrong.</summary>
public static class Eventually
{
    /// <summary>How long a test waits for something that takes milliseconds on an idle machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    /// <param name="condition">Checked at once, then every few milliseconds (at most every 100 ms).</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="state">What was seen instead, for the failure message; asked once, at the deadline.</param>
    /// <param name="timeout">The deadline; <see cref="DefaultTimeout"/> when null.</param>
    public static Task UntilAsync(Func<bool> condition, string what, Func<string>? state = null, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, state, timeout);

    /// <summary>Waits until the asynchronous <paramref name="condition"/> holds (see the synchronous overload).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, Func<string>? state = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var waited = Stopwatch.StartNew();
        var poll = TimeSpan.FromMilliseconds(5);
        while (!await condition())
        {
            if (waited.Elapsed > limit)
            {
                throw new TimeoutException($"waited {limit.TotalSeconds:F0} s for {what}" + (state is null ? "" : $"; saw {state()}"));
            }

            await Task.Delay(poll);
            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 2, MaxPoll.Ticks));
        }
    }
}
