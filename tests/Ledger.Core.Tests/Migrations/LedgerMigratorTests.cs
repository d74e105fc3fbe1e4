using Ledger.Testing;
using DbUp.Engine;
using DbUp.Support;
using Ledger.Migrations;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Core.Tests.Migrations;

public sealed class LedgerMigratorTests
{
    [Theory]
    [InlineData("Ledger.Db.migrations.0001_create_currencies.sql", "migrations/0001_create_currencies.sql", LedgerMigrator.MigrationsRunGroupOrder)]
    [InlineData("Ledger.Db.procedures.post_transfers.sql", "procedures/post_transfers.sql", LedgerMigrator.ProceduresRunGroupOrder)]
    public void TryGetScriptName_ScriptResource_ReturnsJournalNameAndGroup(string resource, string expectedName, int expectedGroup)
    {
        var script = LedgerMigrator.TryGetScriptName(resource);

        Assert.Equal((expectedName, expectedGroup), script);
    }

    [Theory]
    [InlineData("Ledger.Db.migrations.readme.md")]
    [InlineData("Ledger.Other.0001_x.sql")]
    [InlineData("Ledger.Db.0001_x.sql")]
    public void TryGetScriptName_OtherResource_ReturnsNull(string resource)
    {
        Assert.Null(LedgerMigrator.TryGetScriptName(resource));
    }

    [Fact]
    public void CreateOptions_Migrations_AreRunOnce()
    {
        Assert.Equal(ScriptType.RunOnce, LedgerMigrator.CreateOptions(LedgerMigrator.MigrationsRunGroupOrder).ScriptType);
    }

    [Fact]
    public void CreateOptions_Procedures_AreRunOncePerContent()
    {
        Assert.Equal(ScriptType.RunOnce, LedgerMigrator.CreateOptions(LedgerMigrator.ProceduresRunGroupOrder).ScriptType);
    }

    [Fact]
    public void ProcedureJournalName_IsNamePlusTheFirstSixteenHexDigitsOfSha256()
    {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        Assert.Equal("procedures/p.sql@ba7816bf8f01cfea", LedgerMigrator.ProcedureJournalName("procedures/p.sql", "abc"u8));
    }

    [Fact]
    public void LoadEmbeddedScripts_Procedures_CarryTheHashOfTheirFile()
    {
        var root = Repository.Root;
        foreach (var script in LedgerMigrator.LoadEmbeddedScripts().Where(s => s.Name.StartsWith("procedures/", StringComparison.Ordinal)))
        {
            var file = script.Name[..script.Name.IndexOf('@', StringComparison.Ordinal)];
            var bytes = File.ReadAllBytes(Path.Combine(root, "db", file));
            Assert.Equal(LedgerMigrator.ProcedureJournalName(file, bytes), script.Name);
        }
    }

    [Fact]
    public void ProcedureJournalName_OfACrlfCopyWithoutCarriageReturns_IsTheLfOriginals()
    {
        var lf = "DELIMITER $$\nCREATE PROCEDURE p() SELECT 1$$\nDELIMITER ;\n"u8.ToArray();
        var crlf = "DELIMITER $$\r\nCREATE PROCEDURE p() SELECT 1$$\r\nDELIMITER ;\r\n"u8.ToArray();

        Assert.Same(lf, LedgerMigrator.WithoutCarriageReturns(lf));
        Assert.Equal(lf, LedgerMigrator.WithoutCarriageReturns(crlf));
        Assert.Equal(
            LedgerMigrator.ProcedureJournalName("procedures/p.sql", lf),
            LedgerMigrator.ProcedureJournalName("procedures/p.sql", LedgerMigrator.WithoutCarriageReturns(crlf)));
    }


    [Fact]
    public void Order_MixedScripts_RunsMigrationsByNameThenProceduresByName()
    {
        SqlScript[] scripts =
        [
            Script("procedures/b.sql", LedgerMigrator.ProceduresRunGroupOrder),
            Script("migrations/0010_b.sql", LedgerMigrator.MigrationsRunGroupOrder),
            Script("procedures/a.sql", LedgerMigrator.ProceduresRunGroupOrder),
            Script("migrations/0002_a.sql", LedgerMigrator.MigrationsRunGroupOrder),
        ];

        var ordered = LedgerMigrator.Order(scripts).Select(script => script.Name);

        Assert.Equal(["migrations/0002_a.sql", "migrations/0010_b.sql", "procedures/a.sql", "procedures/b.sql"], ordered);
    }

    [Fact]
    public void GetScriptNames_EmbeddedScripts_AreMigrationsThenProceduresInOrder()
    {
        var names = LedgerMigrator.GetScriptNames();

        Assert.All(names, name => Assert.True(
            name.StartsWith(LedgerMigrator.MigrationsJournalPrefix, StringComparison.Ordinal)
            || name.StartsWith(LedgerMigrator.ProceduresJournalPrefix, StringComparison.Ordinal), name));
        var groups = names.Select(name => name.StartsWith(LedgerMigrator.MigrationsJournalPrefix, StringComparison.Ordinal) ? 0 : 1).ToArray();
        Assert.Equal(groups.Order(), groups);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void LoadEmbeddedScripts_EveryScript_SplitsWithoutError()
    {
        foreach (var script in LedgerMigrator.LoadEmbeddedScripts())
        {
            _ = MySqlScriptSplitter.Split(script.Contents);
        }
    }

    [Fact]
    public async Task MigrateAsync_CancelledToken_ThrowsBeforeConnecting()
    {
        var migrator = new LedgerMigrator(NullLogger<LedgerMigrator>.Instance);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        // Port 1 has no server: reaching it would fail differently.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => migrator.MigrateAsync("Server=127.0.0.1;Port=1;Database=ledger_never;User ID=x", cancellation.Token));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task MigrateAsync_BlankConnectionString_ThrowsArgumentException(string connectionString)
    {
        var migrator = new LedgerMigrator(NullLogger<LedgerMigrator>.Instance);

        await Assert.ThrowsAsync<ArgumentException>(() => migrator.MigrateAsync(connectionString, CancellationToken.None));
    }

    [Theory]
    [InlineData("ledger", "`ledger`")]
    [InlineData("odd`name", "`odd``name`")]
    public void QuoteIdentifier_Name_IsBacktickQuotedWithBackticksDoubled(string name, string expected)
    {
        Assert.Equal(expected, LedgerMigrator.QuoteIdentifier(name));
    }

    [Theory]
    [InlineData("Executing '{0}'", new object[] { "a.sql" }, "Executing 'a.sql'")]
    [InlineData("no arguments {here}", new object[0], "no arguments {here}")]
    [InlineData("stray {brace} {0}", new object[] { "x" }, "stray {brace} {0} x")]
    public void Format_DbUpMessage_IsFormattedOrKeptAsIs(string format, object[] args, string expected)
    {
        Assert.Equal(expected, LoggerUpgradeLog.Format(format, args));
    }

    private static SqlScript Script(string name, int group) => new(name, "SELECT 1;", LedgerMigrator.CreateOptions(group));
}
