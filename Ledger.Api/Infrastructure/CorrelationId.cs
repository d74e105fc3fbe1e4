using System.Text.RegularExpressions;

namespace Ledger.Api.Infrastructure;

/// <summary>Takes <c>X-Correlation-ID</c> from the request (or makes one), returns it on the response, puts it in
/// the logging scope of every line of the request, and hands it to the ledger for the transfer row.</summary>
internal sealed partial class CorrelationId(RequestDelegate next, ILogger<CorrelationId> logger)
{
    public const string HeaderName = "X-Correlation-ID";
    private static readonly object ItemKey = new();

    public static string? Get(HttpContext context) => context.Items.TryGetValue(ItemKey, out var value) ? value as string : null;

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        // A caller's id is kept only when it is short and plain, so it is safe in logs and fits the column.
        var correlationId = Acceptable().IsMatch(incoming) ? incoming : Guid.CreateVersion7().ToString("N");
        context.Items[ItemKey] = correlationId;
        context.TraceIdentifier = correlationId;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = correlationId;
            return Task.CompletedTask;
        });

        using (logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = correlationId }))
        {
            await next(context);
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9._:\-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Acceptable();
}
