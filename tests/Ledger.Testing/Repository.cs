namespace Ledger.Testing;

/// <summary>Files of the repository the tests run from (found above the test binaries by Ledger.sln).</summary>
public static class Repository
{
    private static readonly Lazy<string> RootDirectory = new(Find);

    /// <summary>The folder holding Ledger.sln.</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>The text of a file, by its path from the repository root (with '/').</summary>
    public static string ReadText(string path) => File.ReadAllText(Path.Combine(Root, path));

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ledger.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Ledger.sln not found above " + AppContext.BaseDirectory);
    }
}
