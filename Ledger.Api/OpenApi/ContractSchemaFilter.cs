using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ledger.Api.Contracts;
using Ledger.Api.Infrastructure;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Ledger.Api.OpenApi;

/// <summary>
/// Makes the schemas of the request and response contracts say what the host does:
/// <list type="bullet">
/// <item>a property is required when its C# type is not nullable (the server always writes it, and never as null) or
/// when it carries <see cref="System.ComponentModel.DataAnnotations.RequiredAttribute"/> (a request field the handler
/// refuses to go without); only the other properties are nullable;</item>
/// <item>the problem's <c>code</c> lists the stable codes of <see cref="Problems.Codes"/>;</item>
/// <item>descriptions taken from XML docs lose the line breaks and indentation of the source.</item>
/// </list>
/// </summary>
internal sealed partial class ContractSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema concrete)
        {
            return;
        }

        concrete.Description = Flatten(concrete.Description);
        if (concrete.Properties is null || context.Type.Namespace != typeof(LedgerProblem).Namespace)
        {
            return;
        }

        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (!concrete.Properties.TryGetValue(name, out var propertySchema))
            {
                continue;
            }

            var required = IsRequired(property);
            if (required)
            {
                concrete.Required ??= new HashSet<string>(StringComparer.Ordinal);
                concrete.Required.Add(name);
            }

            if (propertySchema is OpenApiSchema propertySchemaToChange)
            {
                propertySchemaToChange.Description = Flatten(propertySchemaToChange.Description);
                if (propertySchemaToChange.Type is { } type)
                {
                    propertySchemaToChange.Type = required ? type & ~JsonSchemaType.Null : type | JsonSchemaType.Null;
                }
            }
        }

        if (context.Type == typeof(LedgerProblem) && concrete.Properties.TryGetValue("code", out var code) && code is OpenApiSchema codeSchema)
        {
            codeSchema.Enum = [.. Problems.Codes.Select(c => (JsonNode)JsonValue.Create(c.Code))];
        }
    }

    /// <summary>Required: not nullable in C#, or marked [Required].</summary>
    internal static bool IsRequired(PropertyInfo property) =>
        property.IsDefined(typeof(System.ComponentModel.DataAnnotations.RequiredAttribute)) ||
        new NullabilityInfoContext().Create(property).ReadState != NullabilityState.Nullable;

    /// <summary>True when a body of <paramref name="type"/> has a required property, so the body cannot be left out.</summary>
    internal static bool HasRequiredProperty(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(IsRequired);

    /// <summary>One line: the XML doc's line breaks and indentation become single spaces.</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    internal static string? Flatten(string? text) => text is null ? null : LineBreak().Replace(text, " ").Trim();

    [GeneratedRegex(@"[ \t]*\r?\n[ \t]*", RegexOptions.CultureInvariant)]
    private static partial Regex LineBreak();
}
