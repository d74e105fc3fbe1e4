namespace Ledger;

/// <summary>
/// An amount of one currency, held as an integer number of minor units (cents for USD, yen for JPY).
/// <see cref="Amount"/> gives it in major units as an exact <see cref="decimal"/>.
/// </summary>
/// <param name="MinorUnits">The amount in minor units of the currency; negative for debits and overdrawn balances.</param>
/// <param name="Currency">The ISO 4217 code, for example <c>USD</c>.</param>
/// <param name="Scale">How many minor-unit digits the currency has (2 for USD, 0 for JPY, 3 for KWD).</param>
public readonly record struct Money(long MinorUnits, string Currency, int Scale)
{
    /// <summary>The amount in major units, exact: 12345 minor units of USD is 123.45.</summary>
    public decimal Amount => Amounts.ToMajor(MinorUnits, Scale);

    /// <inheritdoc />
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Amount} {Currency}");
}
