using Ledger.Api.Auth;
using Ledger.Api.OpenApi;
using Microsoft.OpenApi;

namespace Ledger.Api;

/// <summary>Swagger UI at /swagger with an Authorize button for the API key and example bodies from the XML docs.</summary>
internal static class SwaggerSetup
{
    private const string SchemeId = "ApiKey";

    public static IServiceCollection AddLedgerSwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Ledger API",
                Version = "v1",
                Description =
                    "A double-entry ledger. Amounts are in major units (125.50 USD); transfers are posted atomically " +
                    "and exactly once per id. Errors are problem+json with a stable `code`. Press **Authorize** and " +
                    "enter an API key (the development key is in the README).",
            });
            options.AddSecurityDefinition(SchemeId, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "The API key, sent in the X-Api-Key header.",
            });
            options.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(SchemeId, document)] = [],
            });
            options.IncludeXmlComments(typeof(SwaggerSetup).Assembly, includeControllerXmlComments: false);
            // Money is exact: a JSON number that generators type as decimal, never as a binary float (ADR 0015).
            options.MapType<decimal>(() => new OpenApiSchema { Type = JsonSchemaType.Number, Format = "decimal" });
            options.SchemaFilter<ContractSchemaFilter>();
            options.ParameterFilter<LedgerParameterFilter>();
            options.OperationFilter<LedgerOperationFilter>();
        });
        return services;
    }

    /// <summary>Swagger UI and the OpenAPI document, where <see cref="Infrastructure.ApiOptions.SwaggerEnabled"/> says
    /// (by default in Development only). The key typed into Authorize is not persisted in the browser's storage.</summary>
    public static WebApplication UseLedgerSwagger(this WebApplication app)
    {
        var enabled = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Infrastructure.ApiOptions>>().Value.SwaggerEnabled
                      ?? app.Environment.IsDevelopment();
        if (!enabled)
        {
            return app;
        }

        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "Ledger API v1");
            options.DocumentTitle = "Ledger API";
            options.DisplayRequestDuration();
        });
        return app;
    }
}
