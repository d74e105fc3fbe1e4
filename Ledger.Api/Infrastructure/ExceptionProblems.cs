using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Ledger.Api.Infrastructure;

/// <summary>Turns exceptions into problem+json: unreadable request bodies and parameters become 400
/// <c>validation_failed</c> naming the field, a database the ledger could not reach or lost
/// (<see cref="DatabaseFaults.IsUnavailable"/>) becomes 503 <c>database_unavailable</c> with <c>Retry-After</c>, a
/// database that refuses the ledger's statements for want of a grant, a table or a procedure
/// (<see cref="DatabaseFaults.IsMisconfigured"/>) a 500 <c>database_misconfigured</c> logged at Error with the server's
/// words (which name the privilege), and anything else a 500 <c>internal_error</c> that is logged once.</summary>
internal sealed partial class ExceptionProblems(ILogger<ExceptionProblems> logger, IMeterFactory meterFactory) : IExceptionHandler
{
    // On the ledger's meter, so /metrics and the LedgerDatabaseUnavailable alert see it with the rest.
    private readonly Counter<long> _databaseUnavailable = meterFactory.Create("Ledger").CreateCounter<long>(
        "ledger.database.unavailable", "{request}", "Requests answered 503 database_unavailable.");

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var result = exception switch
        {
            BadHttpRequestException bad => FromBadRequest(httpContext, bad),
            _ when DatabaseFaults.IsUnavailable(exception) => DatabaseUnavailable(httpContext, exception),
            _ when DatabaseFaults.IsMisconfigured(exception) => DatabaseMisconfigured(httpContext, exception),
            _ => null,
        };

        if (result is null)
        {
            LogUnhandled(logger, exception);
            result = Problems.Create(httpContext, StatusCodes.Status500InternalServerError, Problems.InternalError,
                "The server failed to handle the request; it is logged with the correlation id.");
        }

        await result.ExecuteAsync(httpContext);
        return true;
    }

    private Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult DatabaseUnavailable(HttpContext context, Exception exception)
    {
        LogDatabaseUnavailable(logger, exception);
        _databaseUnavailable.Add(1);
        context.Response.Headers.RetryAfter = "1";
        return Problems.Create(context, StatusCodes.Status503ServiceUnavailable, Problems.DatabaseUnavailable,
            "The database could not be reached; nothing was changed unless the outcome says so. Retry with the same id.");
    }

    private Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult DatabaseMisconfigured(HttpContext context, Exception exception)
    {
        LogDatabaseMisconfigured(logger, exception, DatabaseFaults.ServerError(exception) ?? exception.Message);
        return Problems.Create(context, StatusCodes.Status500InternalServerError, Problems.DatabaseMisconfigured,
            "The database refused the ledger's statement: a privilege, a table or a procedure is missing (a deployment " +
            "fault, logged with the correlation id). Nothing was changed; retrying will not help until it is mended.");
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult FromBadRequest(HttpContext context, BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            // A number refused rather than rounded, a property given twice, a property the request does not have:
            // each names its field.
            if (json is InexactNumberException)
            {
                return Problems.Validation(context, FieldOf(json.Path), json.Message);
            }

            if (json.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
            {
                return Problems.Validation(context, FieldOf(json.Path), "The property is given more than once.");
            }

            if (json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
            {
                return Problems.Validation(context, FieldOf(json.Path), "The request has no such property (check its spelling).");
            }

            // A value of the wrong type names its field; broken JSON is a fault of the whole body.
            var conversion = json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal);
            var field = conversion ? FieldOf(json.Path) : "body";
            var message = conversion
                ? "The value has the wrong type or format."
                : $"The body is not valid JSON (line {json.LineNumber + 1}, position {json.BytePositionInLine + 1}).";
            return Problems.Validation(context, field, message);
        }

        // Missing body, unparsable route or query values and the like: the framework's message names the parameter.
        return Problems.Validation(context, "request", exception.Message);
    }

    /// <summary>"$.amount" becomes "amount"; "$" or no path (the JSON itself is broken) becomes "body".</summary>
    internal static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Length == 0 ? "body" : char.ToLowerInvariant(field[0]) + field[1..];
    }

    [LoggerMessage(5001, LogLevel.Error, "The request failed with an unhandled exception")]
    private static partial void LogUnhandled(ILogger logger, Exception exception);

    [LoggerMessage(5002, LogLevel.Error, "The database could not be reached after the retry budget")]
    private static partial void LogDatabaseUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(5003, LogLevel.Error,
        "The database refused the ledger's statement ({ServerError}): a deployment fault, not an outage. A missing privilege: compare the users' grants with db/grants.sql (the procedures run with their definer's rights). A missing table, column or procedure: apply the migrations of this version")]
    private static partial void LogDatabaseMisconfigured(ILogger logger, Exception exception, string serverError);
}
