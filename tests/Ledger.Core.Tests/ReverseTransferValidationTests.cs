using MySqlConnector;

namespace Ledger.Core.Tests;

/// <summary>
/// A reversal is validated before the ledger looks the original transfer up. As in
/// <see cref="PostTransferValidationTests"/>, the ledger's database is unreachable: a refusal must be a
/// <see cref="LedgerErrorCode.ValidationFailed"/> naming the field, and a request that passes must reach the database.
/// </summary>
public sealed class ReverseTransferValidationTests : IDisposable
{
    private static readonly ReverseTransferRequest Valid = new()
    {
        TransferId = new Guid("0195a3c4-0000-7000-8000-000000000001"),
        Id = new Guid("0195a3c4-0000-7000-8000-000000000002"),
    };

    // One row per rule; each names the one field at fault.
    private static readonly Dictionary<string, (ReverseTransferRequest Request, string Field)> InvalidReversals = new(StringComparer.Ordinal)
    {
        ["empty UUID transferId"] = (Valid with { TransferId = Guid.Empty }, "transferId"),
        ["empty UUID id"] = (Valid with { Id = Guid.Empty }, "id"),
        ["id of UUID version 5 not derived from this transfer"] = (Valid with { Id = Uuids.ReversalIdOf(Guid.CreateVersion7()) }, "id"),
        ["reference of 257 characters"] = (Valid with { Reference = new string('r', 257) }, "reference"),
        ["postedBy of 101 characters"] = (Valid with { PostedBy = new string('p', 101) }, "postedBy"),
        ["correlationId of 65 characters"] = (Valid with { CorrelationId = new string('c', 65) }, "correlationId"),
    };

    // Accepted boundary values: each must get as far as the database.
    private static readonly Dictionary<string, ReverseTransferRequest> AcceptedReversals = new(StringComparer.Ordinal)
    {
        ["no id (derived from the original's)"] = Valid with { Id = null },
        ["the id derived from the original's, given"] = Valid with { Id = Uuids.ReversalIdOf(Valid.TransferId) },
        ["reference of 256 characters"] = Valid with { Reference = new string('r', 256) },
        ["postedBy of 100 characters"] = Valid with { PostedBy = new string('p', 100) },
        ["correlationId of 64 characters"] = Valid with { CorrelationId = new string('c', 64) },
    };

    private readonly UnreachableLedger _ledger = new();

    public static TheoryData<string> InvalidReversalRows => new(InvalidReversals.Keys);

    public static TheoryData<string> AcceptedReversalRows => new(AcceptedReversals.Keys);

    public void Dispose() => _ledger.Dispose();

    [Theory]
    [MemberData(nameof(InvalidReversalRows))]
    public async Task ReverseTransferAsync_InvalidField_ReturnsValidationFailedNamingOnlyThatField(string row)
    {
        var (request, field) = InvalidReversals[row];

        var result = await _ledger.Ledger.ReverseTransferAsync(request);

        Assert.False(result.IsSuccess);
        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error!.Code);
        Assert.Equal([field], result.Error.FieldErrors.Keys);
        Assert.NotEmpty(result.Error.FieldErrors[field]);
    }

    [Fact]
    public async Task ReverseTransferAsync_SeveralInvalidFields_ReportsEveryOne()
    {
        var request = new ReverseTransferRequest
        {
            TransferId = Guid.Empty,
            Id = Guid.Empty,
            Reference = new string('r', 257),
            PostedBy = new string('p', 101),
        };

        var result = await _ledger.Ledger.ReverseTransferAsync(request);

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error!.Code);
        Assert.Equal(["id", "postedBy", "reference", "transferId"], result.Error.FieldErrors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AcceptedReversalRows))]
    public async Task ReverseTransferAsync_BoundaryValue_PassesValidationAndReachesDatabase(string row)
    {
        var request = AcceptedReversals[row];

        LedgerResult<Transfer> result;
        try
        {
            result = await _ledger.Ledger.ReverseTransferAsync(request);
        }
        catch (LedgerUnavailableException unavailable)
        {
            // The ledger's own exception for an unreachable database, with the client's inside.
            Assert.True(DatabaseFaults.IsUnavailable(unavailable.InnerException!), unavailable.ToString());
            return;
        }

        Assert.Fail($"Expected the reversal to reach the database, but it returned {result}");
    }

    [Fact]
    public async Task ReverseTransferAsync_NullRequest_ThrowsArgumentNullException()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => _ledger.Ledger.ReverseTransferAsync(null!));
    }
}
