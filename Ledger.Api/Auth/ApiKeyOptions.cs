using System.ComponentModel.DataAnnotations;

namespace Ledger.Api.Auth;

/// <summary>The API keys the host accepts (<c>Auth:ApiKeys:N:Name</c>, <c>:Key</c>, <c>:Roles</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The accepted keys. With none, every request that needs a key is refused.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
}

/// <summary>One API key.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Who holds the key; recorded as <c>posted_by</c> and as the actor of audit rows.</summary>
    [Required(AllowEmptyStrings = false)]
    [StringLength(100)]
    public string Name { get; set; } = string.Empty;

    /// <summary>The secret sent in the <c>X-Api-Key</c> header; at least 16 characters.</summary>
    [Required(AllowEmptyStrings = false)]
    [MinLength(16)]
    public string Key { get; set; } = string.Empty;

    /// <summary>Any of <c>reader</c> (every GET), <c>poster</c> (create accounts, post transfers), <c>admin</c>.</summary>
    public List<string> Roles { get; set; } = [];
}

/// <summary>The roles and the policies named after them.</summary>
public static class Roles
{
    public const string Reader = "reader";
    public const string Poster = "poster";
    public const string Admin = "admin";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Reader, Poster, Admin };
}
