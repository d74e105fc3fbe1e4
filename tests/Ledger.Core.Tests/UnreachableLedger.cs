using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Core.Tests;

/// <summary>
/// A real <see cref="ILedger"/> built through <c>AddLedger</c> whose database cannot be reached (port 1 on the loopback
/// refuses at once) and with no cache: whatever passes validation fails with a <see cref="LedgerUnavailableException"/>, so a test can
/// tell a validation refusal from a request that got as far as the database.
/// </summary>
internal sealed class UnreachableLedger : IDisposable
{
    /// <summary>The fake clock's now: whole microseconds, as the ledger keeps time to the microsecond.</summary>
    public static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    public const string ConnectionString =
        "Server=127.0.0.1;Port=1;Database=ledger_none;User ID=x;Password=y;Connection Timeout=1";

    private readonly ServiceProvider _provider;

    public UnreachableLedger(DateTimeOffset? now = null)
    {
        Time = new FakeTimeProvider(now ?? Now);
        _provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(Time)
            .AddLedger(options =>
            {
                options.ConnectionString = ConnectionString;
                // Retry delays run on the fake clock, which never advances by itself: no retries, no hang.
                options.Retry.MaxRetries = 0;
            })
            .BuildServiceProvider();
        Ledger = _provider.GetRequiredService<ILedger>();
    }

    public FakeTimeProvider Time { get; }

    public ILedger Ledger { get; }

    public void Dispose() => _provider.Dispose();
}
