using System.Diagnostics;

namespace Ledger.Resilience;

/// <summary>One clock for the whole run, and the events on it (faults, restarts, endpoint changes), for the report
/// and the plots.</summary>
internal sealed class Timeline
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<TimelineEvent> _events = [];

    public TimeSpan Now => _clock.Elapsed;

    public TimelineEvent Add(string what, string kind = "info")
    {
        var item = new TimelineEvent(Now, kind, what);
        lock (_events)
        {
            _events.Add(item);
        }

        Console.Error.WriteLine($"resilience: [{item.At.TotalSeconds,8:F2} s] {what}");
        return item;
    }

    public IReadOnlyList<TimelineEvent> Between(TimeSpan from, TimeSpan to)
    {
        lock (_events)
        {
            return [.. _events.Where(e => e.At >= from && e.At <= to)];
        }
    }
}

/// <param name="Kind"><c>fault</c> (injected), <c>restored</c> (a part is back), or <c>info</c>.</param>
internal sealed record TimelineEvent(TimeSpan At, string Kind, string What);
