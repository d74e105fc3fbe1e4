namespace Ledger.Core.Tests.Migrations;

/// <summary>The obsolete members of <see cref="MigrationResult"/> (LEDGER0001) keep working for callers compiled
/// against them, and say only what is true: a result means success.</summary>
public sealed class MigrationResultTests
{
    [Fact]
    public void Constructor_ScriptsApplied_IsSuccessfulWithNoError()
    {
        var result = new MigrationResult(["migrations/0001_create_currencies.sql"]);

        Assert.Equal(["migrations/0001_create_currencies.sql"], result.ScriptsApplied);
#pragma warning disable LEDGER0001 // the obsolete members are what this test checks
        Assert.True(result.Successful);
        Assert.Null(result.Error);
        var (successful, scripts, error) = result;
#pragma warning restore LEDGER0001
        Assert.True(successful);
        Assert.Same(result.ScriptsApplied, scripts);
        Assert.Null(error);
    }

    [Fact]
    public void Constructor_NullScripts_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new MigrationResult(null!));
    }

    [Fact]
    public void ObsoleteConstructor_KeepsWhatItWasGiven()
    {
        IReadOnlyList<string> scripts = ["procedures/ledger_post_transactions.sql@0123456789abcdef"];
#pragma warning disable LEDGER0001 // binary compatibility of the three-argument constructor
        var result = new MigrationResult(Successful: true, ScriptsApplied: scripts, Error: null);

        Assert.True(result.Successful);
        Assert.Null(result.Error);
#pragma warning restore LEDGER0001
        Assert.Same(scripts, result.ScriptsApplied);
        Assert.Equal(new MigrationResult(scripts), result);
    }
}
