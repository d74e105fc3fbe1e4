using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ledger.Api.Tests;

/// <summary>
/// The committed OpenAPI document, docs/openapi.json, is what the API serves at /swagger/v1/swagger.json. The served
/// document is normalised (parsed and written again indented, with LF line endings and a final newline) and compared
/// with the file; when they differ the test fails and says how to regenerate it: run the tests with
/// <c>LEDGER_UPDATE_OPENAPI=1</c>, which writes the file instead (and passes). Nothing is dropped: the document holds
/// no server URL or other value that varies between runs, and it is the same in every environment (checked below).
/// </summary>
public sealed class OpenApiDocumentTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    public const string UpdateVariable = "LEDGER_UPDATE_OPENAPI";
    private const string DocumentPath = "/swagger/v1/swagger.json";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        NewLine = "\n",
        // A file for people and diff tools, never embedded in HTML: keep backticks, quotes and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [Fact]
    public async Task SwaggerJson_IsTheCommittedDocsOpenApiJson()
    {
        var served = await FetchNormalisedAsync(factory);
        var file = Path.Combine(Repository.Root, "docs", "openapi.json");

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(file, served, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return;
        }

        Assert.True(File.Exists(file), $"{file} does not exist. Run the tests with {UpdateVariable}=1 to write it.");
        var committed = (await File.ReadAllTextAsync(file)).ReplaceLineEndings("\n");
        Assert.True(
            string.Equals(committed, served, StringComparison.Ordinal),
            $"docs/openapi.json differs from the document the API serves at {DocumentPath} ({FirstDifference(committed, served, "the file", "the API")}). " +
            $"If the API change is intended, regenerate the file with " +
            $"`{UpdateVariable}=1 dotnet test tests/Ledger.Api.Tests --filter FullyQualifiedName~OpenApi` and commit it.");
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task SwaggerJson_IsTheSameInEveryEnvironment(string environment)
    {
        var testing = await FetchNormalisedAsync(factory);
        await using var other = factory.WithWebHostBuilder(builder => builder.UseEnvironment(environment));

        var served = await FetchNormalisedAsync(other);

        Assert.True(
            string.Equals(testing, served, StringComparison.Ordinal),
            $"The OpenAPI document in {environment} differs from the one in Testing ({FirstDifference(testing, served, "Testing", environment)}).");
    }

    [Fact]
    public async Task SwaggerJson_TypesEveryNumberThatIsNotAnIntegerAsDecimal()
    {
        var document = await FetchAsync(factory);

        var numbers = Descendants(document).OfType<JsonObject>()
            .Where(o => o["type"] is JsonValue type && type.GetValueKind() == JsonValueKind.String && type.GetValue<string>() == "number")
            .Select(o => o["format"]?.GetValue<string>())
            .ToList();

        Assert.NotEmpty(numbers);
        Assert.All(numbers, format => Assert.Equal("decimal", format));
    }

    [Fact]
    public async Task SwaggerJson_EveryOperationDocumentsTheKeyAndOutageProblems()
    {
        var document = await FetchAsync(factory);

        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in operations!.AsObject())
            {
                var responses = operation!["responses"]!.AsObject();
                foreach (var status in new[] { "400", "401", "403", "429", "500", "503" })
                {
                    Assert.True(responses.ContainsKey(status), $"{method} {path} documents no {status}.");
                    Assert.Equal("#/components/schemas/LedgerProblem",
                        responses[status]!["content"]!["application/problem+json"]!["schema"]!["$ref"]!.GetValue<string>());
                    Assert.NotNull(responses[status]!["headers"]!["X-Correlation-ID"]);
                }

                Assert.NotNull(responses["429"]!["headers"]!["Retry-After"]);
                Assert.NotNull(responses["503"]!["headers"]!["Retry-After"]);
            }
        }
    }

    [Fact]
    public async Task ProblemCodes_IncludeEveryLedgerErrorCode()
    {
        var document = await FetchAsync(factory);
        var codes = document["components"]!["schemas"]!["LedgerProblem"]!["properties"]!["code"]!["enum"]!.AsArray()
            .Select(c => c!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

        Assert.All(Enum.GetValues<LedgerErrorCode>(), code => Assert.Contains(LedgerError.ToCodeName(code), codes));
    }

    /// <summary>The problems the host writes (the framework's, the key handler's, the endpoints') have the properties
    /// the document's LedgerProblem has, its required ones included, and a code from its list.</summary>
    [Theory]
    [InlineData("GET", "/v1/accounts/x", null, null, 401)]
    [InlineData("GET", "/v1/accounts/no-such-account", ApiFactory.ReaderKey, null, 404)]
    [InlineData("GET", "/v1/accounts/x/entries?limit=many", ApiFactory.ReaderKey, null, 400)]
    [InlineData("POST", "/v1/transfers", ApiFactory.ReaderKey, "{}", 403)]
    [InlineData("POST", "/v1/transfers", ApiFactory.PosterKey, "{\"amount\": 1}", 400)]
    [InlineData("POST", "/v1/transfers", ApiFactory.PosterKey, "{\"sourceAccountId\": \"no-a\", \"destinationAccountId\": \"no-b\", \"amount\": 1}", 422)]
    [InlineData("GET", "/v1/nothing-here", ApiFactory.ReaderKey, null, 404)]
    public async Task ProblemBodies_AreLedgerProblems(string method, string path, string? key, string? json, int status)
    {
        var schema = (await FetchAsync(factory))["components"]!["schemas"]!["LedgerProblem"]!;
        var properties = schema["properties"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var codes = schema["properties"]!["code"]!["enum"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        using var client = factory.CreateClient(key);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.All(body.Select(p => p.Key), name => Assert.Contains(name, properties));
        Assert.All(schema["required"]!.AsArray(), name => Assert.True(body.ContainsKey(name!.GetValue<string>()), $"The body lacks {name}: {body}"));
        Assert.Contains(body["code"]!.GetValue<string>(), codes);
        Assert.Equal(status, body["status"]!.GetValue<int>());
    }

    private static async Task<JsonNode> FetchAsync(ApiFactory host) => JsonNode.Parse(await FetchNormalisedAsync(host))!;

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }

    /// <summary>GET /swagger/v1/swagger.json (no API key needed), parsed and written again indented with LF.</summary>
    private static async Task<string> FetchNormalisedAsync<TEntryPoint>(WebApplicationFactory<TEntryPoint> host)
        where TEntryPoint : class
    {
        using var client = host.CreateClient();
        using var response = await client.GetAsync(new Uri(DocumentPath, UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(response));
        var node = JsonNode.Parse(await response.Content.ReadAsStringAsync())
            ?? throw new InvalidOperationException($"{DocumentPath} is JSON null.");
        return node.ToJsonString(Indented) + "\n";
    }


    /// <summary>The first line that differs, for the failure message.</summary>
    private static string FirstDifference(string expected, string actual, string expectedName, string actualName)
    {
        var left = expected.Split('\n');
        var right = actual.Split('\n');
        for (var i = 0; i < Math.Max(left.Length, right.Length); i++)
        {
            var a = i < left.Length ? left[i] : "<end of file>";
            var b = i < right.Length ? right[i] : "<end of file>";
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                return $"first difference at line {i + 1}: {expectedName} has `{a.Trim()}`, {actualName} has `{b.Trim()}`";
            }
        }

        return "no line differs";
    }
}
