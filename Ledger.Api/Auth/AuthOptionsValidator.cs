using Microsoft.Extensions.Options;

namespace Ledger.Api.Auth;

/// <summary>
/// Checks the API keys at start-up, so a host never serves with a key anyone could know. Every key needs a name, a
/// secret and known roles; names and secrets are distinct. Outside the Development environment a secret must be at
/// least <see cref="MinimumLength"/> characters (e.g. <c>openssl rand -hex 32</c>) and must not be one published in
/// this repository (the development key of the README, Swagger examples and the compose file).
/// </summary>
internal sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    public const int MinimumLength = 32;
    public const int MinimumDevelopmentLength = 16;

    /// <summary>Keys written in this repository's files: whoever reads them may use them.</summary>
    public static readonly IReadOnlySet<string> Published = new HashSet<string>(StringComparer.Ordinal) { "ledger-dev-key-change-me" };

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var development = environment.IsDevelopment();
        var minimum = development ? MinimumDevelopmentLength : MinimumLength;
        foreach (var key in options.All)
        {
            var who = string.IsNullOrWhiteSpace(key.Name) ? "an Auth key without a name" : $"Auth key '{key.Name}'";
            if (string.IsNullOrWhiteSpace(key.Name) || key.Name.Length > 100)
            {
                failures.Add($"{who}: a name of 1 to 100 characters is required.");
            }

            if (key.Key.Length < minimum)
            {
                failures.Add($"{who}: the key must be at least {minimum} characters{(development ? "" : " outside Development")} (for example `openssl rand -hex 32`).");
            }

            if (!development && Published.Contains(key.Key))
            {
                failures.Add($"{who}: the key is the published development key; it is refused outside Development.");
            }

            if (key.Roles.Count == 0 || !key.Roles.All(Roles.All.Contains))
            {
                failures.Add($"{who}: roles must be one or more of reader, poster, admin (got '{string.Join(",", key.Roles)}').");
            }
        }

        if (options.All.Select(k => k.Name).Distinct(StringComparer.Ordinal).Count() != options.All.Count)
        {
            failures.Add("Two Auth keys have the same name.");
        }

        if (options.All.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count() != options.All.Count)
        {
            failures.Add("Two Auth keys have the same key.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
