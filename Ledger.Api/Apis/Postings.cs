using Ledger.Api.Auth;
using Ledger.Api.Infrastructure;
using Ledger.Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ledger.Api.Apis;

/// <summary>What the endpoints that post money (transfers, transactions) share, so that both answer alike: the answer
/// to an outcome (201, 200 replayed, or the refusal), the Idempotent-Replayed header, and who may reverse what was
/// posted.</summary>
internal static class Postings
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Idempotent-Replayed on a replay (200) and on a refusal that is the recorded outcome of an earlier
    /// identical request (422), as <see cref="Answer"/> sets it.</summary>
    public static RouteHandlerBuilder WithReplayedHeader(this RouteHandlerBuilder builder) =>
        builder.WithResponseHeader(ReplayedHeader,
            "true when this is the recorded outcome of an earlier request with the same id and content: nothing was posted again.",
            ["true"], StatusCodes.Status200OK, StatusCodes.Status422UnprocessableEntity);

    /// <summary>201 with <c>Location</c> for something newly posted, 200 for a replay; a refusal that is the recorded
    /// outcome of an earlier identical request carries Idempotent-Replayed too.</summary>
    /// <param name="result">The ledger's outcome.</param>
    /// <param name="context">The request.</param>
    /// <param name="accountInBody">The accounts were named in the body, so an unknown one is 422 rather than 404.</param>
    /// <param name="toResponse">The contract of the posted value.</param>
    /// <param name="location">Where the posted value is read (GET), for <c>Location</c>.</param>
    public static Results<Created<TResponse>, Ok<TResponse>, ProblemHttpResult> Answer<T, TResponse>(
        LedgerResult<T> result, HttpContext context, bool accountInBody, Func<T, TResponse> toResponse, Func<TResponse, string> location)
        where T : class
    {
        if (result.Replayed)
        {
            context.Response.Headers[ReplayedHeader] = "true";
        }

        if (!result.IsSuccess)
        {
            return Problems.From(result.Error, context, accountInBody);
        }

        var response = toResponse(result.Value);
        return result.Replayed
            ? TypedResults.Ok(response)
            : TypedResults.Created(location(response), response);
    }

    /// <summary>
    /// The one rule of who may reverse: only the key that posted the original, or a key with the admin role. Who posted
    /// something never changes, so reading it before the reversal is safe. An unknown original
    /// (<paramref name="readPostedBy"/> answers null) is left to the ledger, which answers 404.
    /// </summary>
    /// <param name="context">The request, whose user is the key.</param>
    /// <param name="what">What is reversed, for the problem's detail ("transfer", "transaction").</param>
    /// <param name="readPostedBy">Reads who posted the original; null when there is no such original.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>Null when the key may reverse it; otherwise the 403 <c>forbidden</c> to answer.</returns>
    public static async Task<ProblemHttpResult?> RefuseReversalByOthersAsync(
        HttpContext context, string what, Func<CancellationToken, Task<string?>> readPostedBy, CancellationToken cancellationToken)
    {
        if (context.User.IsInRole(Roles.Admin))
        {
            return null;
        }

        var postedBy = await readPostedBy(cancellationToken);
        return postedBy is null || string.Equals(postedBy, context.User.Identity?.Name, StringComparison.Ordinal)
            ? null
            : Problems.Create(context, StatusCodes.Status403Forbidden, Problems.Forbidden,
                $"Only the key that posted the {what}, or a key with the admin role, may reverse it.");
    }
}
