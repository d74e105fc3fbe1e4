using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Infrastructure;

/// <summary>
/// Limits per API key and per client, so one caller cannot take what the host shares:
/// <list type="bullet">
/// <item>posts per key: a token bucket (<see cref="ApiOptions.PostsPerSecondPerKey"/>, burst of one second's worth;
/// a bulk request takes one token per item, see <see cref="TryTakeMorePosts"/>) and a share of the posting slots (<see cref="ApiOptions.MaxConcurrentRequestsPerKey"/>); beyond either, 429
/// <c>overloaded</c> with Retry-After, nothing done;</item>
/// <item>failed authentications per client address: after <see cref="ApiOptions.FailedAuthenticationsPerMinute"/>
/// wrong keys in a minute, every request of that address that presents a key is answered 429
/// <c>too_many_failed_authentications</c> until the minute is over, the right key included, so guessing gains
/// nothing;</item>
/// <item>one integrity scan at a time (<see cref="IntegrityScans"/>).</item>
/// </list>
/// </summary>
internal sealed class KeyLimits(IOptions<ApiOptions> options) : IDisposable
{
    public const string TooManyFailedAuthentications = "too_many_failed_authentications";

    private readonly ApiOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, (RateLimiter Rate, RateLimiter Slots)> _keys = new(StringComparer.Ordinal);
    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, options.Value.FailedAuthenticationsPerMinute),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>True when <paramref name="address"/> has used up its failed authentications for this minute.</summary>
    public bool IsLockedOut(IPAddress? address) =>
        _options.FailedAuthenticationsPerMinute > 0 && _failures.GetStatistics(Key(address))?.CurrentAvailablePermits == 0;

    /// <summary>Counts a wrong key presented from <paramref name="address"/>.</summary>
    public void FailedAuthentication(IPAddress? address)
    {
        if (_options.FailedAuthenticationsPerMinute > 0)
        {
            using var _ = _failures.AttemptAcquire(Key(address));
        }
    }

    /// <summary>Takes a post's permits for <paramref name="keyName"/>: null with the lease to dispose when the post is done,
    /// or the seconds to wait when the key is over its rate or its share of slots.</summary>
    public (RateLimitLease? Slot, int? RetryAfterSeconds) TryEnterPost(string keyName)
    {
        var (rate, slots) = _keys.GetOrAdd(keyName, _ => Create());
        using (var token = rate.AttemptAcquire())
        {
            if (!token.IsAcquired)
            {
                var wait = token.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                return (null, Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)));
            }
        }

        var slot = slots.AttemptAcquire();
        if (!slot.IsAcquired)
        {
            slot.Dispose();
            return (null, 1);
        }

        return (slot, null);
    }

    /// <summary>A bulk request counts as one post per item: the middleware took one when it let the request in, and
    /// this takes the rest once the body has been read (<paramref name="posts"/> in all, but never more than the
    /// bucket holds, so a bulk of any size passes once the key's bucket is full). Null when taken, or the seconds to
    /// wait; nothing is done then.</summary>
    public int? TryTakeMorePosts(string keyName, int posts)
    {
        var more = Math.Min(posts, _options.PostsPerSecondPerKey) - 1;
        if (_options.PostsPerSecondPerKey <= 0 || more <= 0)
        {
            return null;
        }

        var (rate, _) = _keys.GetOrAdd(keyName, _ => Create());
        using var tokens = rate.AttemptAcquire(more);
        if (tokens.IsAcquired)
        {
            return null;
        }

        var wait = tokens.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        return Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
    }

    public void Dispose()
    {
        _failures.Dispose();
        foreach (var (rate, slots) in _keys.Values)
        {
            rate.Dispose();
            slots.Dispose();
        }
    }

    private (RateLimiter, RateLimiter) Create()
    {
        RateLimiter rate = _options.PostsPerSecondPerKey > 0
            ? new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = _options.PostsPerSecondPerKey,
                // A tenth of a second's worth every 100 ms; below 10 a second, one token each 1/N seconds.
                TokensPerPeriod = Math.Max(1, _options.PostsPerSecondPerKey / 10),
                ReplenishmentPeriod = _options.PostsPerSecondPerKey >= 10
                    ? TimeSpan.FromMilliseconds(100)
                    : TimeSpan.FromSeconds(1.0 / _options.PostsPerSecondPerKey),
                QueueLimit = 0,
                AutoReplenishment = true,
            })
            : NoLimit();
        RateLimiter slots = _options.MaxConcurrentRequestsPerKey > 0
            ? new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = _options.MaxConcurrentRequestsPerKey, QueueLimit = 0 })
            : NoLimit();
        return (rate, slots);
    }

    private static ConcurrencyLimiter NoLimit() => new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = int.MaxValue, QueueLimit = 0 });

    private static string Key(IPAddress? address) =>
        address is null ? "unknown" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}

/// <summary>Puts each poster's posts under its own limits (<see cref="KeyLimits"/>), before the host-wide one.</summary>
internal sealed class PerKeyPostingLimit(RequestDelegate next, KeyLimits limits)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limited = HttpMethods.IsPost(context.Request.Method) &&
                      context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute>()
                          ?.PolicyName == Overload.PostingPolicy &&
                      context.User.Identity is { IsAuthenticated: true, Name: { } };
        if (!limited)
        {
            await next(context);
            return;
        }

        var (slot, retryAfter) = limits.TryEnterPost(context.User.Identity!.Name!);
        if (slot is null)
        {
            await Problems.Overloaded(context, StatusCodes.Status429TooManyRequests, retryAfter!.Value,
                "This API key is posting more, or more at once, than its share (Api:PostsPerSecondPerKey, " +
                "Api:MaxConcurrentRequestsPerKey); nothing was done. Retry with the same id after Retry-After.").ExecuteAsync(context);
            return;
        }

        using (slot)
        {
            await next(context);
        }
    }
}

/// <summary>One integrity scan at a time: a scan reads every row; two at once only double the load.</summary>
internal sealed class IntegrityScans : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public bool TryEnter() => _gate.Wait(0);

    public void Exit() => _gate.Release();

    public void Dispose() => _gate.Dispose();
}
