using System.Diagnostics.CodeAnalysis;

namespace Ledger;

/// <summary>
/// The outcome of a ledger operation: a value, or the business reason it was refused. Infrastructure failures the
/// ledger could not ride out (the database unreachable after retries) are thrown, not returned.
/// </summary>
/// <typeparam name="T">The type of the value: a reference type (<c>where T : class</c>), so that
/// <see cref="Value"/> is <see langword="null"/> exactly when the operation was refused. The ledger's values are
/// <see cref="Account"/>, <see cref="Balance"/>, <see cref="Transfer"/> and <see cref="EntryPage"/>; a caller never
/// creates a result, so the constraint matters only to generic code over results (a helper of your own that takes
/// a <c>LedgerResult&lt;T&gt;</c> needs the same constraint).</typeparam>
public sealed class LedgerResult<T>
    where T : class
{
    private LedgerResult(T? value, LedgerError? error, bool replayed)
    {
        Value = value;
        Error = error;
        Replayed = replayed;
    }

    /// <summary>The value; set when <see cref="IsSuccess"/> is true.</summary>
    public T? Value { get; }

    /// <summary>Why the request was refused; set when <see cref="IsSuccess"/> is false.</summary>
    public LedgerError? Error { get; }

    /// <summary>True when the request was a repeat of an earlier one with the same id and content, and the outcome
    /// (a value, or a refusal that depended on the ledger's state) is the original one rather than a new decision.</summary>
    public bool Replayed { get; }

    /// <summary>True when the operation produced a value.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>A successful result.</summary>
    /// <param name="value">The value.</param>
    /// <param name="replayed">Whether the value is the original outcome of an earlier identical request.</param>
    internal static LedgerResult<T> Success(T value, bool replayed = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(value, null, replayed);
    }

    /// <summary>A refused result.</summary>
    /// <param name="error">Why it was refused.</param>
    /// <param name="replayed">Whether the refusal is the recorded outcome of an earlier identical request.</param>
    internal static LedgerResult<T> Failure(LedgerError error, bool replayed = false)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(null, error, replayed);
    }

    /// <summary>A refused result.</summary>
    /// <param name="code">The stable code.</param>
    /// <param name="message">A sentence for people.</param>
    internal static LedgerResult<T> Failure(LedgerErrorCode code, string message) => Failure(new LedgerError(code, message));

    /// <inheritdoc />
    public override string ToString() =>
        (IsSuccess ? $"Success({Value}" : $"Failure({Error}") + (Replayed ? ", replayed)" : ")");
}
