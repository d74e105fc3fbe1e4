using Microsoft.Extensions.Options;

namespace Ledger.Core.Tests;

/// <summary>
/// The durations of the cache's circuit breaker, the outbox sweeper and the batcher (the rows
/// <see cref="LedgerOptionsValidatorTests"/> does not hold): just outside each bound the host must refuse to start
/// with a failure naming the setting; exactly on each bound it must start.
/// </summary>
public sealed class LedgerOptionsValidatorDurationTests
{
    private const string ConnectionString = "Server=127.0.0.1;Port=3306;Database=ledger;User ID=ledger;Password=secret";

    private static ValidateOptionsResult Validate(Action<LedgerOptions> change)
    {
        var options = new LedgerOptions { ConnectionString = ConnectionString };
        change(options);
        return new LedgerOptionsValidator().Validate(Options.DefaultName, options);
    }

    private static readonly Dictionary<string, (Action<LedgerOptions> Break, string Named)> InvalidDurations = new(StringComparer.Ordinal)
    {
        ["BreakDuration 499 ms"] = (o => o.Cache.BreakDuration = TimeSpan.FromMilliseconds(499), "Ledger:Cache:BreakDuration"),
        ["BreakDuration 5 min + 1 tick"] = (o => o.Cache.BreakDuration = TimeSpan.FromMinutes(5).Add(TimeSpan.FromTicks(1)), "Ledger:Cache:BreakDuration"),
        ["SweepInterval 0"] = (o => o.Outbox.SweepInterval = TimeSpan.Zero, "SweepInterval"),
        ["SweepInterval negative"] = (o => o.Outbox.SweepInterval = TimeSpan.FromSeconds(-1), "SweepInterval"),
        ["SweepInterval 5 min + 1 tick"] = (o =>
        {
            o.Outbox.SweepInterval = TimeSpan.FromMinutes(5).Add(TimeSpan.FromTicks(1));
            o.Outbox.MaxBackoff = TimeSpan.FromMinutes(10);
        }, "SweepInterval"),
        ["MaxBackoff below SweepInterval"] = (o =>
        {
            o.Outbox.SweepInterval = TimeSpan.FromSeconds(10);
            o.Outbox.MaxBackoff = TimeSpan.FromSeconds(9);
        }, "MaxBackoff"),
        ["Retention 59 s"] = (o => o.Outbox.Retention = TimeSpan.FromSeconds(59), "Ledger:Outbox:Retention"),
        ["Batching MaxWait negative"] = (o => o.Batching.MaxWait = TimeSpan.FromTicks(-1), "Ledger:Batching:MaxWait"),
        ["Batching MaxWait 1 s + 1 tick"] = (o => o.Batching.MaxWait = TimeSpan.FromSeconds(1).Add(TimeSpan.FromTicks(1)), "Ledger:Batching:MaxWait"),
    };

    public static TheoryData<string> InvalidDurationRows => new(InvalidDurations.Keys);

    [Theory]
    [MemberData(nameof(InvalidDurationRows))]
    public void Validate_DurationOutOfRange_FailsNamingTheSetting(string row)
    {
        var (breakIt, named) = InvalidDurations[row];

        var result = Validate(breakIt);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains(named, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DurationsOnTheirLowerBounds_Succeed()
    {
        var result = Validate(o =>
        {
            o.Cache.BreakDuration = TimeSpan.FromMilliseconds(500);
            o.Outbox.SweepInterval = TimeSpan.FromTicks(1);
            o.Outbox.MaxBackoff = TimeSpan.FromTicks(1);
            o.Outbox.Retention = TimeSpan.FromMinutes(1);
            o.Batching.MaxWait = TimeSpan.Zero;
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_DurationsOnTheirUpperBounds_Succeed()
    {
        var result = Validate(o =>
        {
            o.Cache.BreakDuration = TimeSpan.FromMinutes(5);
            o.Outbox.SweepInterval = TimeSpan.FromMinutes(5);
            o.Outbox.MaxBackoff = TimeSpan.FromMinutes(5);
            o.Batching.MaxWait = TimeSpan.FromSeconds(1);
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_SeveralDurationsOutOfRange_ReportsEveryOne()
    {
        var result = Validate(o =>
        {
            o.Cache.BreakDuration = TimeSpan.Zero;
            o.Outbox.Retention = TimeSpan.Zero;
            o.Batching.MaxWait = TimeSpan.FromSeconds(2);
        });

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("BreakDuration", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Retention", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("MaxWait", StringComparison.Ordinal));
    }
}
