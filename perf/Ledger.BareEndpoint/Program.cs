using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ledger.Api.Contracts;
using Ledger.Api.Infrastructure;
using Microsoft.AspNetCore.Http.Json;

// POST /v1/transfers with the API's request contract and JSON settings and its API-key check, answering 201 without
// posting anything: what HTTP, the key check and the JSON cost on this machine, so the API's CPU per request can be
// put beside it (perf/benchmark.sh). Settings: BareEndpoint:ApiKey (required), ASPNETCORE_URLS.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var key = builder.Configuration["BareEndpoint:ApiKey"];
if (string.IsNullOrEmpty(key))
{
    Console.Error.WriteLine("bare endpoint: set BareEndpoint:ApiKey (e.g. BareEndpoint__ApiKey=...)");
    return 2;
}

// The same settings as Ledger.Api's HostSetup: exact decimals from numbers or numeric strings, camelCase, duplicate
// and unknown properties refused. Reflection-based, as there.
builder.Services.Configure<JsonOptions>(options =>
{
    options.SerializerOptions.NumberHandling = JsonNumberHandling.AllowReadingFromString;
    options.SerializerOptions.Converters.Add(new ExactDecimalConverter());
    options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
    options.SerializerOptions.AllowDuplicateProperties = false;
    options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
});

var app = builder.Build();
var keys = new KeyCheck(key);
app.MapGet("/health/live", () => TypedResults.Ok());
app.MapPost("/v1/transfers", IResult (PostTransferBody? body, HttpContext context) =>
{
    if (!keys.Accepts(context.Request.Headers["X-Api-Key"].ToString()))
    {
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "unauthorized");
    }

    if (body?.Amount is null || body.SourceAccountId is null || body.DestinationAccountId is null)
    {
        return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "validation_failed");
    }

    var id = body.Id ?? Guid.CreateVersion7();
    return TypedResults.Created($"/v1/transfers/{id}", new BareAnswer(id, "posted"));
});

await app.RunAsync();
return 0;

/// <summary>The API's key check, as ApiKeyAuthenticationHandler does it: SHA-256 of the presented key compared in
/// fixed time with the configured key's, so the cost is the same.</summary>
internal sealed class KeyCheck(string configured)
{
    private readonly byte[] _configured = SHA256.HashData(Encoding.UTF8.GetBytes(configured));

    public bool Accepts(string presented) =>
        presented.Length > 0 && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _configured);
}

/// <summary>The small answer: the transfer id and "posted".</summary>
internal sealed record BareAnswer(Guid Id, string Status);
