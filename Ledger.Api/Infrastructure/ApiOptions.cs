using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

/// <summary>The host's own limits (the <c>Api</c> section): how much it takes on at once, and how it shuts down.</summary>
internal sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Transfer posts and reversals in flight at once; more are refused at once with 503
    /// <c>overloaded</c> and <c>Retry-After</c>. 0 turns the limit off. Default: 1,024.</summary>
    public int MaxConcurrentRequests { get; set; } = 1024;

    /// <summary>Whether Swagger UI (/swagger) and the OpenAPI document are served. Default (unset): in the Development
    /// environment only; set it to true where testers drive the API from Swagger UI.</summary>
    public bool? SwaggerEnabled { get; set; }

    /// <summary>The management port: when above 0, <c>/metrics</c>, <c>/health/live</c> and <c>/health/ready</c> are
    /// answered only on connections to this port, and nothing else is (everything else answers 404 there, and those
    /// three answer 404 on every other port). The server must listen on it and on at least one other port
    /// (<c>ASPNETCORE_URLS=http://+:8080;http://+:8081</c>), or the host stops at start-up. 0 serves everything on every
    /// port. Default: 0 (the image sets 8081).</summary>
    public int ManagementPort { get; set; }

    /// <summary>Posts one API key may have in flight at once, so no caller takes every slot; more are refused with
    /// 429 <c>overloaded</c>. 0 turns it off. Default: 512.</summary>
    public int MaxConcurrentRequestsPerKey { get; set; } = 512;

    /// <summary>Posts per second one API key may make (a token bucket holding one second's worth); more are refused
    /// with 429 <c>overloaded</c> and the Retry-After to wait. 0 turns it off. Default: 10,000.</summary>
    public int PostsPerSecondPerKey { get; set; } = 10_000;

    /// <summary>Wrong API keys a client address may present in a minute; beyond it every request of that address that
    /// presents a key is refused with 429 until the minute is over. 0 turns it off. Default: 20.</summary>
    public int FailedAuthenticationsPerMinute { get; set; } = 20;

    /// <summary>After SIGTERM, how long readiness reports 503 while requests are still served, so a load balancer
    /// stops sending before the host stops listening. Default: 5 seconds.</summary>
    public TimeSpan ShutdownDrainDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The whole shutdown (drain delay, in-flight requests, hosted services) gets this long
    /// (<see cref="HostOptions.ShutdownTimeout"/>). Default: 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

internal static class ApiOptionsSetup
{
    /// <summary>Binds and validates <see cref="ApiOptions"/>, and hands the shutdown timeout to the host.</summary>
    public static IServiceCollection AddApiOptions(this IServiceCollection services)
    {
        services.AddOptions<ApiOptions>()
            .BindConfiguration(ApiOptions.SectionName)
            .Validate(api => api.MaxConcurrentRequests >= 0, "Api:MaxConcurrentRequests must be 0 (no limit) or more.")
            .Validate(
                api => api.MaxConcurrentRequestsPerKey >= 0 && api.PostsPerSecondPerKey >= 0 && api.FailedAuthenticationsPerMinute >= 0,
                "Api:MaxConcurrentRequestsPerKey, Api:PostsPerSecondPerKey and Api:FailedAuthenticationsPerMinute must be 0 (no limit) or more.")
            .Validate(
                api => api.ManagementPort is >= 0 and <= 65535,
                "Api:ManagementPort must be 0 (off: one port serves everything) or a port from 1 to 65535.")
            .Validate(
                api => api.ShutdownTimeout > TimeSpan.Zero && api.ShutdownTimeout <= TimeSpan.FromMinutes(10),
                "Api:ShutdownTimeout must be above zero and at most 10 minutes.")
            .Validate(
                api => api.ShutdownDrainDelay >= TimeSpan.Zero && api.ShutdownDrainDelay < api.ShutdownTimeout,
                "Api:ShutdownDrainDelay must be zero or more and less than Api:ShutdownTimeout.")
            .ValidateOnStart();
        services.AddOptions<HostOptions>()
            .Configure<IOptions<ApiOptions>>((host, api) => host.ShutdownTimeout = api.Value.ShutdownTimeout);
        return services;
    }
}
