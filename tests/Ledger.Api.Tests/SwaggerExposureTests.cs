using Microsoft.AspNetCore.Hosting;

namespace Ledger.Api.Tests;

/// <summary>Swagger UI and the OpenAPI document are served where configured (Api:SwaggerEnabled), by default in
/// Development only: a production host does not publish its whole surface on its public port.</summary>
public sealed class SwaggerExposureTests
{
    [Theory]
    [InlineData("Production", null, false)]
    [InlineData("Development", null, true)]
    [InlineData("Production", "true", true)]
    [InlineData("Development", "false", false)]
    public async Task Swagger_IsServedOnlyWhereConfigured(string environment, string? setting, bool served)
    {
        var servers = await TestServers.GetAsync();
        await using var api = new ConfiguredApiFactory(await TestDatabase.GetAsync(ApiFactory.DatabaseName), servers.Redis,
            migrateOnStartup: false, extraSettings: new Dictionary<string, string?> { ["Api:SwaggerEnabled"] = setting });
        await using var host = api.WithWebHostBuilder(builder => builder.UseEnvironment(environment));
        using var client = host.CreateClient();

        using var document = await client.GetAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));
        using var page = await client.GetAsync(new Uri("/swagger/index.html", UriKind.Relative));

        var expected = served ? HttpStatusCode.OK : HttpStatusCode.NotFound;
        Assert.Equal(expected, document.StatusCode);
        Assert.Equal(expected, page.StatusCode);
        if (served)
        {
            // Swagger UI's settings: the key typed into Authorize is not kept in the browser's storage.
            using var settings = await client.GetAsync(new Uri("/swagger/index.js", UriKind.Relative));
            Assert.Contains("\"persistAuthorization\":false", await settings.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
