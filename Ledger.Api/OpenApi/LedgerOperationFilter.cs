using System.Globalization;
using System.Text.Json.Nodes;
using Ledger.Api.Contracts;
using Ledger.Api.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Ledger.Api.OpenApi;

/// <summary>
/// The one place that decides which problem responses and headers an operation documents. From the endpoint's
/// metadata:
/// <list type="bullet">
/// <item>every operation: 400 <c>validation_failed</c> (a malformed path, query or body), 500 <c>internal_error</c>
/// and 503 <c>database_unavailable</c> (every operation reads or writes the database); 415 where it takes a body;</item>
/// <item>an operation that needs a role (RequireAuthorization): 401 <c>unauthorized</c> (no key, or a wrong one),
/// 403 <c>forbidden</c>, and 429 <c>too_many_failed_authentications</c> (the address presented too many wrong keys);</item>
/// <item>an operation under the posting limit (<see cref="Overload.LimitPosting"/>): 429 <c>overloaded</c> (the key's
/// share) and 503 <c>overloaded</c> (the host's);</item>
/// <item>what the endpoint declares with <see cref="EndpointDocumentation"/>: the ledger refusals its handler passes
/// on and its own problems, and the headers it sets.</item>
/// </list>
/// Each problem response is a <see cref="LedgerProblem"/> whose description lists the codes it can carry. Every
/// response documents X-Correlation-ID; 201 documents Location; 429 and 503 document Retry-After. A request body is
/// required when its type has a required property.
/// </summary>
internal sealed class LedgerOperationFilter : IOperationFilter
{
    private const string ProblemContentType = "application/problem+json";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var problems = new List<ProblemOutcome> { new(StatusCodes.Status400BadRequest, Problems.ValidationFailed) };
        if (operation.RequestBody is not null)
        {
            problems.Add(new(StatusCodes.Status415UnsupportedMediaType, Problems.ValidationFailed));
        }

        if (metadata.OfType<IAuthorizeData>().Any())
        {
            problems.Add(new(StatusCodes.Status401Unauthorized, Problems.Unauthorized));
            problems.Add(new(StatusCodes.Status403Forbidden, Problems.Forbidden));
            problems.Add(new(StatusCodes.Status429TooManyRequests, KeyLimits.TooManyFailedAuthentications));
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any(a => a.PolicyName == Overload.PostingPolicy))
        {
            var overloaded = LedgerError.ToCodeName(LedgerErrorCode.Overloaded);
            problems.Add(new(StatusCodes.Status429TooManyRequests, overloaded));
            problems.Add(new(StatusCodes.Status503ServiceUnavailable, overloaded));
        }

        problems.AddRange(metadata.OfType<ProblemOutcome>());
        problems.Add(new(StatusCodes.Status500InternalServerError, Problems.DatabaseMisconfigured));
        problems.Add(new(StatusCodes.Status500InternalServerError, Problems.InternalError));
        problems.Add(new(StatusCodes.Status503ServiceUnavailable, Problems.DatabaseUnavailable));

        operation.Responses ??= [];
        var problemSchema = context.SchemaGenerator.GenerateSchema(typeof(LedgerProblem), context.SchemaRepository);
        foreach (var status in problems.GroupBy(p => p.Status))
        {
            var codes = status.Select(p => p.Code).Distinct(StringComparer.Ordinal).ToList();
            operation.Responses[status.Key.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = $"{ReasonPhrases.GetReasonPhrase(status.Key)}: " +
                              string.Join("; ", codes.Select(c => $"`{c}` ({Problems.TitleOf(c)})")),
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    [ProblemContentType] = new() { Schema = problemSchema },
                },
            };
        }

        Sort(operation.Responses);
        foreach (var (key, response) in operation.Responses)
        {
            var status = int.Parse(key, CultureInfo.InvariantCulture);
            if (status == StatusCodes.Status201Created)
            {
                AddHeader(context.Document, response, new ResponseHeader("Location", "The address of what was created.", []), format: "uri-reference");
            }

            if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
            {
                AddHeader(context.Document, response,
                    new ResponseHeader("Retry-After", "Seconds to wait before sending the same request again.", []), JsonSchemaType.Integer);
            }

            foreach (var header in metadata.OfType<ResponseHeader>().Where(h => h.Statuses.Contains(status)))
            {
                AddHeader(context.Document, response, header);
            }

            AddHeader(context.Document, response, new ResponseHeader(CorrelationId.HeaderName,
                "The request's correlation id: the one the request sent, when it is 1-64 of A-Z, a-z, 0-9 and ._:-, or else a new one.", []));
        }

        if (operation.RequestBody is OpenApiRequestBody body &&
            context.ApiDescription.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body) is { } bodyParameter)
        {
            body.Required = ContractSchemaFilter.HasRequiredProperty(bodyParameter.Type);
        }
    }

    private static void Sort(OpenApiResponses responses)
    {
        var sorted = responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        responses.Clear();
        foreach (var (key, response) in sorted)
        {
            responses[key] = response;
        }
    }

    /// <summary>Each header is described once, under components/headers, and referred to from each response.</summary>
    private static void AddHeader(
        OpenApiDocument document, IOpenApiResponse response, ResponseHeader header, JsonSchemaType type = JsonSchemaType.String,
        string? format = null)
    {
        if (response is not OpenApiResponse concrete)
        {
            return;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal);
        document.Components.Headers.TryAdd(header.Name, new OpenApiHeader
        {
            Description = header.Description,
            Schema = new OpenApiSchema
            {
                Type = type,
                Format = format,
                Enum = header.Values is null ? null : [.. header.Values.Select(v => (JsonNode)JsonValue.Create(v))],
            },
        });
        concrete.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal);
        concrete.Headers[header.Name] = new OpenApiHeaderReference(header.Name, document);
    }
}
