namespace Ledger;

/// <summary>Why the ledger refused a request: a stable code, a message for people, and the fields at fault.</summary>
public sealed class LedgerError
{
    private static readonly IReadOnlyDictionary<string, string[]> NoFieldErrors =
        new Dictionary<string, string[]>(StringComparer.Ordinal);

    /// <summary>Creates an error.</summary>
    /// <param name="code">The stable code.</param>
    /// <param name="message">A sentence that tells a person what went wrong.</param>
    /// <param name="fieldErrors">For <see cref="LedgerErrorCode.ValidationFailed"/>: messages per field name.</param>
    public LedgerError(LedgerErrorCode code, string message, IReadOnlyDictionary<string, string[]>? fieldErrors = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        Code = code;
        Message = message;
        FieldErrors = fieldErrors ?? NoFieldErrors;
    }

    /// <summary>The stable code.</summary>
    public LedgerErrorCode Code { get; }

    /// <summary>The code as the snake_case name used on the wire, for example <c>insufficient_funds</c>.</summary>
    public string CodeName => ToCodeName(Code);

    /// <summary>A sentence that tells a person what went wrong.</summary>
    public string Message { get; }

    /// <summary>Messages per field (camelCase field names as in the HTTP contract); empty unless validation failed.</summary>
    public IReadOnlyDictionary<string, string[]> FieldErrors { get; }

    /// <summary>For a refusal of a whole <see cref="PostTransactionsRequest"/> because of one of its items (an atomic
    /// request, or an id given twice): the index of that item (0-based), whose field errors are then named
    /// <c>items[i].field</c>; otherwise null.</summary>
    public int? Item { get; private init; }

    /// <summary>This error as the refusal of a whole request because of its item <paramref name="item"/>.</summary>
    internal LedgerError AtItem(int item)
    {
        var prefix = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"items[{item}]");
        var fields = FieldErrors.Count == 0
            ? null
            : FieldErrors.ToDictionary(f => $"{prefix}.{f.Key}", f => f.Value, StringComparer.Ordinal);
        return new LedgerError(Code, $"{prefix}: {Message}", fields) { Item = item };
    }

    /// <summary>Returns the snake_case wire name of a code.</summary>
    /// <param name="code">The code.</param>
    /// <returns>The name, for example <c>insufficient_funds</c> for <see cref="LedgerErrorCode.InsufficientFunds"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="code"/> is not a defined <see cref="LedgerErrorCode"/>.</exception>
    public static string ToCodeName(LedgerErrorCode code) => code switch
    {
        LedgerErrorCode.ValidationFailed => "validation_failed",
        LedgerErrorCode.AccountNotFound => "account_not_found",
        LedgerErrorCode.TransferNotFound => "transfer_not_found",
        LedgerErrorCode.InsufficientFunds => "insufficient_funds",
        LedgerErrorCode.CurrencyMismatch => "currency_mismatch",
        LedgerErrorCode.IdempotencyConflict => "idempotency_conflict",
        LedgerErrorCode.ConcurrencyConflict => "concurrency_conflict",
        LedgerErrorCode.AccountExists => "account_exists",
        LedgerErrorCode.AlreadyReversed => "already_reversed",
        LedgerErrorCode.Overloaded => "overloaded",
        LedgerErrorCode.BalanceOutOfRange => "balance_out_of_range",
        LedgerErrorCode.VersionMismatch => "version_mismatch",
        LedgerErrorCode.TransactionNotFound => "transaction_not_found",
        LedgerErrorCode.PreconditionFailed => "precondition_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown ledger error code."),
    };

    /// <inheritdoc />
    public override string ToString() => $"{CodeName}: {Message}";
}
