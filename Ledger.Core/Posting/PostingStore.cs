using System.Buffers;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ledger.Storage;
using MySqlConnector;

namespace Ledger.Posting;

/// <summary>Posts a batch of transactions with one call of <c>ledger_post_transactions_commit</c> (the one posting
/// procedure in a transaction of its own, committed before the call ends), and reads transactions back.</summary>
internal sealed class PostingStore(MySqlDataSource dataSource)
{
    private const string PostSql = "CALL ledger_post_transactions_commit(@batch, @posted_at)";

    /// <summary>The one procedure without its commit: the caller's transaction decides (all or nothing).</summary>
    private const string AllOrNothingSql = "CALL ledger_post_transactions(@batch, @posted_at)";

    private const string HeaderColumns =
        "t.id, t.currency, c.minor_units, t.client_timestamp, t.posted_at, t.posted_by, t.correlation_id, t.reference, t.reversal_of";

    /// <summary>One attempt: the outcomes in the order of <paramref name="batch"/>, committed. A fault rolls
    /// everything back and is thrown; the caller retries or splits the batch. One round trip: the procedure begins and
    /// commits the transaction, and its answer counts only once the call has ended without an error (an error of the
    /// COMMIT comes after the result sets).</summary>
    public async Task<PostingOutcome[]> PostAsync(IReadOnlyList<PostingCommand> batch, DateTime postedAt, CancellationToken cancellationToken)
    {
        var json = ToJson(batch);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(PostSql, connection);
        command.Parameters.AddWithValue("@batch", json);
        command.Parameters.AddWithValue("@posted_at", postedAt);

        return await ReadOutcomesAsync(command, batch.Count, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One attempt of an all-or-nothing batch: <c>ledger_post_transactions</c> inside a READ COMMITTED
    /// transaction begun here, committed only when every transaction was posted or replayed, else rolled back (nothing
    /// of the batch stays, refusals are not recorded). Returns the outcomes and whether they were committed. A fault
    /// rolls back and is thrown; the caller retries the whole batch (the ids keep it exactly once).</summary>
    public async Task<(PostingOutcome[] Outcomes, bool Committed)> PostAllOrNothingAsync(
        IReadOnlyList<PostingCommand> batch, DateTime postedAt, CancellationToken cancellationToken)
    {
        var json = ToJson(batch);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // Disposing an open transaction rolls it back, so the connection goes back to the pool with none open.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(AllOrNothingSql, connection, transaction);
        command.Parameters.AddWithValue("@batch", json);
        command.Parameters.AddWithValue("@posted_at", postedAt);
        var outcomes = await ReadOutcomesAsync(command, batch.Count, cancellationToken).ConfigureAwait(false);
        foreach (var outcome in outcomes)
        {
            if (outcome.Status is not (ProcedureStatus.Done or ProcedureStatus.Replayed))
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return (outcomes, false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (outcomes, true);
    }

    /// <summary>The procedure's two result sets, read to the end of the call, as outcomes in the order of the batch.</summary>
    private static async Task<PostingOutcome[]> ReadOutcomesAsync(MySqlCommand command, int count, CancellationToken cancellationToken)
    {
        var statuses = new (ProcedureStatus Status, bool Replayed, string? Account)[count];
        var headers = new Header?[count];
        var legs = new List<LegRow>?[count];
        var rows = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var index = reader.GetInt32(0) - 1;
                var status = (ProcedureStatus)Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
                statuses[index] = (status, Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture) == 1,
                    reader.IsDBNull(3) ? null : reader.GetString(3));
                if (status is ProcedureStatus.Done or ProcedureStatus.Replayed)
                {
                    headers[index] = ReadHeader(reader, 4);
                }

                rows++;
            }

            if (rows != count || !await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("ledger_post_transactions did not answer every transaction.");
            }

            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var index = reader.GetInt32(0) - 1;
                (legs[index] ??= []).Add(ReadLeg(reader, 1));
            }

            // To the end of the call: a failed COMMIT is reported there, after the answers.
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
            {
            }
        }

        var outcomes = new PostingOutcome[count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            var (status, replayed, account) = statuses[i];
            outcomes[i] = new PostingOutcome(status, replayed, account,
                headers[i] is { } header ? header.With(legs[i] ?? []) : null);
        }

        return outcomes;
    }

