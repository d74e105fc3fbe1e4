namespace Ledger;

/// <summary>What is needed to open an account.</summary>
public sealed record CreateAccountRequest
{
    /// <summary>The account id: 1 to 64 characters of <c>A-Za-z0-9._-</c>. When null the ledger assigns a UUIDv7 string.</summary>
    public string? Id { get; init; }

    /// <summary>The ISO 4217 currency code, for example <c>USD</c>. Required.</summary>
    public string? Currency { get; init; }

    /// <summary>How far below zero the balance may go, in major units; zero (the default) allows no overdraft.</summary>
    public decimal OverdraftLimit { get; init; }

    /// <summary>Who asks (recorded in the audit log). Defaults to <see cref="LedgerOptions.DefaultActor"/>.</summary>
    public string? Actor { get; init; }

    /// <summary>The correlation id of the calling request, recorded in the audit log.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>A transfer to post: money moves from the source account to the destination account.</summary>
public sealed record PostTransferRequest
{
    /// <summary>The transfer id, the idempotency key: posting the same id again returns the original outcome.
    /// When null the ledger assigns a UUIDv7 (and a retry cannot then be recognised).</summary>
    public Guid? Id { get; init; }

    /// <summary>The account to debit. Required.</summary>
    public string? SourceAccountId { get; init; }

    /// <summary>The account to credit. Required, and different from the source.</summary>
    public string? DestinationAccountId { get; init; }

    /// <summary>The amount in major units, greater than zero, with no more fraction digits than the currency has.</summary>
    public decimal Amount { get; init; }

    /// <summary>The currency the caller expects; when given it must be the accounts' currency.</summary>
    public string? Currency { get; init; }

    /// <summary>The caller's timestamp of the transfer; at most five minutes in the future.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>A free-text reference of at most 256 characters.</summary>
    public string? Reference { get; init; }

    /// <summary>Who posts it (recorded on the transfer). Defaults to <see cref="LedgerOptions.DefaultActor"/>.</summary>
    public string? PostedBy { get; init; }

    /// <summary>The correlation id of the calling request, recorded on the transfer.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>A reversal: the compensating transfer of a posted one (same amount, accounts swapped), linked to it.</summary>
public sealed record ReverseTransferRequest
{
    /// <summary>The transfer to reverse. Required.</summary>
    public Guid TransferId { get; init; }

    /// <summary>The reversal's own id. When null it is derived from <see cref="TransferId"/>, so a retry without an id is
    /// the same reversal; a second reversal of the same transfer is refused either way.</summary>
    public Guid? Id { get; init; }

    /// <summary>A free-text reference of at most 256 characters, for example why it was reversed.</summary>
    public string? Reference { get; init; }

    /// <summary>Who reverses it. Defaults to <see cref="LedgerOptions.DefaultActor"/>.</summary>
    public string? PostedBy { get; init; }

    /// <summary>The correlation id of the calling request.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>A change of an account's overdraft limit, recorded in the audit log.</summary>
public sealed record SetOverdraftLimitRequest
{
    /// <summary>The account. Required.</summary>
    public string? AccountId { get; init; }

    /// <summary>The new limit in major units, zero or more. A limit below the current overdraft is allowed and only
    /// stops further debits.</summary>
    public decimal OverdraftLimit { get; init; }

    /// <summary>Who changes it (recorded in the audit log). Defaults to <see cref="LedgerOptions.DefaultActor"/>.</summary>
    public string? Actor { get; init; }

    /// <summary>The correlation id of the calling request, recorded in the audit log.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>When set, the change applies only if the account's <see cref="Account.Version"/> is still this one;
    /// otherwise it is refused with <see cref="LedgerErrorCode.PreconditionFailed"/> and nothing changes (no audit row
    /// either). The check and the change happen together under the account's row lock, so a posting that moves the
    /// version in between cannot slip through. The version moves with every posting to the account, not with a change
    /// of the limit. Zero or more; null (the default) changes the limit whatever the version.</summary>
    public long? ExpectedVersion { get; init; }
}
