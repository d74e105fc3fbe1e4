using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Ledger.Api.Tests;

/// <summary>A console line as the host writes it, through the formatter and options the host resolves from its own
/// configuration (appsettings.json's shared TimestampFormat, the formatter chosen as the chart and the Development
/// settings choose it).</summary>
public sealed partial class ConsoleLogFormatTests
{
    [Fact]
    public async Task SimpleFormatter_TimestampIsSeparatedFromTheLevelBySpace()
    {
        var line = await WriteLineAsync("simple");

        Assert.Matches(SimpleLine(), line);
    }

    [Fact]
    public async Task JsonFormatter_TimestampFieldHasNoTrailingSpace()
    {
        var line = await WriteLineAsync("json");

        using var json = JsonDocument.Parse(line);
        Assert.Matches(Timestamp(), json.RootElement.GetProperty("Timestamp").GetString());
        Assert.Equal("hello from the test", json.RootElement.GetProperty("Message").GetString());
    }

    private static async Task<string> WriteLineAsync(string formatterName)
    {
        var servers = await TestServers.GetAsync();
        await using var factory = new ConfiguredApiFactory(
            await TestDatabase.GetAsync(ApiFactory.DatabaseName), servers.Redis, migrateOnStartup: false,
            extraSettings: new Dictionary<string, string?>
            {
                ["Logging:Console:FormatterName"] = formatterName,
                ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            });
        var formatter = factory.Services.GetServices<ConsoleFormatter>().Single(f => f.Name == formatterName);
        using var writer = new StringWriter();
        var entry = new LogEntry<string>(LogLevel.Information, "Ledger.Test", new EventId(7), "hello from the test", null, (s, _) => s);
        formatter.Write(in entry, new LoggerExternalScopeProvider(), writer);
        return writer.ToString().TrimEnd('\r', '\n');
    }

    // 2026-12-03T08:32:21.520Z info: Ledger.Test[7] hello from the test
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z info: Ledger\.Test\[7\] hello from the test$")]
    private static partial Regex SimpleLine();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex Timestamp();
}
