using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Ledger.Resilience;

// Usage: Ledger.Resilience --api-dll PATH [--form short|long] [--out DIR] [--plots DIR] [--only name,name]
// Exit code 0 when every scenario's proof is clean; 1 when one is not; 2 for bad arguments.
string? apiDll = null;
var form = Form.Short;
var output = Path.Combine(".local", "resilience", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
string? plots = null;
string[]? only = null;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--api-dll": apiDll = Next(); break;
        case "--form":
            form = Next() switch { "short" => Form.Short, "long" => Form.Long, var other => throw new ArgumentException($"unknown form {other}") };
            break;
        case "--out": output = Next(); break;
        case "--plots": plots = Next(); break;
        case "--only": only = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
        default: Console.Error.WriteLine($"resilience: unknown argument {args[i]}"); return 2;
    }
}

if (apiDll is null || !File.Exists(apiDll))
{
    Console.Error.WriteLine($"resilience: --api-dll must name the built Ledger.Api.dll (got '{apiDll}')");
    return 2;
}

var scenarios = Scenarios.All.Where(s => only is null || only.Contains(s.Name, StringComparer.Ordinal)).ToList();
if (scenarios.Count == 0)
{
    Console.Error.WriteLine($"resilience: no scenario matches; known: {string.Join(", ", Scenarios.All.Select(s => s.Name))}");
    return 2;
}

Directory.CreateDirectory(output);
plots ??= output;
Directory.CreateDirectory(plots);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var timeline = new Timeline();
var results = new List<ScenarioResult>();
var date = DateTimeOffset.UtcNow;
await using (var rig = await Rig.StartAsync(Path.GetFullPath(apiDll), Path.GetFullPath(Path.Combine(output, "work")), form, timeline, cancel.Token))
{
    var accounts = await Traffic.CreateAccountsAsync(rig.Proxy.BaseAddress, Rig.PosterKey, "res", form.Accounts, cancel.Token);
    var allJobs = new List<TransferJob>();

    // Warm-up (not reported, but in the proof): the processes' first seconds (JIT, pools) are not a fault's doing.
    timeline.Add("warm-up");
    await using (var warmUp = new Traffic(rig.Proxy.BaseAddress, Rig.PosterKey, accounts, form.PostsPerSecond, form.ReadsPerSecond, timeline))
    {
        warmUp.Start();
        await Task.Delay(form.LeadIn * 2, cancel.Token);
        await warmUp.StopAsync();
        allJobs.AddRange(warmUp.Jobs);
    }

    foreach (var scenario in scenarios)
    {
        results.Add(await Runner.RunAsync(rig, form, scenario, accounts, allJobs, cancel.Token));
    }
}

var machine = string.Create(CultureInfo.InvariantCulture,
    $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, {RuntimeInformation.OSDescription}, MariaDB, Redis and nginx from Debian, all on the one machine");
var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
var markdown = Report.Markdown(form, machine, date, results);
await File.WriteAllTextAsync(Path.Combine(output, "results.md"), markdown, utf8);
await File.WriteAllTextAsync(Path.Combine(output, "results.json"),
    JsonSerializer.Serialize(new { form, machine, date, results }, new JsonSerializerOptions { WriteIndented = true }), utf8);
foreach (var result in results)
{
    await File.WriteAllTextAsync(Path.Combine(plots, $"resilience-{result.Name}.svg"), Report.Svg(result), utf8);
}

Console.WriteLine(markdown);
var failed = results.Where(r => !r.Ok).Select(r => r.Name).ToList();
Console.Error.WriteLine(failed.Count == 0
    ? $"resilience: {results.Count} scenarios, every proof clean; results in {output}"
    : $"resilience: FAILED: {string.Join(", ", failed)}; results in {output}");
return failed.Count == 0 ? 0 : 1;
