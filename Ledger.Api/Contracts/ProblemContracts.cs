namespace Ledger.Api.Contracts;

/// <summary>Every refusal and failure: problem details (RFC 9457, <c>application/problem+json</c>) with the ledger's
/// stable <c>code</c>, the request's correlation id and, for invalid requests, the fields at fault.</summary>
/// <remarks>The host writes problems with <see cref="Infrastructure.Problems"/>; this type only describes them in the
/// OpenAPI document (a test holds the bodies the host writes to it).</remarks>
/// <param name="Type">A URI reference that identifies the kind of problem.</param>
/// <param name="Title">A short summary of the code, the same for every problem with that code.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What went wrong with this request, for people.</param>
/// <param name="Instance">The path of the request.</param>
/// <param name="Code">The stable, machine-readable reason. Codes are never renamed or reused; new ones may be added.</param>
/// <param name="CorrelationId">The request's correlation id (the X-Correlation-ID header), under which the server logged it.</param>
/// <param name="Errors">For validation_failed: the fields at fault, each with its messages.</param>
/// <param name="Item">For a bulk request (POST /v1/transactions/batch) refused as a whole because of one of its items
/// (an atomic request, or an id given twice): that item's index in <c>items</c>, from 0.</param>
/// <param name="TraceId">The id of the request's trace activity (W3C format), added by ASP.NET Core, for distributed tracing.</param>
public sealed record LedgerProblem(
    string? Type,
    string Title,
    int Status,
    string? Detail,
    string? Instance,
    string Code,
    string CorrelationId,
    IReadOnlyDictionary<string, string[]>? Errors,
    int? Item,
    string? TraceId);
