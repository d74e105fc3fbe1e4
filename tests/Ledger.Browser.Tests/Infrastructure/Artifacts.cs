namespace Ledger.Browser.Tests.Infrastructure;

/// <summary>Where the browser tests keep what a person should look at afterwards: under <c>.local/artifacts/</c> of
/// the repository (ignored by git), at stable paths, so CI can collect them and a developer can open them.</summary>
public static class Artifacts
{
    /// <summary><c>.local/artifacts/&lt;area&gt;</c> under the repository root (the folder holding Ledger.sln), created
    /// when missing.</summary>
    public static string Directory(string area)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ledger.sln")))
            {
                var path = Path.Combine(directory.FullName, ".local", "artifacts", area);
                System.IO.Directory.CreateDirectory(path);
                return path;
            }
        }

        throw new InvalidOperationException($"No Ledger.sln above {AppContext.BaseDirectory}: cannot tell where the repository root is.");
    }
}
