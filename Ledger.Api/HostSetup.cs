using System.Text.Json;
using System.Text.Json.Serialization;
using Ledger.Api.Auth;
using Ledger.Api.Infrastructure;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Ledger.Api;

/// <summary>Everything the host adds and uses, so Program.cs stays a table of contents.</summary>
internal static class HostSetup
{
    public static WebApplicationBuilder AddLedgerApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // A transfer is a few hundred bytes; nothing the API accepts needs more than this.
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });
        services.AddLedger(builder.Configuration);
        services.AddConsoleTimestampSeparator();
        services.AddApiOptions();
        services.AddLedgerOverload();
        services.AddSingleton<KeyLimits>();
        services.AddSingleton<IntegrityScans>();
        services.AddGracefulShutdown();
        services.AddManagementPortCheck();

        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(
                ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Reader, policy => policy.RequireRole(Roles.Reader))
            .AddPolicy(Roles.Poster, policy => policy.RequireRole(Roles.Poster))
            .AddPolicy(Roles.Admin, policy => policy.RequireRole(Roles.Admin));

        services.Configure<JsonOptions>(options =>
        {
            // Amounts may come as JSON numbers or numeric strings; either way they are read as exact decimals, and a
            // number a decimal cannot hold exactly is refused, never rounded.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.AllowReadingFromString;
            options.SerializerOptions.Converters.Add(new ExactDecimalConverter());
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            // "amount" twice (the last would win) or a misspelt "overdraftLimt" (ignored, so the default would apply)
            // would silently post something other than what the caller meant: both are refused.
            options.SerializerOptions.AllowDuplicateProperties = false;
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        // Binding failures throw, so the exception handler can answer them as problem+json naming the field.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = StampCodeAndCorrelation);
        services.AddExceptionHandler<ExceptionProblems>();

        services.AddHealthChecks().AddLedgerChecks("ready");
        services.AddLedgerSwagger();
        builder.AddLedgerMetrics();
        return builder;
    }

    /// <summary>
    /// Logging:Console:FormatterOptions:TimestampFormat is shared by the json and simple console formatters. The json
    /// formatter writes it into a field of its own; the simple one puts it straight before the level ("...Zinfo:"), so
    /// for that formatter the format gets a trailing space, whatever configuration (appsettings, environment, chart)
    /// chose it.
    /// </summary>
    internal static IServiceCollection AddConsoleTimestampSeparator(this IServiceCollection services) =>
        services.PostConfigure<SimpleConsoleFormatterOptions>(options =>
        {
            if (options.TimestampFormat is { Length: > 0 } format && !char.IsWhiteSpace(format[^1]))
            {
                options.TimestampFormat = format + " ";
            }
        });

    public static WebApplication UseLedgerApi(this WebApplication app)
    {
        // Where WebApplication would put routing by itself (first), but explicit: the management-port rule below
        // decides by the endpoint routing chose, so routing must not move after it.
        app.UseRouting();
        app.UseMiddleware<CorrelationId>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseManagementPort();
        app.UseLedgerSwagger();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<PerKeyPostingLimit>();
        app.UseRateLimiter();
        return app;
    }

    public static WebApplication MapLedgerHealth(this WebApplication app)
    {
        // Health and metrics are management endpoints: with Api:ManagementPort set, served on that port only.
        // Liveness runs no check: the process answers, so it is alive. Readiness needs the database; a missing
        // cache is Degraded and still ready (200), since the ledger then reads from the database.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealthAsync })
            .WithTags("Health")
            .OnManagementPort();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = WriteHealthAsync,
        }).WithTags("Health").OnManagementPort();
        app.MapLedgerMetrics();
        return app;
    }

    /// <summary>Problems the framework writes itself (415 for a body that is not JSON, 404 for an unknown route,
    /// 405) get a <c>code</c> and the correlation id too, like every problem the endpoints write.</summary>
    private static void StampCodeAndCorrelation(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!problem.Extensions.ContainsKey("code"))
        {
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            problem.Extensions["code"] = status switch
            {
                StatusCodes.Status415UnsupportedMediaType => Problems.ValidationFailed,
                StatusCodes.Status404NotFound => Problems.NotFound,
                StatusCodes.Status405MethodNotAllowed => Problems.MethodNotAllowed,
                >= 500 => Problems.InternalError,
                _ => Problems.ValidationFailed,
            };
            if (status == StatusCodes.Status415UnsupportedMediaType)
            {
                problem.Detail = "The body must be JSON (Content-Type: application/json).";
                problem.Extensions["errors"] = new Dictionary<string, string[]>(StringComparer.Ordinal)
                {
                    ["body"] = ["The body must be JSON (Content-Type: application/json)."],
                };
            }
        }

        if (!problem.Extensions.ContainsKey("correlationId") && CorrelationId.Get(context.HttpContext) is { } correlationId)
        {
            problem.Extensions["correlationId"] = correlationId;
        }
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}
