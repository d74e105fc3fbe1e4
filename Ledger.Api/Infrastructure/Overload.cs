using System.Threading.RateLimiting;
using Ledger;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// Refuses work the host cannot take on at once instead of letting it queue into time-outs: at most
/// <see cref="ApiOptions.MaxConcurrentRequests"/> posts (transfers and reversals) run at once, and one more is
/// answered 503 <c>overloaded</c> with <c>Retry-After: 1</c> at once (no queue), the same answer as a full posting
/// queue in the ledger gives.
/// </summary>
internal static class Overload
{
    public const string PostingPolicy = "posting";

    private const int RetryAfterSeconds = 1;

    public static IServiceCollection AddLedgerOverload(this IServiceCollection services)
    {
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            options.OnRejected = RejectAsync;
        });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ApiOptions>>((limiter, api) =>
        {
            var permits = api.Value.MaxConcurrentRequests;
            // One partition: the limit is on the host's posts together, whoever sends them.
            limiter.AddPolicy(PostingPolicy, _ => permits > 0
                ? RateLimitPartition.GetConcurrencyLimiter(PostingPolicy, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = permits,
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(PostingPolicy));
        });
        return services;
    }

    /// <summary>Puts the POST endpoints of <paramref name="builder"/> (a group or one endpoint) under the posting limit;
    /// reads are not limited.</summary>
    public static TBuilder LimitPosting<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<IHttpMethodMetadata>().Any(m => m.HttpMethods.Contains(HttpMethods.Post, StringComparer.OrdinalIgnoreCase)))
            {
                endpoint.Metadata.Add(new EnableRateLimitingAttribute(PostingPolicy));
            }
        });
        return builder;
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var problem = Problems.Overloaded(http, StatusCodes.Status503ServiceUnavailable, RetryAfterSeconds,
            "The host is handling as many posts as it may at once; nothing was done. Retry with the same id shortly.");
        await problem.ExecuteAsync(http);
    }
}
