using Ledger.Testing;

namespace Ledger.Browser.Tests.Infrastructure;

/// <summary>Where the browser tests keep what a person should look at afterwards: under <c>.local/artifacts/</c> of
/// the repository (ignored by git), at stable paths, so CI can collect them and a developer can open them.</summary>
public static class Artifacts
{
    /// <summary><c>.local/artifacts/&lt;area&gt;</c> under the repository root (<see cref="Repository.Root"/>), created
    /// when missing.</summary>
    public static string Directory(string area)
    {
        var path = Path.Combine(Repository.Root, ".local", "artifacts", area);
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}
