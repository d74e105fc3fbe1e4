using System.Globalization;

namespace Ledger.MockData;

/// <summary>One row of the JMeter CSV: accounts by number (1-based), amount in minor units.</summary>
internal readonly record struct PlannedTransfer(int Source, int Destination, long Amount);

/// <summary>
/// Seeded choice of accounts and amounts. With probability <c>hot</c> one side of a transfer is one of the first
/// <c>hotAccounts</c> accounts and the other side any account (so those few accounts take about that share of the
/// load, as in the load generator's hot mode); otherwise both sides are any account. Source and destination differ.
/// Amounts are uniform between the bounds; with opening balances of 1,000 to 10,000 and amounts of a few units the
/// random walk of a balance stays well above zero for a long run, so most transfers are accepted.
/// </summary>
internal sealed class TransferPlanner
{
    private readonly Random _random;
    private readonly int _accounts;
    private readonly double _hot;
    private readonly int _hotAccounts;
    private readonly long _minAmount;
    private readonly long _maxAmount;

    public TransferPlanner(int seed, int accounts, double hot, int hotAccounts, long minAmount, long maxAmount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(accounts, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(hot);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hot, 1.0);
        ArgumentOutOfRangeException.ThrowIfLessThan(hotAccounts, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hotAccounts, accounts);
        ArgumentOutOfRangeException.ThrowIfLessThan(minAmount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAmount, minAmount);
        _random = new Random(seed);
        _accounts = accounts;
        _hot = hot;
        _hotAccounts = hotAccounts;
        _minAmount = minAmount;
        _maxAmount = maxAmount;
    }

    public PlannedTransfer Next()
    {
        int source, destination;
        do
        {
            var hot = _hot > 0 && _random.NextDouble() < _hot;
            var one = 1 + (hot ? _random.Next(_hotAccounts) : _random.Next(_accounts));
            var other = 1 + _random.Next(_accounts);
            (source, destination) = _random.Next(2) == 0 ? (one, other) : (other, one);
        }
        while (source == destination);

        return new PlannedTransfer(source, destination, _random.NextInt64(_minAmount, _maxAmount + 1));
    }
}

/// <summary>The CSV that ledger.jmx reads: a header naming the JMeter variables, then one transfer per line.</summary>
internal static class TransferCsv
{
    /// <summary>The header line; JMeter's CSV Data Set takes the variable names from it.</summary>
    public const string Header = "id,source,destination,amount";

    /// <summary>One line: a UUID in its usual text form, the two account ids and the amount in major units with
    /// exactly <paramref name="decimals"/> fraction digits. None of the fields can hold a comma or a quote.</summary>
    public static string Line(Guid id, string source, string destination, long amountMinor, int decimals) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{id:D},{source},{destination},{Amounts.Format(amountMinor, decimals)}");
}
