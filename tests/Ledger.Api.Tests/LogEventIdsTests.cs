using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Ledger.Api.Tests;

/// <summary>Every log event of the library and the host has an id of its own (operators filter and alert on them), and
/// the table of docs/operations.md lists exactly those ids, with their levels.</summary>
public sealed partial class LogEventIdsTests
{
    private const string Table = "docs/operations.md";

    [Fact]
    public void LogEvents_OfTheLibraryAndTheHost_EachHaveAnIdOfTheirOwn()
    {
        var reused = Events().GroupBy(e => e.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Where))}").ToList();

        Assert.True(reused.Count == 0, "event ids used twice: " + string.Join("; ", reused));
    }

    [Fact]
    public void OperationsTable_ListsEveryEventWithItsLevel()
    {
        var documented = EventRow().Matches(Repository.ReadText(Table))
            .Select(m => (Id: int.Parse(m.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), Level: m.Groups["level"].Value))
            .ToList();
        var events = Events().ToList();

        var expected = events.Select(e => (e.Id, e.Level.ToString())).Order().ToList();
        Assert.True(expected.SequenceEqual(documented.Order()),
            $"{Table}'s event table differs from the code; the rows the code has:\n" +
            string.Join('\n', events.OrderBy(e => e.Id).Select(e => $"| {e.Id} | {e.Level} | {e.Where} | {e.Message} |")));
    }

    private sealed record LogEvent(int Id, LogLevel Level, string Where, string Message);

    private static IEnumerable<LogEvent> Events()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var assembly in new[] { typeof(ILedger).Assembly, typeof(Program).Assembly })
        {
            foreach (var type in assembly.GetTypes())
            {
                foreach (var method in type.GetMethods(all))
                {
                    if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } attribute)
                    {
                        yield return new LogEvent(attribute.EventId, attribute.Level, $"{type.Name}.{method.Name}", attribute.Message);
                    }
                }
            }
        }
    }

    // A row of the events table: | 4001 | Warning | ...
    [GeneratedRegex(@"^\| (?<id>\d{4}) \| (?<level>Trace|Debug|Information|Warning|Error|Critical|None) \|", RegexOptions.Multiline)]
    private static partial Regex EventRow();
}
