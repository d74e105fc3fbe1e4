using System.Collections.Frozen;
using Ledger;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Api.Infrastructure;

/// <summary>Turns ledger refusals and request faults into problem+json with a stable <c>code</c>.</summary>
internal static class Problems
{
    public const string ValidationFailed = "validation_failed";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string DatabaseUnavailable = "database_unavailable";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string InternalError = "internal_error";
    public const string DatabaseMisconfigured = "database_misconfigured";

    /// <summary>The problem for a refusal. An unknown account named in the body of a transfer or transaction is 422
    /// (the request is well-formed but cannot be carried out); an unknown account in the path of a GET is 404.
    /// A refusal of a whole bulk request because of one of its items (<see cref="LedgerError.Item"/>) names the item's
    /// index in the extension <c>item</c>.</summary>
    public static ProblemHttpResult From(LedgerError error, HttpContext context, bool accountInBody = false)
    {
        var status = StatusOf(error.Code, accountInBody);
        return error.Code == LedgerErrorCode.Overloaded
            ? Overloaded(context, status, retryAfterSeconds: 1, error.Message)
            : Create(context, status, error.CodeName, error.Message, error.FieldErrors, error.Item);
    }

    /// <summary>The HTTP status of a ledger refusal: the one table that <see cref="From"/> answers with and the OpenAPI
    /// document describes.</summary>
    public static int StatusOf(LedgerErrorCode code, bool accountInBody = false) => code switch
    {
        LedgerErrorCode.ValidationFailed => StatusCodes.Status400BadRequest,
        LedgerErrorCode.AccountNotFound => accountInBody ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status404NotFound,
        LedgerErrorCode.TransferNotFound => StatusCodes.Status404NotFound,
        LedgerErrorCode.TransactionNotFound => StatusCodes.Status404NotFound,
        LedgerErrorCode.InsufficientFunds => StatusCodes.Status422UnprocessableEntity,
        LedgerErrorCode.BalanceOutOfRange => StatusCodes.Status422UnprocessableEntity,
        LedgerErrorCode.CurrencyMismatch => StatusCodes.Status422UnprocessableEntity,
        LedgerErrorCode.IdempotencyConflict => StatusCodes.Status409Conflict,
        LedgerErrorCode.ConcurrencyConflict => StatusCodes.Status409Conflict,
        LedgerErrorCode.AccountExists => StatusCodes.Status409Conflict,
        LedgerErrorCode.AlreadyReversed => StatusCodes.Status409Conflict,
        LedgerErrorCode.VersionMismatch => StatusCodes.Status409Conflict,
        LedgerErrorCode.Overloaded => StatusCodes.Status503ServiceUnavailable,
        LedgerErrorCode.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>429 or 503 <c>overloaded</c> with Retry-After: nothing was done; the same request may be sent again
    /// after <paramref name="retryAfterSeconds"/>.</summary>
    public static ProblemHttpResult Overloaded(HttpContext context, int status, int retryAfterSeconds, string detail)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(context, status, LedgerError.ToCodeName(LedgerErrorCode.Overloaded), detail);
    }

    public static ProblemHttpResult Validation(HttpContext context, string field, string message) =>
        Create(context, StatusCodes.Status400BadRequest, LedgerError.ToCodeName(LedgerErrorCode.ValidationFailed),
            $"The request is not valid: {field}: {message}",
            new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    public static ProblemHttpResult Create(
        HttpContext context, int status, string code, string detail, IReadOnlyDictionary<string, string[]>? errors = null, int? item = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = TitleOf(code),
            Detail = detail,
            Instance = context.Request.Path,
        };
        problem.Extensions["code"] = code;
        if (errors is { Count: > 0 })
        {
            problem.Extensions["errors"] = errors;
        }

        if (item is { } index)
        {
            problem.Extensions["item"] = index;
        }

        if (CorrelationId.Get(context) is { } correlationId)
        {
            problem.Extensions["correlationId"] = correlationId;
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>Every <c>code</c> the host answers, with its title: the ledger's refusals and the host's own. The
    /// OpenAPI document lists these codes as the problem's <c>code</c>; a code missing here is answered with the
    /// generic title and is missing from the document too (a test holds every <see cref="LedgerErrorCode"/> to it).</summary>
    public static readonly IReadOnlyList<(string Code, string Title)> Codes =
    [
        (ValidationFailed, "The request is not valid."),
        (LedgerError.ToCodeName(LedgerErrorCode.AccountNotFound), "The account does not exist."),
        (LedgerError.ToCodeName(LedgerErrorCode.TransferNotFound), "The transfer does not exist."),
        (LedgerError.ToCodeName(LedgerErrorCode.TransactionNotFound), "The transaction does not exist."),
        (LedgerError.ToCodeName(LedgerErrorCode.InsufficientFunds), "Insufficient funds."),
        (LedgerError.ToCodeName(LedgerErrorCode.BalanceOutOfRange), "The balance would be out of range."),
        (LedgerError.ToCodeName(LedgerErrorCode.CurrencyMismatch), "The currencies do not match."),
        (LedgerError.ToCodeName(LedgerErrorCode.IdempotencyConflict), "The id was used before with different content."),
        (LedgerError.ToCodeName(LedgerErrorCode.ConcurrencyConflict), "Too much contention; retry with the same id."),
        (LedgerError.ToCodeName(LedgerErrorCode.AccountExists), "The account exists already."),
        (LedgerError.ToCodeName(LedgerErrorCode.AlreadyReversed), "The transfer or transaction has been reversed already."),
        (LedgerError.ToCodeName(LedgerErrorCode.VersionMismatch), "An account is not at the expected version."),
        (LedgerError.ToCodeName(LedgerErrorCode.Overloaded), "The ledger is overloaded; retry shortly."),
        (LedgerError.ToCodeName(LedgerErrorCode.PreconditionFailed), "The account has changed since it was read."),
        (DatabaseUnavailable, "The database is unavailable."),
        (KeyLimits.TooManyFailedAuthentications, "Too many failed authentications."),
        (Unauthorized, "An API key is required."),
        (Forbidden, "The API key lacks the role for this."),
        (NotFound, "There is nothing at this address."),
        (MethodNotAllowed, "The method is not allowed here."),
        (DatabaseMisconfigured, "The database does not fit this version of the ledger."),
        (InternalError, "The request failed."),
    ];

    private static readonly FrozenDictionary<string, string> Titles =
        Codes.ToFrozenDictionary(c => c.Code, c => c.Title, StringComparer.Ordinal);

    public static string TitleOf(string code) => Titles.TryGetValue(code, out var title) ? title : "The request failed.";
}
