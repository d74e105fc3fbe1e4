using System.Net.Sockets;

namespace Ledger.Core.Tests;

/// <summary>The failures that do not come as a server's error number: a socket the server reset, an I/O error, a
/// time-out, wrapped or not. Errors with a number are checked against a real server in the integration tests
/// (DatabaseFaultsTests there), since MySqlConnector does not let its exceptions be made by hand.</summary>
public sealed class DatabaseFaultsTests
{
    public static TheoryData<string, Exception, bool> Cases() => new()
    {
        // The crash that was answered 500: a reset socket straight from BeginTransactionAsync, no MySqlException.
        { "socket reset", new SocketException((int)SocketError.ConnectionReset), true },
        { "end of stream", new EndOfStreamException(), true },
        { "I/O error inside a wrapper", new InvalidOperationException("posting failed", new IOException("broken pipe")), true },
        { "time-out", new TimeoutException(), true },
        { "one of several", new AggregateException(new ArgumentException("x"), new SocketException((int)SocketError.ConnectionRefused)), true },
        { "a programmer error", new InvalidOperationException("not from the database client"), false },
        { "an argument", new ArgumentOutOfRangeException("amount"), false },
        { "a cancellation", new OperationCanceledException(), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsUnavailable_ByKindOfFailure(string what, Exception exception, bool unavailable)
    {
        Assert.True(DatabaseFaults.IsUnavailable(exception) == unavailable, $"{what}: expected IsUnavailable = {unavailable}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsMisconfigured_NothingButServerErrorsOfTheDeployment(string what, Exception exception, bool unavailable)
    {
        _ = unavailable;
        // None of these is a server's refusal (those are checked against a real server in the integration tests).
        Assert.False(DatabaseFaults.IsMisconfigured(exception), what);
    }

    [Fact]
    public void IsUnavailable_Null_Throws() => Assert.Throws<ArgumentNullException>(() => DatabaseFaults.IsUnavailable(null!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsDatabaseError_IsUnavailableForExceptionsWithoutAServerError(string what, Exception exception, bool unavailable)
    {
        Assert.True(DatabaseFaults.IsDatabaseError(exception) == unavailable, what);
        Assert.Null(DatabaseFaults.ServerError(exception));
    }

    [Fact]
    public void Describe_ConnectionString_NamesWhereItLeadsNeverThePassword()
    {
        var described = LedgerConnection.Describe("Host=db.internal;Port=3307;Database=ledger;Uid=ledger_app;Pwd=s3cret-value;SslMode=Required");

        Assert.Equal("database 'ledger' on db.internal:3307 as 'ledger_app'", described);
    }

    [Fact]
    public void IsMisconfigured_Null_Throws() => Assert.Throws<ArgumentNullException>(() => DatabaseFaults.IsMisconfigured(null!));
}
