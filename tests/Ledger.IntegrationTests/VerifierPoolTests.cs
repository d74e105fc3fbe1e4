using Ledger.Verification;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests;

/// <summary>The integrity scan reads every row; it does so on a small pool of its own, so a scan never takes the
/// connections posting needs, and it still finds the ledger in order.</summary>
public sealed class VerifierPoolTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task Verifier_UsesItsOwnSmallPool_AndVerifies()
    {
        await using var provider = fixture.CreateServices();
        var posting = provider.GetRequiredService<MySqlDataSource>();
        var verifying = provider.GetRequiredService<VerifierDataSource>().DataSource;

        var report = await provider.GetRequiredService<ILedger>().VerifyAsync();

        Assert.NotSame(posting, verifying);
        Assert.Equal(2u, new MySqlConnectionStringBuilder(verifying.ConnectionString).MaximumPoolSize);
        Assert.True(report.Ok, report.ToString());
    }
}
