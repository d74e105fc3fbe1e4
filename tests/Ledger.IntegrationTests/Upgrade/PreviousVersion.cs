using System.Data;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DbUp.Engine;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace Ledger.IntegrationTests.Upgrade;

/// <summary>The version before migration 0014, when every posting was a transfer: its database, built by the migrator
/// from migrations 0001-0013 and its procedures (Upgrade/Before0014, copied from c7242a1), journaled as that version's
/// migrator journaled them, so the real migrator of this version later applies exactly what is new or changed.</summary>
internal static class PreviousVersion
{
    public const string LastMigration = "migrations/0013_seed_ledger_instance.sql";

    /// <summary>The procedures of that version, as files beside the test binaries.</summary>
    public static string ProceduresFolder => Path.Combine(AppContext.BaseDirectory, "Upgrade", "Before0014");

    public static IReadOnlyList<SqlScript> Scripts()
    {
        var migrations = LedgerMigrator.LoadEmbeddedScripts()
            .Where(script => script.SqlScriptOptions.RunGroupOrder == LedgerMigrator.MigrationsRunGroupOrder
                             && string.CompareOrdinal(script.Name, LastMigration) <= 0);
        var procedures = Directory.GetFiles(ProceduresFolder, "*.sql").Select(path =>
        {
            var bytes = LedgerMigrator.WithoutCarriageReturns(File.ReadAllBytes(path));
            var name = LedgerMigrator.ProcedureJournalName(LedgerMigrator.ProceduresJournalPrefix + Path.GetFileName(path), bytes);
            return new SqlScript(name, Encoding.UTF8.GetString(bytes), LedgerMigrator.CreateOptions(LedgerMigrator.ProceduresRunGroupOrder));
        });
        return LedgerMigrator.Order([.. migrations, .. procedures]);
    }

    /// <summary>Creates the database <paramref name="migratorConnectionString"/> names at the previous version, as the
    /// schema's owner, who is then the definer of its procedures and triggers (as in a deployment).</summary>
    public static async Task BuildAsync(string migratorConnectionString)
    {
        var scripts = Scripts();
        Assert.Equal(13, scripts.Count(script => script.Name.StartsWith(LedgerMigrator.MigrationsJournalPrefix, StringComparison.Ordinal)));
        Assert.Equal(5, scripts.Count(script => script.Name.StartsWith(LedgerMigrator.ProceduresJournalPrefix, StringComparison.Ordinal)));
        var migrator = new LedgerMigrator(NullLogger.Instance, TimeProvider.System, scripts);
        var result = await migrator.MigrateAsync(migratorConnectionString, CancellationToken.None);
        Assert.Equal(scripts.Select(script => script.Name), result.ScriptsApplied);
    }
}

/// <summary>A transfer as a pod of the previous version sent it to its procedures (amount in major units; the
/// posting time is the pod's clock, so pods with clocks apart write times out of order).</summary>
internal sealed record OldTransfer(Guid Id, string Source, string Destination, decimal Amount, DateTime PostedAt)
{
    public string? Currency { get; init; }

    public DateTime? ClientTimestamp { get; init; }

    public string? Reference { get; init; }

    public Guid? ReversalOf { get; init; }

    public string PostedBy { get; init; } = "payments";

    public string? CorrelationId { get; init; }
}

/// <summary>The status and replayed flag the previous version's procedures answered (ledger_apply_transfer's numbers:
/// 0 posted, 1 replayed, 6 insufficient funds, 11 the transfer to reverse does not exist, ...).</summary>
internal sealed record OldOutcome(int Status, bool Replayed);

/// <summary>A pod of the previous version, still running during a rolling update: it calls that version's procedures
/// as its LedgerStore and BatchStore did (application user, one READ COMMITTED transaction per call, committed unless the
/// procedure answered a version conflict).</summary>
internal sealed class PreviousVersionPod(string connectionString)
{
    public const int Posted = 0;
    public const int Replayed = 1;
    public const int InsufficientFunds = 6;
    private const int VersionConflict = 7;

    public async Task CreateAccountAsync(string id, string currency, long overdraftLimitMinorUnits, DateTime now)
    {
        var outcomes = await CallAsync(
            "CALL ledger_create_account(@id, @currency, @overdraft_limit, @actor, @correlation_id, @now)",
            [("@id", id), ("@currency", currency), ("@overdraft_limit", overdraftLimitMinorUnits), ("@actor", "old-pod"),
             ("@correlation_id", null), ("@now", now)]);
        Assert.Equal(Posted, Assert.Single(outcomes).Status);
    }

    public async Task<OldOutcome> PostTransferAsync(OldTransfer transfer) =>
        Assert.Single(await CallAsync(
            "CALL ledger_post_transfer(@id, @source, @destination, @amount, @currency, @client_timestamp, @reference, " +
            "@reversal_of, @posted_by, @correlation_id, @posted_at)",
            [("@id", transfer.Id.ToByteArray(bigEndian: true)), ("@source", transfer.Source), ("@destination", transfer.Destination),
             ("@amount", transfer.Amount), ("@currency", transfer.Currency), ("@client_timestamp", transfer.ClientTimestamp),
             ("@reference", transfer.Reference), ("@reversal_of", transfer.ReversalOf?.ToByteArray(bigEndian: true)),
             ("@posted_by", transfer.PostedBy), ("@correlation_id", transfer.CorrelationId), ("@posted_at", transfer.PostedAt)]));

    /// <summary>A batch through ledger_post_transfers, in the JSON its BatchStore wrote; one posting time for the batch.</summary>
    public async Task<IReadOnlyList<OldOutcome>> PostTransfersAsync(IReadOnlyList<OldTransfer> batch, DateTime postedAt)
    {
        var json = JsonSerializer.Serialize(batch.Select(transfer => new Dictionary<string, string?>
        {
            ["i"] = Convert.ToHexStringLower(transfer.Id.ToByteArray(bigEndian: true)),
            ["s"] = transfer.Source,
            ["d"] = transfer.Destination,
            ["a"] = transfer.Amount.ToString(CultureInfo.InvariantCulture),
            ["c"] = transfer.Currency,
            ["t"] = transfer.ClientTimestamp?.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
            ["r"] = transfer.Reference,
            ["p"] = transfer.PostedBy,
            ["k"] = transfer.CorrelationId,
        }));
        return await CallAsync("CALL ledger_post_transfers(@batch, @posted_at)", [("@batch", json), ("@posted_at", postedAt)]);
    }

    private async Task<IReadOnlyList<OldOutcome>> CallAsync(string sql, (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await using var command = new MySqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var outcomes = new List<OldOutcome>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var status = Convert.ToInt32(reader["status"], CultureInfo.InvariantCulture);
                var replayed = HasColumn(reader, "replayed") && Convert.ToInt32(reader["replayed"], CultureInfo.InvariantCulture) == 1;
                outcomes.Add(new OldOutcome(status, replayed));
            }
        }

        if (outcomes.Exists(outcome => outcome.Status == VersionConflict))
        {
            await transaction.RollbackAsync();
        }
        else
        {
            await transaction.CommitAsync();
        }

        return outcomes;
    }

    private static bool HasColumn(MySqlDataReader reader, string name)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (string.Equals(reader.GetName(i), name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
