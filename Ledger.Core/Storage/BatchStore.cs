using System.Buffers;
using System.Data;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MySqlConnector;

namespace Ledger.Storage;

/// <summary>Posts a batch of transfers with one call of <c>ledger_post_transfers</c> in one transaction.</summary>
internal sealed class BatchStore(MySqlDataSource dataSource)
{
    private const string PostTransfersSql = "CALL ledger_post_transfers(@batch, @posted_at)";

    /// <summary>One attempt: the outcomes in the order of <paramref name="transfers"/>, committed. A fault rolls
    /// everything back and is thrown; the caller retries or splits the batch.</summary>
    public async Task<PostTransferOutcome[]> PostAsync(
        IReadOnlyList<PostTransferCommand> transfers, DateTime postedAt, CancellationToken cancellationToken)
    {
        var batch = ToJson(transfers);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection
            .BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        await using var command = new MySqlCommand(PostTransfersSql, connection, transaction);
        command.Parameters.AddWithValue("@batch", batch);
        command.Parameters.AddWithValue("@posted_at", postedAt);

        var outcomes = new PostTransferOutcome[transfers.Count];
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var index = LedgerStore.GetInt32(reader, "n") - 1;
                outcomes[index] = LedgerStore.ReadPostOutcome(reader, transfers[index]);
            }
        }

        if (Array.IndexOf(outcomes, null) >= 0)
        {
            throw new InvalidOperationException("ledger_post_transfers returned fewer rows than transfers.");
        }

        // Once the commit is sent its outcome stands, so it is not cancelled with any caller.
        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>The batch as the procedure reads it; amounts and times as strings, so nothing passes through a
    /// floating-point number.</summary>
    internal static string ToJson(IReadOnlyList<PostTransferCommand> transfers)
    {
        var buffer = new ArrayBufferWriter<byte>(transfers.Count * 200);
        // Most text goes as plain UTF-8 (shorter than \u escapes); characters outside the BMP are escaped as
        // surrogate pairs, which the server decodes back (a test posts an emoji reference through a batch).
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var transfer in transfers)
            {
                if (transfer.ReversalOf is not null)
                {
                    throw new ArgumentException("Reversals are posted one at a time, not in a batch.", nameof(transfers));
                }

                json.WriteStartObject();
                json.WriteString("i", Hex(transfer.Id));
                json.WriteString("s", transfer.SourceAccountId);
                json.WriteString("d", transfer.DestinationAccountId);
                json.WriteString("a", transfer.Amount.ToString(CultureInfo.InvariantCulture));
                WriteOptional(json, "c", transfer.Currency);
                WriteOptional(json, "t", transfer.ClientTimestamp?.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
                WriteOptional(json, "r", transfer.Reference);
                json.WriteString("p", transfer.PostedBy);
                WriteOptional(json, "k", transfer.CorrelationId);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
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
}
