using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

/// <summary>Marks an endpoint as a management endpoint (health, metrics): see <see cref="ManagementPort"/>.</summary>
internal sealed class ManagementEndpoint
{
    public static readonly ManagementEndpoint Instance = new();

    private ManagementEndpoint()
    {
    }
}

/// <summary>
/// The management port (<see cref="ApiOptions.ManagementPort"/>). When it is set, a management endpoint is served only
/// on a connection to that port, and any other request there answers 404; on every other port the management
/// endpoints answer 404, like an unknown route. The port is the one the connection was accepted on
/// (<see cref="ConnectionInfo.LocalPort"/>), never the Host header, which the client chooses: <c>RequireHost</c> would
/// let anyone reach /metrics on the public port by sending <c>Host: x:8081</c>. Which endpoint a request is for is
/// what routing chose, so a spelling routing accepts (<c>/METRICS</c>, <c>/metrics/</c>) is judged like the path
/// itself.
/// </summary>
internal static class ManagementPort
{
    /// <summary>Makes the endpoints of <paramref name="builder"/> management endpoints.</summary>
    public static TBuilder OnManagementPort<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ManagementEndpoint.Instance);

    /// <summary>The rule, in one place: whether <paramref name="context"/> may be served on the port it came in on.</summary>
    public static bool IsServedHere(HttpContext context, int managementPort)
    {
        var forManagement = context.GetEndpoint()?.Metadata.GetMetadata<ManagementEndpoint>() is not null;
        var onManagementPort = context.Connection.LocalPort == managementPort;
        return forManagement == onManagementPort;
    }

    /// <summary>The port rule, when <see cref="ApiOptions.ManagementPort"/> is set: a request on the wrong port ends
    /// here as a 404 without a body, which the status-code pages turn into the usual problem. Call it after routing
    /// (the rule needs the endpoint routing chose), the exception handler and the status-code pages, and before
    /// anything that serves a request (Swagger).</summary>
    public static WebApplication UseManagementPort(this WebApplication app)
    {
        var port = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.ManagementPort;
        if (port == 0)
        {
            return app;
        }

        app.Use((context, next) =>
        {
            if (IsServedHere(context, port))
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    public static IServiceCollection AddManagementPortCheck(this IServiceCollection services)
    {
        services.AddHostedService<ManagementPortCheck>();
        return services;
    }
}

/// <summary>
/// Once the server has started: with <see cref="ApiOptions.ManagementPort"/> set, the server must listen on that port
/// (or health and metrics answer nowhere, and every probe fails) and on another one (or the API answers nowhere).
/// Otherwise the host logs why at Critical and stops with exit code 2 (the configuration is invalid), rather than
/// run in a state no probe would explain.
/// </summary>
internal sealed partial class ManagementPortCheck(
    IServer server,
    IOptions<ApiOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ManagementPortCheck> logger) : IHostedLifecycleService
{
    public const int InvalidConfigurationExitCode = 2;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after every hosted service has started, the web server included, so its addresses are final.</summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var port = options.Value.ManagementPort;
        if (port == 0)
        {
            return Task.CompletedTask;
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        var ports = addresses.Select(address => BindingAddress.Parse(address).Port).ToHashSet();
        var listening = addresses.Length == 0 ? "no address" : string.Join(", ", addresses);
        var apiPort = ports.Where(p => p != port).Order().FirstOrDefault(port == 8080 ? 8081 : 8080);
        var example = string.Create(CultureInfo.InvariantCulture, $"ASPNETCORE_URLS=http://+:{apiPort};http://+:{port}");
        if (!ports.Contains(port))
        {
            LogNotListening(logger, port, listening, example);
        }
        else if (ports.All(p => p == port))
        {
            LogOnlyPort(logger, port, listening, example);
        }
        else
        {
            LogServing(logger, port, string.Join(", ", ports.Where(p => p != port).Order()));
            return Task.CompletedTask;
        }

        Environment.ExitCode = InvalidConfigurationExitCode;
        lifetime.StopApplication();
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(5301, LogLevel.Critical,
        "Api:ManagementPort is {Port}, but the server does not listen on it (it listens on {Addresses}), so /metrics and /health would answer nowhere; stopping. " +
        "Listen on both ports ({Example}), or set Api:ManagementPort to 0 to serve everything on one port")]
    private static partial void LogNotListening(ILogger logger, int port, string addresses, string example);

    [LoggerMessage(5302, LogLevel.Critical,
        "Api:ManagementPort is {Port}, the only port the server listens on ({Addresses}), so the API would answer nowhere; stopping. " +
        "Listen on a second port for the API ({Example}), or set Api:ManagementPort to 0 to serve everything on one port")]
    private static partial void LogOnlyPort(ILogger logger, int port, string addresses, string example);

    [LoggerMessage(5303, LogLevel.Information, "Health and metrics are served on port {Port} only; the API on port(s) {ApiPorts}")]
    private static partial void LogServing(ILogger logger, int port, string apiPorts);
}
