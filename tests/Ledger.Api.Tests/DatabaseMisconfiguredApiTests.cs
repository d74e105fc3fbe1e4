using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Ledger.Api.Tests;

/// <summary>A database that refuses the ledger's statements for want of a grant, a table or a procedure is a
/// deployment fault: 500 <c>database_misconfigured</c>, no Retry-After, not counted as an outage, and an Error line
/// that carries the server's words (naming what is missing). It was 500 <c>internal_error</c>, and before that 503
/// <c>database_unavailable</c>, which told callers to retry what could never succeed.</summary>
public sealed class DatabaseMisconfiguredApiTests
{
    private const int MisconfiguredEvent = 5003;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PostTransfer_PostingProcedureMissing_Is500DatabaseMisconfiguredLoggedWithTheServersWords(bool batching)
    {
        const string procedure = "ledger_post_transactions";
        var servers = await TestServers.GetAsync();
        var database = await TestDatabase.GetAsync($"ledger_api_misconf_{(batching ? "b" : "s")}");
        Assert.False(string.IsNullOrEmpty(servers.MySqlApp), $"{TestServers.MySqlAppVariable} is not set. {TestServers.HowToStart}");
        // The application's user, as in production.
        var app = new MySqlConnectionStringBuilder(servers.MySqlApp) { Database = new MySqlConnectionStringBuilder(database).Database }.ConnectionString;
        var capture = new CapturingLoggerProvider();
        await using var api = new ConfiguredApiFactory(app, servers.Redis, migrateOnStartup: false,
            logging => logging.AddProvider(capture),
            new Dictionary<string, string?> { ["Ledger:Batching:Enabled"] = batching ? "true" : "false" });
        var source = await api.CreateAccountAsync(overdraftLimit: 100m, label: "misconf-src");
        var destination = await api.CreateAccountAsync(label: "misconf-dst");
        // A migration not applied, as far as the ledger can tell: the procedure it calls is gone.
        await ApiCalls.ScalarAsync<long>(database, $"DROP PROCEDURE {procedure}; SELECT 0");
        using var client = api.CreateClient(ApiFactory.PosterKey);
        var id = Guid.CreateVersion7();

        using var response = await ApiCalls.PostTransferAsync(client, id, source, destination, 1.25m);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.InternalServerError, "database_misconfigured");
        Assert.False(response.Headers.Contains("Retry-After"));
        var line = Assert.Single(capture.Lines, l => l.EventId.Id == MisconfiguredEvent);
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Contains("1305", line.Message, StringComparison.Ordinal);
        Assert.Contains(procedure, line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(capture.Lines, l => l.EventId.Id == 5002);
        Assert.Equal(0L, await ApiCalls.ScalarAsync<long>(database, "SELECT COUNT(*) FROM entries WHERE account_id = @a", ("@a", source)));
    }
}
