using MySqlConnector;

namespace Ledger.Core.Tests;

/// <summary>
/// The ledger validates every request before it touches the database. Each test uses a real ledger whose database is
/// unreachable: a refusal must be a <see cref="LedgerErrorCode.ValidationFailed"/> naming the field, and a request that
/// passes validation must fail only when it reaches the (unreachable) database: a <see cref="LedgerUnavailableException"/>.
/// </summary>
public sealed class PostTransferValidationTests : IDisposable
{
    private static readonly DateTimeOffset Now = UnreachableLedger.Now;

    private static readonly PostTransferRequest Valid = new()
    {
        Id = new Guid("0195a3c4-0000-7000-8000-000000000001"),
        SourceAccountId = "alice",
        DestinationAccountId = "bob",
        Amount = 10.00m,
    };

    private static readonly string Id64 = new('a', 64);
    private static readonly string Id65 = new('a', 65);

    // One row per rule, named so that a failing row says which rule broke; each names the one field at fault.
    private static readonly Dictionary<string, (PostTransferRequest Request, string Field)> InvalidTransfers = new(StringComparer.Ordinal)
    {
        ["missing source"] = (Valid with { SourceAccountId = null }, "sourceAccountId"),
        ["missing destination"] = (Valid with { DestinationAccountId = null }, "destinationAccountId"),
        ["same source and destination"] = (Valid with { DestinationAccountId = "alice" }, "destinationAccountId"),
        ["empty source"] = (Valid with { SourceAccountId = "" }, "sourceAccountId"),
        ["source with a space"] = (Valid with { SourceAccountId = "alice smith" }, "sourceAccountId"),
        ["source with a trailing newline"] = (Valid with { SourceAccountId = "alice\n" }, "sourceAccountId"),
        ["destination with u-umlaut"] = (Valid with { DestinationAccountId = "b\u00FCb" }, "destinationAccountId"),
        ["destination with SQL"] = (Valid with { DestinationAccountId = "bob'; DROP TABLE accounts; --" }, "destinationAccountId"),
        ["source of 65 characters"] = (Valid with { SourceAccountId = Id65 }, "sourceAccountId"),
        ["destination of 65 characters"] = (Valid with { DestinationAccountId = Id65 }, "destinationAccountId"),
        ["amount zero"] = (Valid with { Amount = 0m }, "amount"),
        ["amount negative"] = (Valid with { Amount = -1m }, "amount"),
        ["amount with 5 decimals"] = (Valid with { Amount = 0.00001m }, "amount"),
        ["amount 1e15"] = (Valid with { Amount = 1_000_000_000_000_000m }, "amount"),
        ["amount 1e14"] = (Valid with { Amount = 100_000_000_000_000m }, "amount"),
        ["currency lowercase"] = (Valid with { Currency = "usd" }, "currency"),
        ["currency of 2 letters"] = (Valid with { Currency = "US" }, "currency"),
        ["currency with a trailing newline"] = (Valid with { Currency = "USD\n" }, "currency"),
        ["reference of 257 characters"] = (Valid with { Reference = new string('r', 257) }, "reference"),
        ["postedBy of 101 characters"] = (Valid with { PostedBy = new string('p', 101) }, "postedBy"),
        ["correlationId of 65 characters"] = (Valid with { CorrelationId = new string('c', 65) }, "correlationId"),
        ["empty UUID id"] = (Valid with { Id = Guid.Empty }, "id"),
        ["id of UUID version 5 (reserved for derived reversal ids)"] = (Valid with { Id = new Guid("0195a3c4-0000-5000-8000-000000000001") }, "id"),
        ["the derived reversal id of another transfer"] = (Valid with { Id = Uuids.ReversalIdOf(new Guid("0195a3c4-0000-7000-8000-000000000009")) }, "id"),
        ["reference with a NUL"] = (Valid with { Reference = "a\0b" }, "reference"),
        ["reference with a line feed"] = (Valid with { Reference = "a\nb" }, "reference"),
        ["reference with a right-to-left override"] = (Valid with { Reference = "a\u202Eb" }, "reference"),
        ["reference with a lone surrogate"] = (Valid with { Reference = "a\uD800b" }, "reference"),
        ["timestamp 5 min + 1 us ahead"] = (Valid with { Timestamp = Now + TimeSpan.FromMinutes(5) + TimeSpan.FromMicroseconds(1) }, "timestamp"),
        ["timestamp a day ahead"] = (Valid with { Timestamp = Now.AddDays(1) }, "timestamp"),
        ["timestamp just before 1970"] = (Valid with { Timestamp = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(-1) }, "timestamp"),
        ["timestamp 1970 local but 1969 UTC"] = (Valid with { Timestamp = new DateTimeOffset(1970, 1, 1, 0, 30, 0, TimeSpan.FromHours(1)) }, "timestamp"),
        ["timestamp year 1"] = (Valid with { Timestamp = DateTimeOffset.MinValue }, "timestamp"),
    };