    /// <summary>A posted transaction with its legs, or null.</summary>
    public async Task<TransactionRow?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(
            $"SELECT {HeaderColumns} FROM transactions t JOIN currencies c ON c.code = t.currency WHERE t.id = @id; " +
            "SELECT account_id, amount, balance_after, account_version FROM entries WHERE transfer_id = @id ORDER BY account_id",
            connection);
        command.Parameters.AddWithValue("@id", LedgerStore.ToBytes(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var header = ReadHeader(reader, 0);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var legs = new List<LegRow>(2);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            legs.Add(ReadLeg(reader, 0));
        }

        return header.With(legs);
    }

    /// <summary>The batch as the procedure reads it; amounts and times as strings, so nothing passes through a
    /// floating-point number.</summary>
    internal static string ToJson(IReadOnlyList<PostingCommand> batch)
    {
        var buffer = new ArrayBufferWriter<byte>(batch.Count * 200);
        // Most text goes as plain UTF-8 (shorter than \u escapes); characters outside the BMP are escaped as
        // surrogate pairs, which the server decodes back (a test posts an emoji reference through a batch).
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var item in batch)
            {
                json.WriteStartObject();
                json.WriteString("i", Hex(item.Id));
                if (item.ReversalOf is { } original)
                {
                    json.WriteString("v", Hex(original));
                    if (item.ReversedLegs is { } legs)
                    {
                        json.WriteNumber("w", legs);
                    }
                }
                else
                {
                    json.WriteStartArray("l");
                    foreach (var leg in item.Legs)
                    {
                        json.WriteStartObject();
                        json.WriteString("a", leg.AccountId);
                        json.WriteString("m", leg.Amount.ToString(CultureInfo.InvariantCulture));
                        if (leg.ExpectedVersion is { } expected)
                        {
                            json.WriteNumber("e", expected);
                        }

                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                WriteOptional(json, "c", item.Currency);
                WriteOptional(json, "t", item.ClientTimestamp?.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
                WriteOptional(json, "r", item.Reference);
                json.WriteString("p", item.PostedBy);
                WriteOptional(json, "k", item.CorrelationId);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static string Hex(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return Convert.ToHexString(bytes);
    }

    /// <summary>id, currency, minor_units, client_timestamp, posted_at, posted_by, correlation_id, reference,
    /// reversal_of, from <paramref name="first"/> on.</summary>
    private static Header ReadHeader(DbDataReader reader, int first) => new(
        LedgerStore.FromBytes(reader, first),
        reader.GetString(first + 1),
        Convert.ToInt32(reader.GetValue(first + 2), CultureInfo.InvariantCulture),
        reader.IsDBNull(first + 3) ? null : LedgerStore.AsUtc(reader.GetDateTime(first + 3)),
        LedgerStore.AsUtc(reader.GetDateTime(first + 4)),
        reader.GetString(first + 5),
        reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6),
        reader.IsDBNull(first + 7) ? null : reader.GetString(first + 7),
        reader.IsDBNull(first + 8) ? null : LedgerStore.FromBytes(reader, first + 8));

    /// <summary>account, amount, balance_after, version, from <paramref name="first"/> on.</summary>
    private static LegRow ReadLeg(DbDataReader reader, int first) => new(
        reader.GetString(first),
        Convert.ToInt64(reader.GetValue(first + 1), CultureInfo.InvariantCulture),
        Convert.ToInt64(reader.GetValue(first + 2), CultureInfo.InvariantCulture),
        Convert.ToInt64(reader.GetValue(first + 3), CultureInfo.InvariantCulture));

    private sealed record Header(
        Guid Id, string Currency, int Scale, DateTime? ClientTimestamp, DateTime PostedAt, string PostedBy,
        string? CorrelationId, string? Reference, Guid? ReversalOf)
    {
        public TransactionRow With(IReadOnlyList<LegRow> legs) =>
            new(Id, Currency, Scale, ClientTimestamp, PostedAt, PostedBy, CorrelationId, Reference, ReversalOf, legs);
    }
}
