using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Ledger.Api.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Api.Tests;

/// <summary>
/// The answer to an exception that reaches the host: a database the ledger could not reach or lost is 503
/// <c>database_unavailable</c> with Retry-After and counts as an outage; a database error that retrying cannot cure
/// (a value out of range, a missing privilege) is a 500 <c>internal_error</c> and does not. A crash of MariaDB once
/// surfaced as a bare SocketException from BeginTransactionAsync and was answered 500.
/// </summary>
public sealed class ExceptionProblemsTests
{
    public static TheoryData<string> Unavailable() => ["socket reset", "I/O error inside a wrapper", "connection refused by a real server"];

    public static TheoryData<string> NotUnavailable() => ["value out of range from a real server", "a plain programmer error"];

    [Theory]
    [MemberData(nameof(Unavailable))]
    public async Task Unavailable_Is503DatabaseUnavailableWithRetryAfterAndCounted(string what)
    {
        var (status, code, retryAfter, counted) = await HandleAsync(await ExceptionAsync(what));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("database_unavailable", code);
        Assert.Equal("1", retryAfter);
        Assert.Equal(1, counted);
    }

    [Theory]
    [MemberData(nameof(NotUnavailable))]
    public async Task NotCurableByRetrying_Is500AndNotCountedAsAnOutage(string what)
    {
        var (status, code, retryAfter, counted) = await HandleAsync(await ExceptionAsync(what));

        Assert.Equal(StatusCodes.Status500InternalServerError, status);
        Assert.Equal("internal_error", code);
        Assert.Null(retryAfter);
        Assert.Equal(0, counted);
    }

    private static async Task<Exception> ExceptionAsync(string what)
    {
        switch (what)
        {
            case "socket reset":
                return new SocketException((int)SocketError.ConnectionReset);
            case "I/O error inside a wrapper":
                return new InvalidOperationException("posting failed", new IOException("Unable to write data to the transport connection"));
            case "a plain programmer error":
                return new InvalidOperationException("a bug");
            case "connection refused by a real server":
                return await RealDatabaseErrors.ConnectionRefusedAsync();
            case "value out of range from a real server":
                return await RealDatabaseErrors.ValueOutOfRangeAsync();
            default:
                throw new ArgumentOutOfRangeException(nameof(what), what, null);
        }
    }

    /// <summary>Runs the host's exception handler on a fresh request and reads what it answered.</summary>
    private static async Task<(int Status, string? Code, string? RetryAfter, long Counted)> HandleAsync(Exception exception)
    {
        var services = new ServiceCollection().AddLogging().AddMetrics().AddProblemDetails().BuildServiceProvider();
        await using var _ = services;
        var meters = services.GetRequiredService<IMeterFactory>();
        using var recorder = new MetricsRecorder(meters);
        var handler = new ExceptionProblems(NullLogger<ExceptionProblems>.Instance, meters);
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Path = "/v1/transfers";
        using var body = new MemoryStream();
        context.Response.Body = body;

        Assert.True(await handler.TryHandleAsync(context, exception, CancellationToken.None));

        using var json = JsonDocument.Parse(body.ToArray());
        var code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        var retryAfter = context.Response.Headers.RetryAfter.Count == 0 ? null : context.Response.Headers.RetryAfter.ToString();
        return (context.Response.StatusCode, code, retryAfter, recorder.Sum("ledger.database.unavailable"));
    }
}