    // Boundary values that validation accepts: each must get as far as the database.
    private static readonly Dictionary<string, PostTransferRequest> AcceptedTransfers = new(StringComparer.Ordinal)
    {
        ["all optional fields absent"] = Valid with { Id = null },
        ["timestamp exactly 5 min ahead"] = Valid with { Timestamp = Now + TimeSpan.FromMinutes(5) },
        ["timestamp now"] = Valid with { Timestamp = Now },
        ["timestamp 1970-01-01 UTC"] = Valid with { Timestamp = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero) },
        ["ids of 64 characters"] = Valid with { SourceAccountId = Id64, DestinationAccountId = Id64.ToUpperInvariant() },
        ["ids differing only in case"] = Valid with { SourceAccountId = "alice", DestinationAccountId = "Alice" },
        ["amount 0.0001"] = Valid with { Amount = 0.0001m },
        ["amount just below 1e14"] = Valid with { Amount = 99_999_999_999_999.9999m },
        ["amount with trailing zeros"] = Valid with { Amount = 1.500000m },
        ["reference of 256 characters"] = Valid with { Reference = new string('r', 256) },
        ["postedBy of 100 characters"] = Valid with { PostedBy = new string('p', 100) },
        ["correlationId of 64 characters"] = Valid with { CorrelationId = new string('c', 64) },
        ["currency USD"] = Valid with { Currency = "USD" },
    };

    private readonly UnreachableLedger _ledger = new();

    public static TheoryData<string> InvalidTransferRows => new(InvalidTransfers.Keys);

    public static TheoryData<string> AcceptedTransferRows => new(AcceptedTransfers.Keys);

    public void Dispose() => _ledger.Dispose();

    [Theory]
    [MemberData(nameof(InvalidTransferRows))]
    public async Task PostTransferAsync_InvalidField_ReturnsValidationFailedNamingOnlyThatField(string row)
    {
        var (request, field) = InvalidTransfers[row];

        var result = await _ledger.Ledger.PostTransferAsync(request);

        Assert.False(result.IsSuccess);
        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error.Code);
        Assert.Equal([field], result.Error.FieldErrors.Keys);
        Assert.NotEmpty(result.Error.FieldErrors[field]);
        Assert.Contains(field + ":", result.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AcceptedTransferRows))]
    public async Task PostTransferAsync_BoundaryValue_PassesValidationAndReachesDatabase(string row)
    {
        await AssertReachesDatabaseAsync(() => _ledger.Ledger.PostTransferAsync(AcceptedTransfers[row]));
    }

    [Fact]
    public async Task PostTransferAsync_TimestampExactlyMaxSkewAheadOfSubMicrosecondClock_PassesValidation()
    {
        // The clock reads 0.7 us past a whole microsecond; a timestamp exactly five minutes after that reading is
        // "at most five minutes in the future" and must be accepted.
        using var ledger = new UnreachableLedger(Now.AddTicks(7));
        var request = Valid with { Timestamp = ledger.Time.GetUtcNow() + TimeSpan.FromMinutes(5) };

        await AssertReachesDatabaseAsync(() => ledger.Ledger.PostTransferAsync(request));
    }

    [Fact]
    public async Task PostTransferAsync_ClockMoves_SkewIsMeasuredFromCurrentTime()
    {
        var request = Valid with { Timestamp = Now + TimeSpan.FromMinutes(10) };
        var before = await _ledger.Ledger.PostTransferAsync(request);
        Assert.Equal(["timestamp"], before.Error!.FieldErrors.Keys);

        _ledger.Time.Advance(TimeSpan.FromMinutes(5));

        await AssertReachesDatabaseAsync(() => _ledger.Ledger.PostTransferAsync(request));
    }

    [Fact]
    public async Task PostTransferAsync_SeveralInvalidFields_ReportsEveryOne()
    {
        var request = new PostTransferRequest
        {
            Id = Guid.Empty,
            SourceAccountId = null,
            DestinationAccountId = "bad id",
            Amount = -5m,
            Currency = "usd",
            Reference = new string('r', 257),
            PostedBy = new string('p', 101),
            CorrelationId = new string('c', 65),
            Timestamp = Now.AddHours(1),
        };

        var result = await _ledger.Ledger.PostTransferAsync(request);

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error!.Code);
        Assert.Equal(
            ["amount", "correlationId", "currency", "destinationAccountId", "id", "postedBy", "reference", "sourceAccountId", "timestamp"],
            result.Error.FieldErrors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PostTransferAsync_EmptyRequest_ReportsSourceDestinationAndAmount()
    {
        var result = await _ledger.Ledger.PostTransferAsync(new PostTransferRequest());

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error!.Code);
        Assert.Equal(["amount", "destinationAccountId", "sourceAccountId"], result.Error.FieldErrors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PostTransferAsync_SameMalformedSourceAndDestination_ReportsBothProblemsOnDestination()
    {
        var result = await _ledger.Ledger.PostTransferAsync(Valid with { SourceAccountId = "a b", DestinationAccountId = "a b" });

        Assert.Equal(2, result.Error!.FieldErrors["destinationAccountId"].Length);
        Assert.Single(result.Error.FieldErrors["sourceAccountId"]);
    }

    [Fact]
    public async Task PostTransferAsync_NullRequest_ThrowsArgumentNullException()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => _ledger.Ledger.PostTransferAsync(null!));
    }

    private static readonly CreateAccountRequest ValidAccount = new() { Id = "alice", Currency = "USD" };

    private static readonly Dictionary<string, (CreateAccountRequest Request, string Field)> InvalidAccounts = new(StringComparer.Ordinal)
    {
        ["id with a space"] = (ValidAccount with { Id = "alice smith" }, "id"),
        ["empty id"] = (ValidAccount with { Id = "" }, "id"),
        ["id of 65 characters"] = (ValidAccount with { Id = Id65 }, "id"),
        ["id with a trailing newline"] = (ValidAccount with { Id = "alice\n" }, "id"),
        ["missing currency"] = (ValidAccount with { Currency = null }, "currency"),
        ["lowercase currency"] = (ValidAccount with { Currency = "usd" }, "currency"),
        ["currency of 4 letters"] = (ValidAccount with { Currency = "USDD" }, "currency"),
        ["negative overdraft"] = (ValidAccount with { OverdraftLimit = -0.01m }, "overdraftLimit"),
        ["actor of 101 characters"] = (ValidAccount with { Actor = new string('a', 101) }, "actor"),
        ["correlationId of 65 characters"] = (ValidAccount with { CorrelationId = new string('c', 65) }, "correlationId"),
    };

    public static TheoryData<string> InvalidAccountRows => new(InvalidAccounts.Keys);

    [Theory]
    [MemberData(nameof(InvalidAccountRows))]
    public async Task CreateAccountAsync_InvalidField_ReturnsValidationFailedNamingOnlyThatField(string row)
    {
        var (request, field) = InvalidAccounts[row];

        var result = await _ledger.Ledger.CreateAccountAsync(request);

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error!.Code);
        Assert.Equal([field], result.Error.FieldErrors.Keys);
    }

    [Fact]
    public async Task CreateAccountAsync_SeveralInvalidFields_ReportsEveryOne()
    {
        var request = new CreateAccountRequest { Id = "bad id", Currency = null, OverdraftLimit = -1m };

        var result = await _ledger.Ledger.CreateAccountAsync(request);

        Assert.Equal(["currency", "id", "overdraftLimit"], result.Error!.FieldErrors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("alice")]
    public async Task CreateAccountAsync_ValidRequest_ReachesDatabase(string? id)
    {
        var request = ValidAccount with { Id = id, OverdraftLimit = 100m, Actor = new string('a', 100), CorrelationId = new string('c', 64) };

        await AssertReachesDatabaseAsync(() => _ledger.Ledger.CreateAccountAsync(request));
    }

    [Fact]
    public async Task CreateAccountAsync_NullRequest_ThrowsArgumentNullException()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => _ledger.Ledger.CreateAccountAsync(null!));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("alice smith")]
    [InlineData("alice\n")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 65
    public async Task GetAccountAsync_BadId_ReturnsValidationFailedOnAccountId(string? accountId)
    {
        var result = await _ledger.Ledger.GetAccountAsync(accountId!);

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error!.Code);
        Assert.Equal(["accountId"], result.Error.FieldErrors.Keys);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("alice smith")]
    [InlineData("alice\n")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 65
    public async Task GetBalanceAsync_BadId_ReturnsValidationFailedOnAccountId(string? accountId)
    {
        var result = await _ledger.Ledger.GetBalanceAsync(accountId!);

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error!.Code);
        Assert.Equal(["accountId"], result.Error.FieldErrors.Keys);
    }

    [Fact]
    public async Task GetAccountAsync_ValidId_ReachesDatabase()
    {
        await AssertReachesDatabaseAsync(() => _ledger.Ledger.GetAccountAsync("alice"));
    }

    [Fact]
    public async Task GetBalanceAsync_ValidId_ReachesDatabase()
    {
        await AssertReachesDatabaseAsync(() => _ledger.Ledger.GetBalanceAsync("alice"));
    }

    [Theory]
    [InlineData("bad id", 10, null, "accountId")]
    [InlineData(null, 10, null, "accountId")]
    [InlineData("alice", 0, null, "limit")]
    [InlineData("alice", -1, null, "limit")]
    [InlineData("alice", 1001, null, "limit")]
    [InlineData("alice", 10, 0L, "before")]
    [InlineData("alice", 10, -1L, "before")]
    [InlineData("alice", 10, long.MinValue, "before")]
    public async Task ListEntriesAsync_InvalidArgument_ReturnsValidationFailedNamingIt(string? accountId, int limit, long? before, string field)
    {
        var result = await _ledger.Ledger.ListEntriesAsync(accountId!, limit, before);

        Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error!.Code);
        Assert.Equal([field], result.Error.FieldErrors.Keys);
    }

    [Fact]
    public async Task ListEntriesAsync_SeveralInvalidArguments_ReportsEveryOne()
    {
        var result = await _ledger.Ledger.ListEntriesAsync("bad id", 0, 0);

        Assert.Equal(["accountId", "before", "limit"], result.Error!.FieldErrors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(1000, null)]
    [InlineData(10, 1L)]
    [InlineData(10, long.MaxValue)]
    public async Task ListEntriesAsync_BoundaryArguments_ReachDatabase(int limit, long? before)
    {
        await AssertReachesDatabaseAsync(() => _ledger.Ledger.ListEntriesAsync("alice", limit, before));
    }

    /// <summary>Passes when the call got past validation to the (unreachable) database; otherwise says what refused it.</summary>
    private static async Task AssertReachesDatabaseAsync<T>(Func<Task<LedgerResult<T>>> call)
        where T : class
    {
        LedgerResult<T> result;
        try
        {
            result = await call();
        }
        catch (LedgerUnavailableException unavailable)
        {
            // The ledger's own exception for an unreachable database, with the client's inside.
            Assert.True(DatabaseFaults.IsUnavailable(unavailable.InnerException!), unavailable.ToString());
            return;
        }

        Assert.Fail($"Expected the call to reach the database, but it returned {result}");
    }
}
