using Microsoft.Extensions.Logging;

namespace Ledger.Api.Tests;

/// <summary>A request's X-Correlation-ID is in the logging scope of the lines written while it is handled, and on
/// the transfer row it posted.</summary>
public sealed class CorrelationLogTests
{
    private const int TransferPostedEvent = 1001;

    [Fact]
    public async Task PostTransfer_WithCorrelationId_IdIsInLogScopesAndOnTheTransferRow()
    {
        var capture = new CapturingLoggerProvider();
        var connectionString = await TestDatabase.GetAsync(ApiFactory.DatabaseName);
        await using var factory = await CapturingApiAsync(connectionString, capture);
        var source = await factory.CreateAccountAsync(overdraftLimit: 1_000m, label: "corr-src");
        var destination = await factory.CreateAccountAsync(label: "corr-dst");
        var correlationId = $"corr-test-{Guid.NewGuid():N}";
        var transferId = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await PostWithCorrelationAsync(client, correlationId, ApiCalls.TransferJson(transferId, source, destination, 12.34m));

        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        Assert.Equal(correlationId, Assert.Single(response.Headers.GetValues(ApiFactory.CorrelationHeader)));
        Assert.Equal(correlationId, (await ApiFactory.ReadJsonAsync(response)).GetProperty("correlationId").GetString());

        // The log lines of this request: every one written inside the middleware's scope carries the id.
        var lines = capture.Lines;
        var tagged = lines.Where(l => Equals(l.ScopeValue("CorrelationId"), correlationId)).ToList();
        Assert.True(tagged.Count > 0,
            $"no log line carries CorrelationId={correlationId} in its scope; {lines.Count} lines captured:\n" +
            string.Join('\n', lines.TakeLast(30).Select(l => $"{l.Level} {l.Category}[{l.EventId.Id}] {l.Message} scopes={l.Scopes.Count}")));
        var posted = tagged.Where(l => l.EventId.Id == TransferPostedEvent && l.Message.Contains(transferId.ToString(), StringComparison.Ordinal)).ToList();
        Assert.True(posted.Count == 1,
            $"expected the 'Transfer {transferId} posted' line (event {TransferPostedEvent}) once with the id in scope; lines with the id:\n" +
            string.Join('\n', tagged.Select(l => $"{l.Level} {l.Category}[{l.EventId.Id}] {l.Message}")));
        // From the endpoint on, the request's lines carry the transfer id too.
        Assert.Equal(transferId.ToString(), posted[0].ScopeValue("TransferId"));
        // No line of another request claims this id.
        Assert.DoesNotContain(lines, l => l.EventId.Id == TransferPostedEvent &&
                                          l.Message.Contains(transferId.ToString(), StringComparison.Ordinal) &&
                                          !Equals(l.ScopeValue("CorrelationId"), correlationId));

        // The transfer row, read directly and through the API.
        var stored = await ApiCalls.ScalarAsync<string>(connectionString,
            "SELECT correlation_id FROM ledger_transfers WHERE id = @id", ("@id", transferId.ToByteArray(bigEndian: true)));
        Assert.Equal(correlationId, stored);
        using var read = await client.GetAsync(new Uri($"/v1/transfers/{transferId}", UriKind.Relative));
        Assert.True(read.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(read));
        Assert.Equal(correlationId, (await ApiFactory.ReadJsonAsync(read)).GetProperty("correlationId").GetString());
    }

    [Fact]
    public async Task PostTransfer_WithoutId_TheIdTheApiChoseIsInTheLogScopeAndTheAnswer()
    {
        var capture = new CapturingLoggerProvider();
        await using var factory = await CapturingApiAsync(await TestDatabase.GetAsync(ApiFactory.DatabaseName), capture);
        var source = await factory.CreateAccountAsync(overdraftLimit: 1_000m, label: "corr-noid-src");
        var destination = await factory.CreateAccountAsync(label: "corr-noid-dst");
        var correlationId = $"corr-noid-{Guid.NewGuid():N}";
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await PostWithCorrelationAsync(client, correlationId,
            JsonSerializer.Serialize(new { sourceAccountId = source, destinationAccountId = destination, amount = 1.25m }));

        Assert.True(response.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(response));
        var id = (await ApiFactory.ReadJsonAsync(response)).GetProperty("id").GetString();
        var posted = capture.Lines.Where(l => l.EventId.Id == TransferPostedEvent && Equals(l.ScopeValue("CorrelationId"), correlationId)).ToList();
        Assert.Equal(id, Assert.Single(posted).ScopeValue("TransferId"));
    }

    [Fact]
    public async Task PostTransfer_DatabaseUnreachable_OneErrorLineWithTheExceptionCorrelationIdAndTransferId()
    {
        var capture = new CapturingLoggerProvider();
        // Nothing listens on this port: every connection attempt is refused, so the retry budget runs out quickly.
        var unreachable = new MySqlConnector.MySqlConnectionStringBuilder(await TestDatabase.GetAsync(ApiFactory.DatabaseName))
        {
            Port = (uint)LocalPorts.Free(),
            ConnectionTimeout = 2,
        }.ConnectionString;
        await using var factory = await CapturingApiAsync(unreachable, capture);
        var correlationId = $"corr-error-{Guid.NewGuid():N}";
        var transferId = Guid.CreateVersion7();
        using var client = factory.CreateClient(ApiFactory.PosterKey);

        using var response = await PostWithCorrelationAsync(client, correlationId, ApiCalls.TransferJson(transferId, "corr-err-a", "corr-err-b", 1m));

        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, await ApiFactory.DescribeAsync(response));
        Assert.Equal("database_unavailable", (await ApiFactory.ReadJsonAsync(response)).GetProperty("code").GetString());
        // The failure is logged once, at Error, with the exception to act on and the request's ids in scope.
        var errors = capture.Lines.Where(l => l.Level >= LogLevel.Error && Equals(l.ScopeValue("CorrelationId"), correlationId)).ToList();
        var error = Assert.Single(errors);
        Assert.Equal(5002, error.EventId.Id);
        Assert.NotNull(error.Exception);
        Assert.Equal(transferId.ToString(), error.ScopeValue("TransferId"));
        // Its text names no secret: neither the password nor the connection string.
        Assert.DoesNotContain("Password", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(unreachable, error.Message, StringComparison.Ordinal);
    }

    /// <summary>The API with every log line, Debug included, captured. Postings log at Debug (Ledger.Log.TransferPosted);
    /// appsettings.json's Logging:LogLevel:Default (Information) is a filter rule that outranks SetMinimumLevel, so the
    /// ledger's categories get a rule of their own.</summary>
    private static async Task<ConfiguredApiFactory> CapturingApiAsync(string connectionString, CapturingLoggerProvider capture)
    {
        var servers = await TestServers.GetAsync();
        return new ConfiguredApiFactory(connectionString, servers.Redis, migrateOnStartup: false, logging =>
        {
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddFilter("Ledger", LogLevel.Debug);
            logging.AddProvider(capture);
        });
    }

    private static async Task<HttpResponseMessage> PostWithCorrelationAsync(HttpClient client, string correlationId, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/transfers", UriKind.Relative))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(ApiFactory.CorrelationHeader, correlationId);
        return await client.SendAsync(request);
    }
}
