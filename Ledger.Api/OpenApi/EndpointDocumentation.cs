namespace Ledger.Api.OpenApi;

/// <summary>A problem an endpoint's handler answers itself: its HTTP status and <c>code</c>. Endpoint metadata, read only
/// by the OpenAPI document (<see cref="LedgerOperationFilter"/>).</summary>
internal sealed record ProblemOutcome(int Status, string Code);

/// <summary>A response header an endpoint sets on the given statuses, for the OpenAPI document.</summary>
internal sealed record ResponseHeader(string Name, string Description, IReadOnlyList<int> Statuses, IReadOnlyList<string>? Values = null);

/// <summary>
/// What an endpoint declares for its OpenAPI document beside its result types: the ledger refusals its handler passes
/// on, with the status taken from the same table the handler answers with (<see cref="Infrastructure.Problems.StatusOf"/>),
/// and the headers it sets. Everything else a problem response can be (401, 403 and 429 of the API key, 429 and 503 of
/// the posting limits, 400, 500 and 503 of every request) the document derives from the endpoint's authorization and
/// rate-limiting metadata, in one place (<see cref="LedgerOperationFilter"/>).
/// </summary>
internal static class EndpointDocumentation
{
    /// <summary>The handler answers these refusals of the ledger (<see cref="Infrastructure.Problems.From"/>).</summary>
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, params LedgerErrorCode[] codes) =>
        builder.Refuses(accountInBody: false, codes);

    /// <summary>The handler answers these refusals of the ledger; with <paramref name="accountInBody"/>, an unknown account
    /// is one named in the body (422), not in the path (404).</summary>
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, bool accountInBody, params LedgerErrorCode[] codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        foreach (var code in codes)
        {
            builder.WithMetadata(new ProblemOutcome(Infrastructure.Problems.StatusOf(code, accountInBody), LedgerError.ToCodeName(code)));
        }

        return builder;
    }

    /// <summary>The handler answers this problem of the host's own (not a refusal of the ledger).</summary>
    public static RouteHandlerBuilder Answers(this RouteHandlerBuilder builder, int status, string code) =>
        builder.WithMetadata(new ProblemOutcome(status, code));

    /// <summary>The handler sets <paramref name="name"/> on responses with the given statuses.</summary>
    public static RouteHandlerBuilder WithResponseHeader(
        this RouteHandlerBuilder builder, string name, string description, IReadOnlyList<string>? values, params int[] statuses) =>
        builder.WithMetadata(new ResponseHeader(name, description, statuses, values));
}
