using System.Globalization;
using System.Text;
using System.Text.Json;
using Ledger.LoadGen;

Options options;
try
{
    options = Options.Parse(args);
}
catch (HelpRequestedException)
{
    Console.WriteLine(Options.Usage);
    return 0;
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"loadgen: {ex.Message}\n\n{Options.Usage}");
    return 2;
}

var results = new List<RunResult>();
if (options.Combine.Count > 0)
{
    foreach (var file in options.Combine)
    {
        results.AddRange(JsonSerializer.Deserialize<List<RunResult>>(await File.ReadAllTextAsync(file))
            ?? throw new InvalidOperationException($"{file} holds no results."));
    }
}
else if (options.SetupOnly)
{
    if (options.Mode != Options.Http || string.IsNullOrEmpty(options.Prefix))
    {
        Console.Error.WriteLine("loadgen: --setup-only needs --mode http and --prefix.");
        return 2;
    }

    await using var api = new HttpTarget(options.Url, options.Key, 64);
    await LoadRun.SetUpAccountsAsync(api, options.Prefix, LoadRun.AccountIds(options.Prefix, options.Accounts), options);
    Console.Error.WriteLine($"loadgen: created and funded {options.Accounts} accounts {options.Prefix}-000000.. at {options.Url}");
    return 0;
}
else if (options.Compare)
{
    foreach (var batching in new[] { false, true })
    {
        results.Add(await RunAsync(options with { Mode = "library", Batching = batching, Label = $"library, batching {(batching ? "on" : "off")}" }));
    }
}
else
{
    results.Add(await RunAsync(options));
}

var markdown = Report.Markdown(results);
Console.WriteLine(markdown);
if (options.Compare && results[0].PostedPerSecond > 0)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"batching on / off: {results[1].PostedPerSecond / results[0].PostedPerSecond:0.0}x the throughput"));
}

Directory.CreateDirectory(options.OutputDirectory);
var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
var name = Path.Combine(options.OutputDirectory, options.Combine.Count > 0 ? $"combined-{stamp}" : $"loadgen-{stamp}");
await File.WriteAllTextAsync(name + ".json", JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
await File.WriteAllTextAsync(name + ".md", markdown, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
var plots = Plots.Write(name, results);
Console.Error.WriteLine($"loadgen: wrote {name}.json, {name}.md and {string.Join(", ", plots.Select(Path.GetFileName))}");
return results.Any(r => r.Refused.Keys.Any(code => code.StartsWith("exception:", StringComparison.Ordinal))) ? 1 : 0;

static async Task<RunResult> RunAsync(Options options)
{
    if (options.Mode == Options.Watch)
    {
        var watch = CpuWatch.Find(
            Environment.GetEnvironmentVariable("ConnectionStrings__Ledger"),
            Environment.GetEnvironmentVariable("ConnectionStrings__Redis"),
            options.Url,
            options.WatchPid,
            options.ClientPid);
        Console.Error.WriteLine($"loadgen: CPU from /proc of {watch.Describe}");
        return await WatchRun.ExecuteAsync(options, watch);
    }

    await using ITarget target = options.Mode switch
    {
        Options.Http => new HttpTarget(options.Url, options.Key, options.Concurrency),
        Options.BaselineSingle or Options.BaselineBatch => await BaselineTarget.CreateAsync(options),
        _ => await LibraryTarget.CreateAsync(options),
    };
    var cpu = CpuWatch.Find(
        Environment.GetEnvironmentVariable("ConnectionStrings__Ledger"),
        Environment.GetEnvironmentVariable("ConnectionStrings__Redis"),
        options.Mode == Options.Http ? options.Url : null,
        options.WatchPid,
        options.ClientPid);
    Console.Error.WriteLine($"loadgen: CPU from /proc of {cpu.Describe}");
    return await LoadRun.ExecuteAsync(options, target, cpu);
}
