using System.Globalization;
using System.Text;

namespace Ledger.LoadGen;

/// <summary>Plain SVG charts of a set of runs, for docs/performance.md: throughput second by second, latency
/// percentiles, and the memory of a watched process.</summary>
internal static class Plots
{
    private const int Width = 760;
    private const int Height = 320;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 30;
    private const int Bottom = 74;
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

    /// <summary>Writes the charts next to <paramref name="basePath"/> and returns the files written.</summary>
    public static IReadOnlyList<string> Write(string basePath, IReadOnlyList<RunResult> results)
    {
        var files = new List<string>();
        void Save(string suffix, string svg)
        {
            var path = $"{basePath}-{suffix}.svg";
            File.WriteAllText(path, svg, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            files.Add(path);
        }

        Save("throughput", Lines(
            "Transfers posted per second",
            "second of the measured run",
            "transfers/s",
            [.. results.Select(r => (r.Label, r.PostedEachSecond.Select(v => (double)v).ToArray()))]));
        Save("latency", Bars("Post latency percentiles (ms)", results));
        var curve = results.Where(r => r.Workload == Workloads.Single && r.Note is null).OrderBy(r => r.Concurrency).ToList();
        if (curve.Count > 0)
        {
            Save("http-curve", Curve(curve));
        }

        var watched = results.Where(r => r.WatchedMiBEachSecond.Length > 0).ToList();
        if (watched.Count > 0)
        {
            Save("memory", Lines(
                "Memory (RSS) of the process under test",
                "second of the measured run",
                "MiB",
                [.. watched.Select(r => (r.Label, r.WatchedMiBEachSecond.Select(v => (double)v).ToArray()))],
                fromZero: true));
        }

        return files;
    }

    private static string Lines(string title, string xLabel, string yLabel, IReadOnlyList<(string Label, double[] Values)> series, bool fromZero = true)
    {
        var count = Math.Max(2, series.Max(s => s.Values.Length));
        var max = NiceCeiling(series.SelectMany(s => s.Values).DefaultIfEmpty(1).Max());
        var min = fromZero ? 0 : series.SelectMany(s => s.Values).DefaultIfEmpty(0).Min();
        var svg = Start(title);
        Axes(svg, min, max, count - 1, xLabel, yLabel);
        for (var i = 0; i < series.Count; i++)
        {
            var points = string.Join(" ", series[i].Values.Select((v, x) => $"{F(X(x, count - 1))},{F(Y(v, min, max))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Colors[i % Colors.Length]}\" stroke-width=\"2\" points=\"{points}\"/>\n");
            Legend(svg, i, series[i].Label);
        }

        return svg.Append("</svg>\n").ToString();
    }

    private static string Bars(string title, IReadOnlyList<RunResult> results)
    {
        var labels = new[] { "p50", "p95", "p99" };
        var max = NiceCeiling(Math.Max(60, results.Max(r => r.Post.P99)));
        var svg = Start(title);
        Axes(svg, 0, max, 0, "", "ms");
        var plotWidth = Width - Left - Right;
        var group = plotWidth / (double)labels.Length;
        var bar = group * 0.8 / Math.Max(1, results.Count);
        for (var g = 0; g < labels.Length; g++)
        {
            for (var i = 0; i < results.Count; i++)
            {
                var value = g switch { 0 => results[i].Post.P50, 1 => results[i].Post.P95, _ => results[i].Post.P99 };
                var x = Left + (g * group) + (group * 0.1) + (i * bar);
                var y = Y(value, 0, max);
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(bar - 2)}\" height=\"{F(Height - Bottom - y)}\" fill=\"{Colors[i % Colors.Length]}\"/>\n");
                svg.Append(CultureInfo.InvariantCulture,
                    $"<text x=\"{F(x + (bar / 2))}\" y=\"{F(y - 3)}\" font-size=\"10\" text-anchor=\"middle\">{value:0.#}</text>\n");
            }

            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{F(Left + (g * group) + (group / 2))}\" y=\"{Height - Bottom + 16}\" font-size=\"12\" text-anchor=\"middle\">{labels[g]}</text>\n");
        }

