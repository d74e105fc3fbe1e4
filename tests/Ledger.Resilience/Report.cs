using System.Globalization;
using System.Text;

namespace Ledger.Resilience;

/// <summary>The Markdown summary (pasted into docs/resilience.md for the long form) and one SVG per scenario:
/// acknowledged posts, failed attempts and reads per second, with the fault and restore events marked.</summary>
internal static class Report
{
    public static string Markdown(Form form, string machine, DateTimeOffset date, IReadOnlyList<ScenarioResult> results)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"Form **{form.Name}**: {form.PostsPerSecond} posts/s and {form.ReadsPerSecond} balance reads/s through nginx over {form.Accounts} accounts; ");
        md.Append(CultureInfo.InvariantCulture, $"{form.LeadIn.TotalSeconds:F0} s before each fault, faults held {form.Hold.TotalSeconds:F0} s, {form.LeadOut.TotalSeconds:F0} s after. ");
        md.Append(CultureInfo.InvariantCulture, $"{machine}; {date:yyyy-MM-dd HH:mm} UTC.\n\n");
        md.Append("| scenario | restored after | failed attempts: posts / reads | last failure after the fault | posts acknowledged | retried by the caller | retried by nginx | caller p95 / max (ms) | proof |\n");
        md.Append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        foreach (var r in results)
        {
            md.Append(CultureInfo.InvariantCulture,
                $"| {r.Title} | {r.RestoredAfterSeconds:F1} s | {r.FailedPostAttempts:N0} / {r.FailedReadAttempts:N0} | {(r.FailedPostAttempts + r.FailedReadAttempts == 0 ? "—" : $"{r.LastFailureAfterSeconds:F1} s")} | {r.PostsAcknowledged:N0} of {r.PostsStarted:N0} | {r.PostsRetried:N0} | {r.ProxyRetries:N0} | {r.CallerP95Ms:F0} / {r.CallerMaxMs:F0} | {(r.Ok ? "clean" : "**FAILED**")} |\n");
        }

        foreach (var r in results)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n### {r.Title} (`{r.Name}`)\n\n");
            md.Append(CultureInfo.InvariantCulture, $"Fault: {r.Fault}. Restored when {r.RestoredMeans}.\n\n");
            md.Append("| what callers saw | posts (attempts) | balance reads |\n| --- | ---: | ---: |\n");
            foreach (var outcome in r.PostAttempts.Keys.Union(r.ReadAttempts.Keys).Order(StringComparer.Ordinal))
            {
                md.Append(CultureInfo.InvariantCulture,
                    $"| {outcome} | {r.PostAttempts.GetValueOrDefault(outcome):N0} | {r.ReadAttempts.GetValueOrDefault(outcome):N0} |\n");
            }

            var p = r.Proof;
            md.Append(CultureInfo.InvariantCulture,
                $"\nProof (all transfers since the run began): {p.Acknowledged:N0} acknowledged, {p.InDatabase:N0} in the database; " +
                $"missing {p.MissingAcknowledged}, content differs {p.ContentDiffers}, never sent {p.NeverSent}, posted without a 2xx {p.PostedWithoutAcknowledgement}, " +
                $"unresolved {p.Unresolved}, balances wrong {p.BalanceMismatches}; verifier {(p.VerifierOk ? "ok" : "FAILED")} " +
                $"({p.VerifierCheckedTransfers:N0} transfers, {p.VerifierMismatches} mismatches); cache caught up {(p.CacheConvergedSeconds < 0 ? "NOT within 60 s" : $"within {p.CacheConvergedSeconds:F1} s of the end")}.\n");
            md.Append("\nEvents (seconds from the scenario's start):\n\n");
            foreach (var e in r.Events)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {e.At.TotalSeconds:F2} s: {e.What}\n");
            }

            foreach (var problem in r.Problems.Concat(r.Proof.Problems))
            {
                md.Append(CultureInfo.InvariantCulture, $"- **problem**: {problem}\n");
            }
        }

        return md.ToString();
    }

    private const int Width = 760;
    private const int Height = 300;
    private const int Left = 60;
    private const int Right = 20;
    private const int Top = 34;
    private const int Bottom = 46;

    public static string Svg(ScenarioResult r)
    {
        var series = new (string Label, string Color, int[] Values)[]
        {
            ("posts acknowledged/s", "#2ca02c", [.. r.Seconds.Select(s => s.Acknowledged)]),
            ("failed post attempts/s", "#d62728", [.. r.Seconds.Select(s => s.PostFailures)]),
            ("balance reads/s", "#1f77b4", [.. r.Seconds.Select(s => s.ReadsOk)]),
            ("failed reads/s", "#ff7f0e", [.. r.Seconds.Select(s => s.ReadFailures)]),
        };
        var seconds = Math.Max(2, r.Seconds.Count);
        var top = Nice(series.SelectMany(s => s.Values).DefaultIfEmpty(1).Max());
        double X(double second) => Left + (second / seconds * (Width - Left - Right));
        double Y(double value) => Top + ((1 - (value / top)) * (Height - Top - Bottom));
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{Escape(r.Title)}: requests per second around the fault</text>\n");
        for (var i = 0; i <= 4; i++)
        {
            var value = top * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Y(value))}\" y2=\"{F(Y(value))}\" stroke=\"#e0e0e0\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(Y(value) + 4)}\" text-anchor=\"end\">{value:0}</text>\n");
        }

        var step = seconds <= 30 ? 5 : seconds <= 90 ? 10 : 20;
        for (var s = 0; s <= seconds; s += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(s))}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{s}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">seconds from the scenario's start</text>\n");
        foreach (var e in r.Events.Where(e => e.Kind is "fault" or "restored"))
        {
            var color = e.Kind == "fault" ? "#d62728" : "#2ca02c";
            var x = F(X(e.At.TotalSeconds));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" x2=\"{x}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"{color}\" stroke-dasharray=\"4 3\"><title>{Escape(e.What)}</title></line>\n");
        }

        for (var i = 0; i < series.Length; i++)
        {
            var (label, color, values) = series[i];
            var points = string.Join(" ", values.Select((v, s) => $"{F(X(s + 0.5))},{F(Y(v))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points}\"/>\n");
            var lx = Left + 10 + (i * 170);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{lx}\" y=\"{Top - 8}\" width=\"12\" height=\"3\" fill=\"{color}\"/><text x=\"{lx + 16}\" y=\"{Top - 4}\">{label}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right}\" y=\"{Height - Bottom + 30}\" text-anchor=\"end\" fill=\"#666\">dashed: red = fault, green = restored</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static double Nice(double max)
    {
        if (max <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var factor in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (max <= factor * magnitude)
            {
                return factor * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
