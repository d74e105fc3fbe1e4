using System.Diagnostics;
using Ledger.Testing;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Ledger.Helm.Tests;

/// <summary>One rendered Kubernetes object: its kind, name and parsed YAML tree (maps, lists, string scalars).</summary>
public sealed record Manifest(string Kind, string Name, Dictionary<object, object> Root)
{
    public override string ToString() => $"{Kind}/{Name}";
}

/// <summary>
/// Runs scripts/helm-check.sh once per test run (it fetches Helm when it is not on PATH, lints the chart with the
/// default, dev and prod values and renders each) and parses the three rendered outputs. When the script fails,
/// for example because Helm cannot be obtained, every test fails with its output.
/// </summary>
public sealed class HelmFixture : IDisposable
{
    public static readonly string[] Variants = ["default", "dev", "prod"];

    private readonly string _outDir = Path.Combine(Path.GetTempPath(), "ledger-helm-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, IReadOnlyList<Manifest>> _rendered = new(StringComparer.Ordinal);

    public HelmFixture()
    {
        RepoRoot = Repository.Root;
        Directory.CreateDirectory(_outDir);
        var psi = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(RepoRoot, "scripts", "helm-check.sh"));
        psi.ArgumentList.Add(_outDir);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Failure = "scripts/helm-check.sh did not finish within 5 minutes";
            return;
        }
        Output = stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            Failure = $"scripts/helm-check.sh exited {process.ExitCode}:\n{Output}";
            return;
        }
        foreach (var variant in Variants)
        {
            var file = Path.Combine(_outDir, variant + ".yaml");
            if (!File.Exists(file))
            {
                Failure = $"scripts/helm-check.sh wrote no {file}:\n{Output}";
                return;
            }
            _rendered[variant] = Parse(File.ReadAllText(file));
        }
    }

    public string RepoRoot { get; }

    /// <summary>What scripts/helm-check.sh printed (stdout, then stderr).</summary>
    public string Output { get; } = "";

    /// <summary>Why the chart could not be rendered; null when it was.</summary>
    public string? Failure { get; }

    /// <summary>The manifests rendered for a variant; fails the calling test when rendering failed.</summary>
    public IReadOnlyList<Manifest> Rendered(string variant)
    {
        Assert.True(Failure is null, Failure);
        return _rendered[variant];
    }

    public static IReadOnlyList<Manifest> Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var manifests = new List<Manifest>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize(parser) is Dictionary<object, object> root)
            {
                var kind = (string)root["kind"];
                var name = (string)((Dictionary<object, object>)root["metadata"])["name"];
                manifests.Add(new Manifest(kind, name, root));
            }
        }
        return manifests;
    }


    public void Dispose()
    {
        try
        {
            Directory.Delete(_outDir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HelmRun : ICollectionFixture<HelmFixture>
{
    public const string Name = "helm";
}