        // The target: p95 under 50 ms.
        var target = Y(50, 0, max);
        svg.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(target)}\" y2=\"{F(target)}\" stroke=\"#888\" stroke-dasharray=\"6 4\"/>\n");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{Left + 4}\" y=\"{F(target - 4)}\" font-size=\"11\" fill=\"#555\">50 ms target</text>\n");
        for (var i = 0; i < results.Count; i++)
        {
            Legend(svg, i, results[i].Label);
        }

        return svg.Append("</svg>\n").ToString();
    }

    /// <summary>Throughput against p95 and p99 latency, one point per run (HTTP single posts at each connection count),
    /// joined in the order of the connection counts and labelled with them.</summary>
    internal static string Curve(IReadOnlyList<RunResult> runs)
    {
        var maxX = NiceCeiling(runs.Max(r => r.PostedPerSecond));
        var maxY = NiceCeiling(runs.Max(r => r.Post.P99));
        var svg = Start("HTTP single posts: p95 and p99 against throughput (points: connections)");
        Axes(svg, 0, maxY, 0, "transfers/s", "ms");
        for (var i = 0; i <= 4; i++)
        {
            var value = maxX * i / 4;
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{F(Left + ((Width - Left - Right) * i / 4.0))}\" y=\"{Height - Bottom + 16}\" font-size=\"11\" text-anchor=\"middle\">{value:#,0}</text>\n");
        }

        double PointX(RunResult r) => Left + ((Width - Left - Right) * (r.PostedPerSecond / maxX));
        var series = new (string Label, Func<RunResult, double> Value)[] { ("p95", r => r.Post.P95), ("p99", r => r.Post.P99) };
        for (var s = 0; s < series.Length; s++)
        {
            var color = Colors[s % Colors.Length];
            var points = string.Join(" ", runs.Select(r => $"{F(PointX(r))},{F(Y(series[s].Value(r), 0, maxY))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points}\"/>\n");
            foreach (var r in runs)
            {
                var x = PointX(r);
                var y = Y(series[s].Value(r), 0, maxY);
                svg.Append(CultureInfo.InvariantCulture,
                    $"<circle cx=\"{F(x)}\" cy=\"{F(y)}\" r=\"3.5\" fill=\"{color}\"/><text x=\"{F(x + 5)}\" y=\"{F(y - 5)}\" font-size=\"10\">{r.Concurrency}</text>\n");
            }

            Legend(svg, s, series[s].Label);
        }

        return svg.Append("</svg>\n").ToString();
    }

    private static StringBuilder Start(string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"18\" font-size=\"14\" text-anchor=\"middle\">{Escape(title)}</text>\n");
        return svg;
    }

    private static void Axes(StringBuilder svg, double min, double max, int xMax, string xLabel, string yLabel)
    {
        svg.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n" +
            $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        for (var i = 0; i <= 4; i++)
        {
            var value = min + ((max - min) * i / 4);
            var y = Y(value, min, max);
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#eee\"/>" +
                $"<text x=\"{Left - 6}\" y=\"{F(y + 4)}\" font-size=\"11\" text-anchor=\"end\">{value:#,0.##}</text>\n");
        }

        if (xMax > 0)
        {
            var step = Math.Max(1, (int)Math.Ceiling(xMax / 10.0));
            for (var x = 0; x <= xMax; x += step)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"<text x=\"{F(X(x, xMax))}\" y=\"{Height - Bottom + 16}\" font-size=\"11\" text-anchor=\"middle\">{x + 1}</text>\n");
            }
        }

        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - Bottom + 30}\" font-size=\"12\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n" +
            $"<text x=\"16\" y=\"{(Top + Height - Bottom) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + Height - Bottom) / 2})\">{Escape(yLabel)}</text>\n");
    }

    private static void Legend(StringBuilder svg, int index, string label)
    {
        var x = Left + (index % 3 * 230);
        var y = Height - 20 + (index / 3 * 14);
        svg.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{x}\" y=\"{y - 9}\" width=\"12\" height=\"10\" fill=\"{Colors[index % Colors.Length]}\"/>" +
            $"<text x=\"{x + 16}\" y=\"{y}\" font-size=\"11\">{Escape(label.Length > 34 ? label[..34] + "…" : label)}</text>\n");
    }

    private static double X(int index, int xMax) => Left + ((Width - Left - Right) * (xMax == 0 ? 0 : index / (double)xMax));

    private static double Y(double value, double min, double max) =>
        Height - Bottom - ((Height - Top - Bottom) * (max <= min ? 0 : (value - min) / (max - min)));

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
