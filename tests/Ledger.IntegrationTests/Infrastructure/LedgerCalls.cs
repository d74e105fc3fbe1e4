namespace Ledger.IntegrationTests.Infrastructure;

/// <summary>Arranging calls on any <see cref="ILedger"/> (a second ledger, one over a database of a test's own), each
/// asserting it succeeded; <see cref="LedgerFixture"/> has the same for its own ledger.</summary>
public static class LedgerCalls
{
    /// <summary>Opens a USD account with the id given and returns it.</summary>
    public static async Task<string> OpenAccountAsync(ILedger ledger, string id, decimal overdraftLimit = 0m)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var result = await ledger.CreateAccountAsync(new CreateAccountRequest
        {
            Id = id, Currency = "USD", OverdraftLimit = overdraftLimit, Actor = "test",
        });
        Assert.True(result.IsSuccess, result.ToString());
        return result.Value.Id;
    }

    /// <summary>Posts a transfer and asserts it was posted.</summary>
    public static async Task PostAsync(ILedger ledger, string source, string destination, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var result = await ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = amount, PostedBy = "test",
        });
        Assert.True(result.IsSuccess, result.ToString());
    }
}
