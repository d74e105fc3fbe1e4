using System.Globalization;
using MySqlConnector;

namespace Ledger.Api.Tests.Infrastructure;

/// <summary>The requests and checks the transfer, transaction, reversal, overdraft and idempotency tests share.</summary>
public static class ApiCalls
{
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const string ProblemJson = "application/problem+json";

    /// <summary>The body of a transfer with an id, two accounts and an amount in major units.</summary>
    public static string TransferJson(Guid id, string source, string destination, decimal amount) =>
        JsonSerializer.Serialize(new { id, sourceAccountId = source, destinationAccountId = destination, amount });

    public static Task<HttpResponseMessage> PostTransferAsync(HttpClient client, Guid id, string source, string destination, decimal amount) =>
        ApiFactory.PostJsonAsync(client, "/v1/transfers", TransferJson(id, source, destination, amount));

    /// <summary>POST /v1/transfers/{transferId}/reversal, with <paramref name="json"/> as the body, or no body at all
    /// (no content, no Content-Type) when it is null.</summary>
    public static Task<HttpResponseMessage> ReverseAsync(HttpClient client, string transferId, string? json = null) =>
        PostOptionalJsonAsync(client, $"/v1/transfers/{transferId}/reversal", json);

    public static Task<HttpResponseMessage> ReverseAsync(HttpClient client, Guid transferId, string? json = null) =>
        ReverseAsync(client, transferId.ToString(), json);

    /// <summary>The body of a transaction with an id and legs of accounts and signed amounts in major units.</summary>
    public static string TransactionJson(Guid id, params (string AccountId, decimal Amount)[] legs) =>
        JsonSerializer.Serialize(new { id, legs = legs.Select(l => new { accountId = l.AccountId, amount = l.Amount }) });

    public static Task<HttpResponseMessage> PostTransactionAsync(HttpClient client, string json) =>
        ApiFactory.PostJsonAsync(client, "/v1/transactions", json);

    public static Task<HttpResponseMessage> PostTransactionAsync(HttpClient client, Guid id, params (string AccountId, decimal Amount)[] legs) =>
        PostTransactionAsync(client, TransactionJson(id, legs));

    /// <summary>POST /v1/transactions/{transactionId}/reversal, with <paramref name="json"/> as the body, or no body at
    /// all when it is null.</summary>
    public static Task<HttpResponseMessage> ReverseTransactionAsync(HttpClient client, string transactionId, string? json = null) =>
        PostOptionalJsonAsync(client, $"/v1/transactions/{transactionId}/reversal", json);

    public static Task<HttpResponseMessage> ReverseTransactionAsync(HttpClient client, Guid transactionId, string? json = null) =>
        ReverseTransactionAsync(client, transactionId.ToString(), json);

    /// <summary>PATCH /v1/accounts/{accountId} with <paramref name="json"/> (no body when null), optionally sending
    /// <paramref name="correlationId"/> as X-Correlation-ID.</summary>
    /// <summary>PATCH /v1/accounts/{id}; <paramref name="ifMatch"/>, when given, is sent as If-Match exactly as written
    /// (unvalidated, so malformed values reach the host).</summary>
    public static async Task<HttpResponseMessage> PatchAccountAsync(
        HttpClient client, string accountId, string? json, string? correlationId = null, string? ifMatch = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/v1/accounts/{Uri.EscapeDataString(accountId)}", UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        if (correlationId is not null)
        {
            request.Headers.Add(ApiFactory.CorrelationHeader, correlationId);
        }

        if (ifMatch is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("If-Match", ifMatch));
        }

        return await client.SendAsync(request);
    }

    /// <summary>POST <paramref name="json"/> to <paramref name="path"/>, or nothing (no content, no Content-Type) when it is null.</summary>
    private static async Task<HttpResponseMessage> PostOptionalJsonAsync(HttpClient client, string path, string? json)
    {
        ArgumentNullException.ThrowIfNull(client);
        return json is null
            ? await client.PostAsync(new Uri(path, UriKind.Relative), content: null)
            : await ApiFactory.PostJsonAsync(client, path, json);
    }

    /// <summary>True when the response carries exactly <c>Idempotent-Replayed: true</c>; false when it has no such
    /// header; a failed assertion for anything else.</summary>
    public static bool IsReplayed(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!response.Headers.TryGetValues(ReplayedHeader, out var values))
        {
            return false;
        }

        Assert.Equal("true", Assert.Single(values));
        return true;
    }

    /// <summary>Asserts a problem+json answer with <paramref name="status"/> and <paramref name="code"/> (and, when
    /// given, an <c>errors</c> entry naming <paramref name="field"/>), and returns its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var description = await ApiFactory.DescribeAsync(response);
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {description}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var body = await ApiFactory.ReadJsonAsync(response);
        Assert.True(body.TryGetProperty("code", out var actual) && actual.GetString() == code, $"expected code {code}: {description}");
        if (field is not null)
        {
            Assert.True(
                body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object && errors.TryGetProperty(field, out _),
                $"expected errors naming {field}: {description}");
        }

        return body;
    }

    /// <summary>Asserts <paramref name="expected"/> (201 or 200) and returns the transfer in the body.</summary>
    public static async Task<JsonElement> AssertTransferAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        ArgumentNullException.ThrowIfNull(response);
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {await ApiFactory.DescribeAsync(response)}");
        return await ApiFactory.ReadJsonAsync(response);
    }

    /// <summary>Asserts <paramref name="expected"/> (201 or 200) and returns the transaction in the body.</summary>
    public static Task<JsonElement> AssertTransactionAsync(HttpResponseMessage response, HttpStatusCode expected) =>
        AssertTransferAsync(response, expected);

    /// <summary>One value read directly from the database.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(result!, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>How many transfers reverse <paramref name="transferId"/> (0 or 1), read directly.</summary>
    public static Task<long> CountReversalsAsync(string connectionString, Guid transferId) =>
        ScalarAsync<long>(connectionString, "SELECT COUNT(*) FROM transactions WHERE reversal_of = @id", ("@id", transferId.ToByteArray(bigEndian: true)));
}
