using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Ledger.Api.OpenApi;

/// <summary>Types the parameters that handlers read as text (<see cref="IntegerParameterAttribute"/>,
/// <see cref="UuidParameterAttribute"/>) as what they hold, and describes them (<see cref="System.ComponentModel.DescriptionAttribute"/>).</summary>
internal sealed class LedgerParameterFilter : IParameterFilter
{
    public void Apply(IOpenApiParameter parameter, ParameterFilterContext context)
    {
        if (parameter is not OpenApiParameter concrete)
        {
            return;
        }

        concrete.Description = ContractSchemaFilter.Flatten(
            context.ParameterInfo?.GetCustomAttribute<System.ComponentModel.DescriptionAttribute>()?.Description ?? concrete.Description);
        if (context.ParameterInfo?.GetCustomAttribute<IntegerParameterAttribute>() is { } integer)
        {
            concrete.Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Integer,
                Format = "int32",
                Minimum = integer.Minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Maximum = integer.Maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Default = JsonValue.Create(integer.DefaultValue),
            };
        }
        else if (context.ParameterInfo?.GetCustomAttribute<UuidParameterAttribute>() is not null)
        {
            concrete.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" };
        }
    }
}
