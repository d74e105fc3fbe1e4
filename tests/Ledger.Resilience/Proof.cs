using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using MySqlConnector;

namespace Ledger.Resilience;

/// <summary>The proof of no loss after a scenario, over every transfer sent since the run began.</summary>
internal sealed record ProofResult(
    int Acknowledged,
    int InDatabase,
    int MissingAcknowledged,
    int ContentDiffers,
    int NeverSent,
    int PostedWithoutAcknowledgement,
    int Unresolved,
    int Refused,
    int BalanceMismatches,
    bool VerifierOk,
    int VerifierMismatches,
    long VerifierCheckedTransfers,
    double CacheConvergedSeconds,
    IReadOnlyList<string> Problems)
{
    public bool Ok => Problems.Count == 0;
}

internal static class Proof
{
    private static readonly TimeSpan CacheDeadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Every transfer that got a 2xx is in the database once, with the content that was sent; nothing is in the database
    /// that was not sent; every account's balance is what the acknowledged transfers make it; the ledger's own
    /// integrity verifier finds no mismatch; and the cache has caught up (no cached balance older than the database's)
    /// within 60 s.
    /// </summary>
    public static async Task<ProofResult> CheckAsync(
        string connectionString, IReadOnlyList<TransferJob> jobs, IReadOnlyList<string> accounts, Uri proxy, string adminKey,
        CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var stored = await ReadTransfersAsync(connectionString, cancellationToken);
        var sent = jobs.ToDictionary(j => j.Id);
        var acknowledged = jobs.Where(j => j.Acknowledged is not null).ToList();

        var missing = acknowledged.Where(j => !stored.ContainsKey(j.Id)).ToList();
        var differs = acknowledged.Where(j => stored.TryGetValue(j.Id, out var row)
            && (row.Source != j.Source || row.Destination != j.Destination || row.Amount != j.AmountMinor)).ToList();
        var neverSent = stored.Keys.Where(id => !sent.ContainsKey(id)).ToList();
        var unacknowledged = stored.Keys.Where(id => sent.TryGetValue(id, out var j) && j.Acknowledged is null).ToList();
        var unresolved = jobs.Count(j => j.Failure == "unresolved");
        var refused = jobs.Count(j => j.Failure is not null and not "unresolved");
        Report(problems, missing.Count, "acknowledged transfers are missing from the database", missing.Select(j => j.Id));
        Report(problems, differs.Count, "acknowledged transfers differ from what was sent", differs.Select(j => j.Id));
        Report(problems, neverSent.Count, "transfers in the database were never sent", neverSent);
        Report(problems, unacknowledged.Count, "transfers in the database never got a 2xx (their caller gave up)", unacknowledged);
        Report(problems, unresolved, "transfers got no final answer within the client's deadline", Array.Empty<Guid>());
        Report(problems, refused, "transfers were refused with a final 4xx/5xx", jobs.Where(j => j.Failure is not null and not "unresolved").Select(j => j.Id));

        // Balances from the acknowledged transfers alone (accounts start at 0).
        var expected = accounts.ToDictionary(a => a, _ => 0L, StringComparer.Ordinal);
        foreach (var job in acknowledged)
        {
            expected[job.Source] -= job.AmountMinor;
            expected[job.Destination] += job.AmountMinor;
        }

        var balances = await ReadBalancesAsync(connectionString, cancellationToken);
        var wrong = accounts.Where(a => !balances.TryGetValue(a, out var b) || b != expected[a]).ToList();
        Report(problems, wrong.Count, "account balances differ from the sum of acknowledged transfers", wrong);

        // The ledger's own verifier, through the proxy; then wait for the cache to catch up.
        using var client = new HttpClient { BaseAddress = proxy, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        var clock = Stopwatch.StartNew();
        JsonElement report;
        while (true)
        {
            report = await client.GetFromJsonAsync<JsonElement>(new Uri("/v1/admin/integrity?maxMismatches=20", UriKind.Relative), cancellationToken);
            if (report.GetProperty("staleCacheEntries").GetInt64() == 0 || clock.Elapsed > CacheDeadline)
            {
                break;
            }

            await Task.Delay(500, cancellationToken);
        }

        var verifierOk = report.GetProperty("ok").GetBoolean();
        var mismatches = report.GetProperty("mismatches").GetArrayLength();
        var checkedTransfers = report.GetProperty("checkedTransfers").GetInt64();
        var stale = report.GetProperty("staleCacheEntries").GetInt64();
        if (!verifierOk || mismatches > 0)
        {
            problems.Add($"the integrity verifier failed: {report}");
        }

        if (checkedTransfers != stored.Count)
        {
            problems.Add($"the verifier checked {checkedTransfers} transfers, the database holds {stored.Count}");
        }

        if (stale > 0)
        {
            problems.Add($"{stale} cached balances were still older than the database's after {CacheDeadline.TotalSeconds:F0} s");
        }

        return new ProofResult(acknowledged.Count, stored.Count, missing.Count, differs.Count, neverSent.Count, unacknowledged.Count,
            unresolved, refused, wrong.Count, verifierOk, mismatches, checkedTransfers, stale > 0 ? -1 : clock.Elapsed.TotalSeconds, problems);
    }

    private static void Report<T>(List<string> problems, int count, string what, IEnumerable<T> examples)
    {
        if (count > 0)
        {
            problems.Add($"{count} {what} (e.g. {string.Join(", ", examples.Take(3))})");
        }
    }

    private static async Task<Dictionary<Guid, (string Source, string Destination, long Amount)>> ReadTransfersAsync(
        string connectionString, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<Guid, (string, string, long)>();
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT id, source_account_id, destination_account_id, amount FROM ledger_transfers", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var bytes = new byte[16];
        while (await reader.ReadAsync(cancellationToken))
        {
            reader.GetBytes(0, 0, bytes, 0, 16);
            // The primary key makes each id unique; a second row for one id cannot exist.
            rows.Add(new Guid(bytes, bigEndian: true), (reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
        }

        return rows;
    }

    private static async Task<Dictionary<string, long>> ReadBalancesAsync(string connectionString, CancellationToken cancellationToken)
    {
        var balances = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT id, balance FROM accounts", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            balances[reader.GetString(0)] = reader.GetInt64(1);
        }

        return balances;
    }
}
