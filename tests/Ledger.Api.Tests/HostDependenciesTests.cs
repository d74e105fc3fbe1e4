namespace Ledger.Api.Tests;

/// <summary>The host talks to the ledger through Ledger.Core alone: the database client is the library's business
/// (DatabaseFaults classifies its failures, LedgerConnection describes its connection strings).</summary>
public sealed class HostDependenciesTests
{
    [Fact]
    public void Host_DoesNotReferenceTheDatabaseClient()
    {
        var references = typeof(Program).Assembly.GetReferencedAssemblies().Select(name => name.Name).ToList();

        Assert.Contains("Ledger.Core", references);
        Assert.DoesNotContain("MySqlConnector", references);
    }
}
