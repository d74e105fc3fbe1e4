using System.Diagnostics;
using Ledger.Api.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Ledger.Api.Tests;

/// <summary>
/// The host never serves with a key anyone could know: outside Development the published development key and keys
/// under 32 characters stop it at start-up; keys configured by name cannot merge with another source by index (a
/// reader key once inherited poster and admin that way); and the published image carries no development settings.
/// </summary>
public sealed class ApiKeyConfigurationTests
{
    private const string Strong = "0123456789abcdef0123456789abcdef";

    public static TheoryData<string, string, string, bool> Keys() => new()
    {
        // environment, key, roles, accepted
        { "Production", Strong, "poster,reader", true },
        { "Production", "ledger-dev-key-change-me", "reader", false },
        { "Production", "sixteen-chars-ok-but-not-32", "reader", false },
        { "Staging", "ledger-dev-key-change-me", "reader", false },
        { "Development", "ledger-dev-key-change-me", "reader,poster,admin", true },
        { "Development", "short", "reader", false },
        { "Production", Strong, "reader,superuser", false },
        { "Production", Strong, "", false },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Validate_KeyByEnvironment(string environment, string key, string roles, bool accepted)
    {
        var options = Bind(new Dictionary<string, string?> { ["Auth:Keys:ops:Key"] = key, ["Auth:Keys:ops:Roles"] = roles });

        var result = new AuthOptionsValidator(Environment(environment)).Validate(null, options);

        Assert.True(result.Succeeded == accepted, $"{environment} {key} [{roles}]: {result.FailureMessage}");
    }

    [Fact]
    public void Validate_TwoKeysWithTheSameSecretOrName_Fail()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Auth:Keys:a:Key"] = Strong, ["Auth:Keys:a:Roles"] = "reader",
            ["Auth:ApiKeys:0:Name"] = "a", ["Auth:ApiKeys:0:Key"] = Strong, ["Auth:ApiKeys:0:Roles:0"] = "reader",
        });

        var result = new AuthOptionsValidator(Environment("Production")).Validate(null, options);

        Assert.False(result.Succeeded);
        Assert.Contains("same name", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("same key", result.FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>A file gives "dev" every role; the environment, a later source, narrows it to reader. By name the later
    /// source replaces the value; by index the roles of both sources would merge (reader, poster, admin).</summary>
    [Fact]
    public void Bind_KeyByNameSetInTwoSources_TheLaterReplacesItsRoles()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:Keys:dev:Key"] = Strong, ["Auth:Keys:dev:Roles"] = "reader,poster,admin" })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:Keys:dev:Roles"] = "reader" })
            .Build();
        var byIndex = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Auth:ApiKeys:0:Name"] = "dev", ["Auth:ApiKeys:0:Key"] = Strong,
                ["Auth:ApiKeys:0:Roles:0"] = "reader", ["Auth:ApiKeys:0:Roles:1"] = "poster", ["Auth:ApiKeys:0:Roles:2"] = "admin",
            })
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:ApiKeys:0:Roles:0"] = "reader" })
            .Build();

        var named = Assert.Single(configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>()!.All);
        var indexed = Assert.Single(byIndex.GetSection(AuthOptions.SectionName).Get<AuthOptions>()!.All);

        Assert.Equal(["reader"], named.Roles);
        Assert.Equal(["reader", "poster", "admin"], indexed.Roles);   // the trap the named form avoids
    }

    [Fact]
    public async Task Host_OutsideDevelopmentWithThePublishedKey_DoesNotStart()
    {
        var servers = await TestServers.GetAsync();
        await using var factory = new ConfiguredApiFactory(await TestDatabase.GetAsync(ApiFactory.DatabaseName), servers.Redis,
            migrateOnStartup: false, extraSettings: new Dictionary<string, string?>
            {
                ["Auth:Keys:leaked:Key"] = "ledger-dev-key-change-me",
                ["Auth:Keys:leaked:Roles"] = "reader",
            });

        var error = Assert.ThrowsAny<Exception>(() => factory.Server);

        var validation = Assert.IsType<OptionsValidationException>(error is OptionsValidationException ? error : error.InnerException);
        Assert.Contains("published development key", validation.Message, StringComparison.Ordinal);
    }

    /// <summary>What the Dockerfile's `dotnet publish` ships has appsettings.json and no development settings.</summary>
    [Fact]
    public async Task Publish_LeavesTheDevelopmentSettingsOut()
    {
        var project = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(ApiProcess.FindHostAssembly())))!)!, "Ledger.Api.csproj");
        var configuration = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(ApiProcess.FindHostAssembly())));
        var output = Directory.CreateTempSubdirectory("ledger-publish-");
        try
        {
            var publish = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "publish", project, "-c", configuration!, "--no-build", "-o", output.FullName, "-nologo", "-v", "quiet" })
            {
                publish.ArgumentList.Add(argument);
            }

            using var process = Process.Start(publish)!;
            var text = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"dotnet publish exited with {process.ExitCode}: {await text}{await errors}");

            Assert.True(File.Exists(Path.Combine(output.FullName, "appsettings.json")), "appsettings.json is missing from the publish output");
            Assert.False(File.Exists(Path.Combine(output.FullName, "appsettings.Development.json")), "appsettings.Development.json is in the publish output");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static AuthOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(AuthOptions.SectionName).Get<AuthOptions>()!;

    private static HostingEnvironment Environment(string name) => new() { EnvironmentName = name };
}
