using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Ledger.Api.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Auth;

/// <summary>Authenticates the <c>X-Api-Key</c> header against the configured keys. The principal's name is the
/// key's name and its roles are the key's roles. Refusals are problem+json (401 <c>unauthorized</c>, 403 <c>forbidden</c>).</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> keys,
    KeyLimits limits)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    private static readonly object LockedOutItem = new();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[HeaderName].ToString();
        if (presented.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // An address that has presented too many wrong keys gets no answer about any key until its minute is over.
        var address = Context.Connection.RemoteIpAddress;
        if (limits.IsLockedOut(address))
        {
            Context.Items[LockedOutItem] = true;
            return Task.FromResult(AuthenticateResult.Fail("Too many failed authentications from this address."));
        }

        var match = Find(keys.CurrentValue.All, presented);
        if (match is null)
        {
            limits.FailedAuthentication(address);
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name) };
        claims.AddRange(match.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        var identity = new ClaimsIdentity(claims, SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.ContainsKey(LockedOutItem))
        {
            Response.Headers.RetryAfter = "60";
            return Problems.Create(Context, StatusCodes.Status429TooManyRequests, KeyLimits.TooManyFailedAuthentications,
                "Too many wrong API keys from this address; every key is refused for up to a minute.").ExecuteAsync(Context);
        }

        var detail = Request.Headers[HeaderName].Count == 0
            ? $"Send an API key in the {HeaderName} header."
            : "The API key is not valid.";
        return Problems.Create(Context, StatusCodes.Status401Unauthorized, Problems.Unauthorized, detail).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Create(Context, StatusCodes.Status403Forbidden, Problems.Forbidden,
            "The API key does not have the role this operation needs.").ExecuteAsync(Context);

    /// <summary>Compares hashes in fixed time so neither the content nor the length of a key leaks through timing.</summary>
    private static ApiKeyOptions? Find(IReadOnlyList<ApiKeyOptions> configured, string presented)
    {
        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyOptions? match = null;
        foreach (var key in configured)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key.Key));
            if (CryptographicOperations.FixedTimeEquals(hash, presentedHash))
            {
                match = key;
            }
        }

        return match;
    }
}
