using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Ledger.Api.Tests;

/// <summary>
/// What a developer who generates a client from docs/openapi.json gets. NSwag (the local dotnet tool of
/// .config/dotnet-tools.json, restored from the machine's package sources) generates a C# client into a temporary
/// folder; GeneratedClient/Program.cs is built against it as a console program (the framework only: the client needs
/// no package) and run against the real host as a process. It posts 90071992547409.93, 16 significant digits that a
/// double cannot hold (a client that types money as double sends ...409.94), and the ledger must store exactly that.
/// </summary>
public sealed class GeneratedClientTests
{
    private const string Amount = "90071992547409.93";
    private const long AmountInCents = 9_007_199_254_740_993;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task NSwagClient_PostsSixteenSignificantDigits_Exactly()
    {
        var work = Directory.CreateTempSubdirectory("ledger-generated-client-");
        try
        {
            var program = await BuildClientProgramAsync(work.FullName);
            // The source account lends the amount: its overdraft limit is above the default cap, so the cap for USD is
            // raised for this host only.
            await using var api = await ApiProcess.StartAsync(
                "client", new Dictionary<string, string>(StringComparer.Ordinal) { ["Ledger:Overdraft:Maximum:USD"] = "99999999999999" });
            var prefix = Ids.Account("gen");

            var output = await RunAsync("dotnet", [program, api.BaseAddress.ToString(), ApiFactory.BankerKey, prefix], work.FullName);

            var seen = Parse(output);
            Assert.Equal(Amount, seen["posted"]);
            Assert.Equal(Amount, seen["replayed"]);
            Assert.Equal(Amount, seen["read"]);
            Assert.Equal(Amount, seen["entry"]);
            Assert.Equal(Amount, seen["destination_balance"]);
            Assert.Equal("-" + Amount, seen["source_balance"]);
            Assert.Matches(@"^422 Insufficient_funds \S+$", seen["refused"]);
            Assert.Equal("401 Unauthorized", seen["unauthorized"]);

            // And the ledger itself, in minor units.
            var id = Guid.Parse(seen["transfer_id"]);
            Assert.Equal(AmountInCents, await ApiCalls.ScalarAsync<long>(api.ConnectionString,
                "SELECT amount FROM ledger_transfers WHERE id = @id", ("@id", id.ToByteArray(bigEndian: true))));
            Assert.Equal(AmountInCents, await ApiCalls.ScalarAsync<long>(api.ConnectionString,
                "SELECT balance FROM accounts WHERE id = @id", ("@id", $"{prefix}-dst")));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Generates the client, puts GeneratedClient/Program.cs beside it and builds both; returns the dll.</summary>
    private static async Task<string> BuildClientProgramAsync(string folder)
    {
        await RunAsync("dotnet", ["tool", "restore"], Repository.Root);
        await RunAsync("dotnet",
        [
            "tool", "run", "nswag", "openapi2csclient",
            $"/input:{Path.Combine(Repository.Root, "docs", "openapi.json")}",
            $"/output:{Path.Combine(folder, "LedgerClient.cs")}",
            "/namespace:Ledger.Generated",
            "/className:LedgerClient",
            "/JsonLibrary:SystemTextJson",
            "/GenerateNullableReferenceTypes:true",
        ], Repository.Root);

        File.Copy(Path.Combine(AppContext.BaseDirectory, "GeneratedClient", "Program.cs"), Path.Combine(folder, "Program.cs"));
        await File.WriteAllTextAsync(Path.Combine(folder, "GeneratedClientCheck.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <!-- Generated code: its warnings are NSwag's, not ours. -->
                <NoWarn>$(NoWarn);CS8618;CS8600;CS8601;CS8602;CS8603;CS8604;CS0108;CS0114;CS0472;CS0612;CS1573;CS1591</NoWarn>
              </PropertyGroup>
            </Project>
            """);
        var output = Path.Combine(folder, "out");
        await RunAsync("dotnet", ["build", "-c", "Release", "-o", output, "--disable-build-servers", "-nologo"], folder);
        return Path.Combine(output, "GeneratedClientCheck.dll");
    }

    private static Dictionary<string, string> Parse(string output)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                seen[line[..equals]] = line[(equals + 1)..];
            }
        }

        foreach (var name in new[] { "transfer_id", "posted", "replayed", "read", "entry", "source_balance", "destination_balance", "refused", "unauthorized" })
        {
            Assert.True(seen.ContainsKey(name), $"The client program printed no '{name}':\n{output}");
        }

        return seen;
    }

    /// <summary>Runs a program to its end in <paramref name="folder"/> and returns its stdout; a non-zero exit or a run
    /// longer than <see cref="StepTimeout"/> fails the test with its output. MSBuild's variables of the test run
    /// (set by <c>dotnet test</c>) are not passed on, so the nested build is a build of its own.</summary>
    private static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, string folder)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StepTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Describe(info)} did not finish within {StepTimeout}:\n{await error}{await output}");
        }

        Assert.True(process.ExitCode == 0, $"{Describe(info)} exited with {process.ExitCode}:\n{await error}{await output}");
        return await output;
    }

    private static string Describe(ProcessStartInfo info) =>
        new StringBuilder(info.FileName).Append(' ').AppendJoin(' ', info.ArgumentList).ToString();
}
