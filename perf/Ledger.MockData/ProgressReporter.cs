using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Ledger.MockData;

/// <summary>A progress bar on a terminal; plain lines (every 10 % and at most every 5 s) when the output is
/// redirected, as in CI, where a redrawn bar would fill the log with escape sequences.</summary>
internal static class ProgressReporter
{
    /// <summary>Runs <paramref name="work"/>, which reports how many items it finished since its last report.</summary>
    public static async Task RunAsync(string what, long total, bool plain, Func<Action<long>, Task> work)
    {
        if (!plain && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                         new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape(what), maxValue: total);
                    await work(done => task.Increment(done));
                    task.Value = total;
                });
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        long sum = 0;
        var nextTenth = 1;
        var lastPrint = TimeSpan.Zero;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: 0 / {total:N0}"));
        await work(done =>
        {
            sum += done;
            var elapsed = stopwatch.Elapsed;
            var tenth = total == 0 ? 10 : (int)(sum * 10 / total);
            if (tenth >= nextTenth || elapsed - lastPrint >= TimeSpan.FromSeconds(5))
            {
                nextTenth = tenth + 1;
                lastPrint = elapsed;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: {sum:N0} / {total:N0} ({(total == 0 ? 100 : sum * 100 / total)} %) after {elapsed.TotalSeconds:0.0} s"));
            }
        });
    }
}
