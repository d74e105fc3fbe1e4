namespace Ledger.IntegrationTests;

public sealed class TransferPostingTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    private ILedger Ledger => fixture.Ledger;

    [Fact]
    public async Task PostTransfer_ValidTransfer_MovesBothBalancesAndWritesTwoEntries()
    {
        var source = await fixture.CreateFundedAccountAsync(100m);
        var destination = await fixture.CreateAccountAsync();
        var id = Guid.CreateVersion7();

        var result = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = 40.25m,
            Reference = "rent", PostedBy = "alice-service", CorrelationId = "corr-1",
        });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.False(result.Replayed);
        Assert.Equal(id, result.Value.Id);
        Assert.Equal(4025, result.Value.Amount.MinorUnits);
        Assert.Equal(40.25m, result.Value.Amount.Amount);
        Assert.Equal("USD", result.Value.Amount.Currency);
        Assert.Equal("alice-service", result.Value.PostedBy);
        Assert.Equal("corr-1", result.Value.CorrelationId);

        Assert.Equal((5975L, 2L, 2L), await fixture.AccountStateAsync(source));
        Assert.Equal((4025L, 1L, 1L), await fixture.AccountStateAsync(destination));
        Assert.Equal(0L, await fixture.ScalarAsync<long>(
            "SELECT SUM(amount) FROM entries WHERE transfer_id = @id", ("@id", id.ToByteArray(bigEndian: true))));
        Assert.Equal(-4025L, await fixture.ScalarAsync<long>(
            "SELECT amount FROM entries WHERE transfer_id = @id AND account_id = @a",
            ("@id", id.ToByteArray(bigEndian: true)), ("@a", source)));
        Assert.Equal(5975L, await fixture.ScalarAsync<long>(
            "SELECT balance_after FROM entries WHERE transfer_id = @id AND account_id = @a",
            ("@id", id.ToByteArray(bigEndian: true)), ("@a", source)));
        Assert.Equal("alice-service|corr-1|rent", await fixture.ScalarAsync<string>(
            "SELECT CONCAT(posted_by, '|', correlation_id, '|', reference) FROM ledger_transfers WHERE id = @id",
            ("@id", id.ToByteArray(bigEndian: true))));
        Assert.Equal(2L, await fixture.ScalarAsync<long>(
            "SELECT COUNT(*) FROM outbox WHERE account_id IN (@a, @b) AND version = 1 + (account_id = @a)",
            ("@a", source), ("@b", destination)));
    }

    [Fact]
    public async Task PostTransfer_SameIdAndContentTwice_ReturnsOriginalAndPostsOnce()
    {
        var source = await fixture.CreateFundedAccountAsync(10m);
        var destination = await fixture.CreateAccountAsync();
        var request = new PostTransferRequest
        {
            Id = Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = destination, Amount = 3m,
            Timestamp = DateTimeOffset.UtcNow.AddMinutes(-1), Reference = "once",
        };

        var first = await Ledger.PostTransferAsync(request);
        var second = await Ledger.PostTransferAsync(request with { CorrelationId = "a-retry" });

        Assert.True(first.IsSuccess && second.IsSuccess);
        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.Value, second.Value);
        Assert.Equal((700L, 2L, 2L), await fixture.AccountStateAsync(source));
        Assert.Equal((300L, 1L, 1L), await fixture.AccountStateAsync(destination));
    }

    [Theory]
    [InlineData("amount")]
    [InlineData("destination")]
    [InlineData("reference")]
    [InlineData("timestamp")]
    [InlineData("currency")]
    public async Task PostTransfer_SameIdDifferentContent_IsIdempotencyConflictAndChangesNothing(string changed)
    {
        var source = await fixture.CreateFundedAccountAsync(10m);
        var destination = await fixture.CreateAccountAsync();
        var other = await fixture.CreateAccountAsync();
        var original = new PostTransferRequest
        {
            Id = Guid.CreateVersion7(), SourceAccountId = source, DestinationAccountId = destination, Amount = 1m,
            Currency = "USD", Timestamp = DateTimeOffset.UtcNow.AddMinutes(-1), Reference = "r",
        };
        Assert.True((await Ledger.PostTransferAsync(original)).IsSuccess);
        var before = (await fixture.AccountStateAsync(source), await fixture.AccountStateAsync(destination), await fixture.AccountStateAsync(other));

        var conflicting = changed switch
        {
            "amount" => original with { Amount = 2m },
            "destination" => original with { DestinationAccountId = other },
            "reference" => original with { Reference = "other" },
            "timestamp" => original with { Timestamp = original.Timestamp!.Value.AddSeconds(1) },
            _ => original with { Currency = "EUR" },
        };
        var result = await Ledger.PostTransferAsync(conflicting);

        Assert.False(result.IsSuccess);
        Assert.Equal(LedgerErrorCode.IdempotencyConflict, result.Error.Code);
        Assert.Equal(before, (await fixture.AccountStateAsync(source), await fixture.AccountStateAsync(destination), await fixture.AccountStateAsync(other)));
    }

    [Fact]
    public async Task PostTransfer_WithoutId_AssignsUuidVersion7()
    {
        var source = await fixture.CreateFundedAccountAsync(10m);
        var destination = await fixture.CreateAccountAsync();

        var result = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 1m,
        });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(7, result.Value.Id.Version);
        Assert.True((await Ledger.GetTransferAsync(result.Value.Id)).IsSuccess);
    }

    [Fact]
    public async Task PostTransfer_InsufficientFunds_IsRejectedAndChangesNothing()
    {
        var source = await fixture.CreateFundedAccountAsync(5m);
        var destination = await fixture.CreateAccountAsync();
        var id = Guid.CreateVersion7();

        var result = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = 5.01m,
        });

        Assert.Equal(LedgerErrorCode.InsufficientFunds, result.Error?.Code);
        Assert.Equal((500L, 1L, 1L), await fixture.AccountStateAsync(source));
        Assert.Equal((0L, 0L, 0L), await fixture.AccountStateAsync(destination));
        Assert.Equal(LedgerErrorCode.TransferNotFound, (await Ledger.GetTransferAsync(id)).Error?.Code);
    }

    [Fact]
    public async Task PostTransfer_WithinOverdraftLimit_GoesNegativeDownToTheLimitAndNoFurther()
    {
        var source = await fixture.CreateAccountAsync(overdraftLimit: 50m);
        var destination = await fixture.CreateAccountAsync();

        var toLimit = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 50m,
        });
        var beyond = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 0.01m,
        });

        Assert.True(toLimit.IsSuccess, toLimit.ToString());
        Assert.Equal(LedgerErrorCode.InsufficientFunds, beyond.Error?.Code);
        Assert.Equal((-5000L, 1L, 1L), await fixture.AccountStateAsync(source));
    }

    [Theory]
    [InlineData("JPY", "1.5", false)]
    [InlineData("JPY", "15", true)]
    [InlineData("JPY", "15.00", true)]
    [InlineData("KWD", "1.005", true)]
    [InlineData("KWD", "1.0005", false)]
    [InlineData("USD", "0.01", true)]
    [InlineData("USD", "0.001", false)]
    [InlineData("CLF", "0.0001", true)]
    public async Task PostTransfer_FractionDigits_AreCheckedAgainstTheAccountsCurrencyNeverRounded(
        string currency, string amount, bool accepted)
    {
        var value = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture);
        var source = await fixture.CreateAccountAsync(currency, overdraftLimit: 1000m);
        var destination = await fixture.CreateAccountAsync(currency);

        var result = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = value,
        });

        Assert.Equal(accepted, result.IsSuccess);
        if (accepted)
        {
            Assert.Equal(value, result.Value!.Amount.Amount);
            Assert.Equal(-result.Value.Amount.MinorUnits, (await fixture.AccountStateAsync(source)).Balance);
        }
        else
        {
            Assert.Equal(LedgerErrorCode.ValidationFailed, result.Error!.Code);
            Assert.Contains("amount", result.Error.FieldErrors.Keys);
            Assert.Equal((0L, 0L, 0L), await fixture.AccountStateAsync(source));
        }
    }

    [Fact]
    public async Task PostTransfer_AccountsInDifferentCurrencies_IsCurrencyMismatch()
    {
        var source = await fixture.CreateFundedAccountAsync(10m);
        var destination = await fixture.CreateAccountAsync("EUR");

        var result = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 1m,
        });

        Assert.Equal(LedgerErrorCode.CurrencyMismatch, result.Error?.Code);
        Assert.Equal((1000L, 1L, 1L), await fixture.AccountStateAsync(source));
    }

    [Fact]
    public async Task PostTransfer_RequestCurrencyDiffersFromAccounts_IsCurrencyMismatch()
    {
        var source = await fixture.CreateFundedAccountAsync(10m);
        var destination = await fixture.CreateAccountAsync();

        var result = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 1m, Currency = "EUR",
        });

        Assert.Equal(LedgerErrorCode.CurrencyMismatch, result.Error?.Code);
    }

    [Fact]
    public async Task PostTransfer_UnknownAccounts_AreAccountNotFound()
    {
        var known = await fixture.CreateFundedAccountAsync(10m);

        var unknownSource = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = Ids.Account("ghost"), DestinationAccountId = known, Amount = 1m,
        });
        var unknownDestination = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = known, DestinationAccountId = Ids.Account("ghost"), Amount = 1m,
        });

        Assert.Equal(LedgerErrorCode.AccountNotFound, unknownSource.Error?.Code);
        Assert.Contains("source", unknownSource.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(LedgerErrorCode.AccountNotFound, unknownDestination.Error?.Code);
        Assert.Contains("destination", unknownDestination.Error!.Message, StringComparison.Ordinal);
        Assert.Equal((1000L, 1L, 1L), await fixture.AccountStateAsync(known));
    }

    [Fact]
    public async Task PostTransfer_QuotesAndSqlInReference_AreStoredAsData()
    {
        var source = await fixture.CreateFundedAccountAsync(10m);
        var destination = await fixture.CreateAccountAsync();
        const string reference = "Robert'); DROP TABLE transfers; -- \"quoted\" `tick` \\ 😀";

        var result = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 1m, Reference = reference,
        });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(reference, (await Ledger.GetTransferAsync(result.Value.Id)).Value?.Reference);
        Assert.True(await fixture.ScalarAsync<long>("SELECT COUNT(*) FROM transactions") > 0);
    }

    [Fact]
    public async Task GetTransfer_UnknownId_IsTransferNotFound()
    {
        var result = await Ledger.GetTransferAsync(Guid.CreateVersion7());

        Assert.Equal(LedgerErrorCode.TransferNotFound, result.Error?.Code);
    }

    [Fact]
    public async Task GetTransfer_Posted_ReturnsWhatWasPosted()
    {
        var source = await fixture.CreateFundedAccountAsync(10m);
        var destination = await fixture.CreateAccountAsync();
        var timestamp = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.FromHours(2)).AddTicks(9);
        var posted = await Ledger.PostTransferAsync(new PostTransferRequest
        {
            SourceAccountId = source, DestinationAccountId = destination, Amount = 2.5m, Timestamp = timestamp,
        });

        var read = await Ledger.GetTransferAsync(posted.Value!.Id);

        Assert.Equal(posted.Value, read.Value);
        Assert.Equal(timestamp.UtcTicks - 9, read.Value!.Timestamp.UtcTicks);
    }
}
