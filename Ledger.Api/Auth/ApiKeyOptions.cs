using System.ComponentModel.DataAnnotations;

namespace Ledger.Api.Auth;

/// <summary>
/// The API keys the host accepts, in two forms that may be mixed:
/// <list type="bullet">
/// <item>by name (preferred): <c>Auth:Keys:NAME:Key</c> and <c>Auth:Keys:NAME:Roles</c> (comma-separated, e.g.
/// <c>poster,reader</c>); one setting per value, so a key set in an environment variable replaces what a JSON file
/// says of the same name instead of merging with it;</item>
/// <item>by index (accepted for all of v1): <c>Auth:ApiKeys:N:Name</c>, <c>:Key</c>, <c>:Roles:M</c>. Configuration
/// merges arrays by index across sources, so an index set in two places combines both (a reader key once inherited
/// another's poster and admin roles this way): keep each index in one source.</item>
/// </list>
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    private List<ApiKeyOptions>? _all;

    /// <summary>Keys by index.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Keys by name.</summary>
    public Dictionary<string, NamedApiKeyOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every accepted key, both forms together. With none, every request that needs a key is refused.</summary>
    public IReadOnlyList<ApiKeyOptions> All => _all ??=
    [
        .. ApiKeys,
        .. Keys.Select(named => new ApiKeyOptions
        {
            Name = named.Key,
            Key = named.Value.Key,
            Roles = [.. named.Value.Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
        }),
    ];
}

/// <summary>One API key, by index.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Who holds the key; recorded as <c>posted_by</c> and as the actor of audit rows.</summary>
    [Required(AllowEmptyStrings = false)]
    [StringLength(100)]
    public string Name { get; set; } = string.Empty;

    /// <summary>The secret sent in the <c>X-Api-Key</c> header (see <see cref="AuthOptionsValidator"/> for its length).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Key { get; set; } = string.Empty;

    /// <summary>Any of <c>reader</c> (every GET), <c>poster</c> (create accounts, post transfers), <c>admin</c>.</summary>
    public List<string> Roles { get; set; } = [];
}

/// <summary>One API key, by name (the configuration key is its name).</summary>
public sealed class NamedApiKeyOptions
{
    /// <summary>The secret sent in the <c>X-Api-Key</c> header.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>Comma-separated roles: <c>reader</c>, <c>poster</c>, <c>admin</c>.</summary>
    public string Roles { get; set; } = string.Empty;
}

/// <summary>The roles and the policies named after them.</summary>
public static class Roles
{
    public const string Reader = "reader";
    public const string Poster = "poster";
    public const string Admin = "admin";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Reader, Poster, Admin };
}
