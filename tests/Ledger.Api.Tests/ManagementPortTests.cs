using System.Globalization;
using Ledger.Api.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Tests;

/// <summary>
/// With <c>Api:ManagementPort</c> set, the real host (a process listening on two ports, as the image does) answers
/// <c>/metrics</c> and <c>/health/*</c> on the management port only, and nothing else there: the public port answers
/// them 404 like an unknown route, whatever the request says in its Host header, and the management port answers the
/// API and Swagger 404.
/// </summary>
public sealed class ManagementPortTests(ManagementPortHost fixture) : IClassFixture<ManagementPortHost>
{
    public static TheoryData<string> ManagementPaths => ["/metrics", "/health/live", "/health/ready"];

    /// <summary>The management paths and spellings routing takes for them too (another case, a trailing slash).</summary>
    public static TheoryData<string> ManagementPathSpellings =>
        ["/metrics", "/health/live", "/health/ready", "/METRICS", "/metrics/", "/Health/Ready"];

    private ApiProcess Host => fixture.Host;

    [Theory]
    [MemberData(nameof(ManagementPaths))]
    public async Task ManagementPath_OnTheManagementPort_Answers200(string path)
    {
        using var client = Client(Host.ManagementAddress, key: null);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        if (path == "/metrics")
        {
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("# TYPE ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ManagementPathSpellings))]
    public async Task ManagementPath_OnThePublicPort_Answers404Problem(string path)
    {
        using var client = Client(Host.BaseAddress, key: null);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    /// <summary>The port is the connection's, not the Host header's, which the client chooses.</summary>
    [Theory]
    [MemberData(nameof(ManagementPathSpellings))]
    public async Task ManagementPath_OnThePublicPortWithTheManagementPortInTheHostHeader_Answers404Problem(string path)
    {
        using var client = Client(Host.BaseAddress, key: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Host = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Host.ManagementAddress.Port}");

        using var response = await client.SendAsync(request);

        await ApiCalls.AssertProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Accounts_OnThePublicPort_Answer_AndOnTheManagementPort_Answer404()
    {
        using var banker = Client(Host.BaseAddress, ApiFactory.BankerKey);
        using var management = Client(Host.ManagementAddress, ApiFactory.BankerKey);
        var id = Ids.Account("mgmt");
        var body = JsonSerializer.Serialize(new { id, currency = "USD" });
        var path = $"/v1/accounts/{Uri.EscapeDataString(id)}";

        using (var created = await ApiFactory.PostJsonAsync(banker, "/v1/accounts", body))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(created));
        }

        using (var read = await banker.GetAsync(new Uri(path, UriKind.Relative)))
        {
            Assert.True(read.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(read));
        }

        // not_found, the unknown route's code, not account_not_found: the API is not there at all.
        using (var read = await management.GetAsync(new Uri(path, UriKind.Relative)))
        {
            await ApiCalls.AssertProblemAsync(read, HttpStatusCode.NotFound, "not_found");
        }

        // A write sent to the management port does nothing.
        var other = Ids.Account("mgmt");
        using (var refused = await ApiFactory.PostJsonAsync(management, "/v1/accounts", JsonSerializer.Serialize(new { id = other, currency = "USD" })))
        {
            await ApiCalls.AssertProblemAsync(refused, HttpStatusCode.NotFound, "not_found");
        }

        using (var missing = await banker.GetAsync(new Uri($"/v1/accounts/{Uri.EscapeDataString(other)}", UriKind.Relative)))
        {
            await ApiCalls.AssertProblemAsync(missing, HttpStatusCode.NotFound, "account_not_found");
        }
    }

    /// <summary>The test hosts serve Swagger (Api:SwaggerEnabled): on the public port, not the management port.</summary>
    [Theory]
    [InlineData("/swagger/v1/swagger.json")]
    [InlineData("/swagger/index.html")]
    public async Task Swagger_OnThePublicPort_Answers_AndOnTheManagementPort_Answers404(string path)
    {
        using var publicClient = Client(Host.BaseAddress, key: null);
        using var management = Client(Host.ManagementAddress, key: null);

        using var served = await publicClient.GetAsync(new Uri(path, UriKind.Relative));
        using var hidden = await management.GetAsync(new Uri(path, UriKind.Relative));

        Assert.True(served.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(served));
        await ApiCalls.AssertProblemAsync(hidden, HttpStatusCode.NotFound, "not_found");
    }

    private static HttpClient Client(Uri address, string? key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add(ApiFactory.ApiKeyHeader, key);
        }

        return client;
    }
}

/// <summary>One host process with a management port for <see cref="ManagementPortTests"/>.</summary>
public sealed class ManagementPortHost : IAsyncLifetime
{
    private ApiProcess? _host;

    public ApiProcess Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await ApiProcess.StartWithManagementPortAsync("mgmt");

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>
/// A management port the server does not listen on, or one that is its only port, stops the host at start-up with
/// exit code 2 and a line saying why and how to listen on it; a port out of range fails the options validation.
/// </summary>
public sealed class ManagementPortStartupTests
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_ManagementPortNotListenedOn_ExitsWithCode2NamingThePortAndHowToListen()
    {
        var port = LocalPorts.Free();
        var managementPort = OtherFreePort(port);
        await using var host = await ApiProcess.LaunchAsync("mgmtmissing", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = Url(port),
            ["Api:ManagementPort"] = managementPort.ToString(CultureInfo.InvariantCulture),
        });

        Assert.True(await host.WaitForExitAsync(ExitWithin), $"the host did not stop within {ExitWithin}:\n{host.Output}");

        Assert.True(host.ExitCode == 2, $"exit code {host.ExitCode}:\n{host.Output}");
        Assert.Contains(
            string.Create(CultureInfo.InvariantCulture, $"Api:ManagementPort is {managementPort}, but the server does not listen on it"),
            host.Output, StringComparison.Ordinal);
        Assert.Contains(
            string.Create(CultureInfo.InvariantCulture, $"ASPNETCORE_URLS=http://+:{port};http://+:{managementPort}"),
            host.Output, StringComparison.Ordinal);
        Assert.Contains("crit:", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ManagementPortIsTheOnlyPort_ExitsWithCode2SayingTheApiWouldAnswerNowhere()
    {
        var managementPort = LocalPorts.Free();
        await using var host = await ApiProcess.LaunchAsync("mgmtonly", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = Url(managementPort),
            ["Api:ManagementPort"] = managementPort.ToString(CultureInfo.InvariantCulture),
        });

        Assert.True(await host.WaitForExitAsync(ExitWithin), $"the host did not stop within {ExitWithin}:\n{host.Output}");

        Assert.True(host.ExitCode == 2, $"exit code {host.ExitCode}:\n{host.Output}");
        Assert.Contains(
            string.Create(CultureInfo.InvariantCulture, $"Api:ManagementPort is {managementPort}, the only port the server listens on"),
            host.Output, StringComparison.Ordinal);
        Assert.Contains("Listen on a second port for the API", host.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1", false)]
    [InlineData("0", true)]
    [InlineData("8081", true)]
    [InlineData("65535", true)]
    [InlineData("65536", false)]
    public void Validate_ManagementPort_ZeroToPortMaximum(string value, bool accepted)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Api:ManagementPort"] = value })
            .Build();
        using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddApiOptions()
            .BuildServiceProvider();

        var error = Record.Exception(() => provider.GetRequiredService<IOptions<ApiOptions>>().Value);

        if (accepted)
        {
            Assert.Null(error);
        }
        else
        {
            var validation = Assert.IsType<OptionsValidationException>(error);
            Assert.Contains("Api:ManagementPort", validation.Message, StringComparison.Ordinal);
        }
    }

    private static string Url(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    private static int OtherFreePort(int taken)
    {
        var port = LocalPorts.Free();
        while (port == taken)
        {
            port = LocalPorts.Free();
        }

        return port;
    }
}
