using System.Text.RegularExpressions;

namespace Ledger.Api.Infrastructure;

/// <summary>Takes <c>X-Correlation-ID</c> from the request (or makes one), returns it on the response, puts it in
/// the logging scope of every line of the request, and hands it to the ledger for the transfer row. An endpoint that
/// handles one transfer names it with <see cref="SetTransferId"/>; from then on the request's lines carry
/// <c>TransferId</c> too (including the exception handler's, which runs inside this scope).</summary>
internal sealed partial class CorrelationId(RequestDelegate next, ILogger<CorrelationId> logger)
{
    public const string HeaderName = "X-Correlation-ID";
    private static readonly object ItemKey = new();
    private static readonly object ScopeKey = new();

    public static string? Get(HttpContext context) => context.Items.TryGetValue(ItemKey, out var value) ? value as string : null;

    /// <summary>Adds <c>TransferId</c> to the logging scope of the rest of the request.</summary>
    public static void SetTransferId(HttpContext context, Guid transferId)
    {
        if (context.Items.TryGetValue(ScopeKey, out var scope) && scope is RequestLogScope requestScope)
        {
            requestScope.TransferId = transferId.ToString();
        }
    }

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

        var scope = new RequestLogScope(correlationId);
        context.Items[ScopeKey] = scope;
        using (logger.BeginScope(scope))
        {
            await next(context);
        }
    }

    /// <summary>The key/value pairs a log line of the request carries, read when each line is written.</summary>
    private sealed class RequestLogScope(string correlationId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string? TransferId { get; set; }

        public int Count => TransferId is null ? 1 : 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("CorrelationId", correlationId),
            1 when TransferId is { } transferId => new("TransferId", transferId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() =>
            TransferId is { } transferId ? $"CorrelationId:{correlationId} TransferId:{transferId}" : $"CorrelationId:{correlationId}";
    }

    [GeneratedRegex(@"^[A-Za-z0-9._:\-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Acceptable();
}
