namespace Ledger.Api.OpenApi;

/// <summary>The OpenAPI document types this query parameter as an integer from <see cref="Minimum"/> to
/// <see cref="Maximum"/>. The handler reads it as text and parses it itself, so that a bad value is answered
/// 400 <c>validation_failed</c> naming the parameter rather than as a binding failure.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class IntegerParameterAttribute(int minimum, int maximum, int defaultValue) : Attribute
{
    public int Minimum { get; } = minimum;

    public int Maximum { get; } = maximum;

    public int DefaultValue { get; } = defaultValue;
}

/// <summary>The OpenAPI document types this path parameter as a UUID. The handler reads it as text and parses it itself,
/// so that a bad value is answered 400 <c>validation_failed</c> naming the parameter.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class UuidParameterAttribute : Attribute;
