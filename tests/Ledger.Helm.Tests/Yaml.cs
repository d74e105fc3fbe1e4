using System.Globalization;

namespace Ledger.Helm.Tests;

/// <summary>Navigation over the YAML trees YamlDotNet deserializes into (maps of object, lists, string scalars).</summary>
public static class Yaml
{
    /// <summary>The node at a dotted path ("spec.template.spec"); list items by index ("containers.0"); null when absent.</summary>
    public static object? At(this object? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node switch
            {
                Dictionary<object, object> map => map.TryGetValue(part, out var v) ? v : null,
                List<object> list when int.TryParse(part, CultureInfo.InvariantCulture, out var i) && i < list.Count => list[i],
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }
        return node;
    }

    public static string Str(this object? node, string path) =>
        node.At(path) as string ?? throw new Xunit.Sdk.XunitException($"no scalar at {path}");

    public static int Number(this object? node, string path) => int.Parse(node.Str(path), CultureInfo.InvariantCulture);

    public static Dictionary<object, object> Map(this object? node, string path) =>
        node.At(path) as Dictionary<object, object> ?? throw new Xunit.Sdk.XunitException($"no map at {path}");

    public static List<object> List(this object? node, string path) =>
        node.At(path) as List<object> ?? throw new Xunit.Sdk.XunitException($"no list at {path}");

    /// <summary>Structural equality: maps regardless of key order, lists in order, scalars as strings.</summary>
    public static bool DeepEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (Dictionary<object, object> x, Dictionary<object, object> y) =>
            x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && DeepEquals(kv.Value, v)),
        (List<object> x, List<object> y) => x.Count == y.Count && x.Zip(y).All(p => DeepEquals(p.First, p.Second)),
        (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
        _ => false,
    };
}
