using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Ledger.MockData;

/// <summary>The <c>transfers</c> command: a CSV of transfers between existing mock accounts, for JMeter.</summary>
internal static class TransfersCommand
{
    public static async Task<int> RunAsync(TransfersOptions o, CancellationToken cancellationToken)
    {
        var planner = new TransferPlanner(o.Seed, o.Accounts, o.Hot, o.HotAccounts,
            Amounts.ToMinor(o.MinAmount, o.Decimals), Amounts.ToMinor(o.MaxAmount, o.Decimals));
        var path = Path.GetFullPath(o.Out);
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // Written aside and moved into place, so a cancelled run never leaves a short file under the real name.
        var partial = path + ".partial";
        var stopwatch = Stopwatch.StartNew();
        long touchingHot = 0;
        await using (var writer = new StreamWriter(partial, append: false, new UTF8Encoding(false), bufferSize: 1 << 16))
        {
            writer.NewLine = "\n";
            await writer.WriteLineAsync(TransferCsv.Header.AsMemory(), cancellationToken);
            await ProgressReporter.RunAsync($"transfers {Path.GetFileName(path)}", o.Count, o.Plain, async report =>
            {
                const int Step = 10_000;
                for (var i = 0; i < o.Count; i++)
                {
                    var t = planner.Next();
                    if (t.Source <= o.HotAccounts || t.Destination <= o.HotAccounts)
                    {
                        touchingHot++;
                    }

                    await writer.WriteLineAsync(TransferCsv.Line(Guid.CreateVersion7(),
                        AccountIds.Of(o.AccountsPrefix, t.Source), AccountIds.Of(o.AccountsPrefix, t.Destination),
                        t.Amount, o.Decimals).AsMemory(), cancellationToken);
                    if ((i + 1) % Step == 0)
                    {
                        report(Step);
                    }
                }

                report(o.Count % Step);
            });
        }

        File.Move(partial, path, overwrite: true);
        stopwatch.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"transfers: {o.Count:N0} transfers over {o.AccountsPrefix}-{1:D8} .. {AccountIds.Of(o.AccountsPrefix, o.Accounts)} " +
            $"({(double)touchingHot / o.Count:P1} touch the first {o.HotAccounts}), seed {o.Seed}, to {path}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"transfers: {o.Count:N0} rows in {stopwatch.Elapsed.TotalSeconds:0.00} s: {o.Count / stopwatch.Elapsed.TotalSeconds:N0} rows/s"));
        return 0;
    }
}
