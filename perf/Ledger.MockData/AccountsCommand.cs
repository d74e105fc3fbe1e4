using System.Diagnostics;
using System.Globalization;
using MySqlConnector;

namespace Ledger.MockData;

/// <summary>The <c>accounts</c> command: N funded accounts straight into the database.</summary>
internal static class AccountsCommand
{
    /// <summary>The bank may go this far below zero, in major units: far more than any run funds, and still a
    /// valid amount for the API (below 10^14) and a BIGINT in minor units for every currency.</summary>
    private const long BankOverdraftMajor = 1_000_000_000_000;

    public static async Task<int> RunAsync(AccountsOptions o, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(o.Connection);
        await connection.OpenAsync(cancellationToken);

        var minorUnits = await ScalarAsync<int?>(connection, "SELECT minor_units FROM currencies WHERE code = @code",
            cancellationToken, ("@code", o.Currency));
        if (minorUnits is null)
        {
            throw new ArgumentException($"--currency {o.Currency}: not in the ledger's currencies table.");
        }

        var bank = AccountIds.Bank(o.Prefix);
        var last = AccountIds.Of(o.Prefix, o.Count);
        var (from, to) = AccountIds.Range(o.Prefix);
        var existing = await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM accounts WHERE id >= @from AND id < @to",
            cancellationToken, ("@from", from), ("@to", to));
        if (existing > 0)
        {
            var present = await ScalarAsync<long>(connection,
                "SELECT COUNT(*) FROM accounts WHERE id IN (@bank, @last) AND currency = @currency",
                cancellationToken, ("@bank", bank), ("@last", last), ("@currency", o.Currency));
            if (o.IfMissing && present == 2)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"accounts: {existing:N0} accounts with the prefix '{o.Prefix}-' exist already, including {bank} and {last} in {o.Currency}; nothing to do."));
                return 0;
            }

            var missing = o.IfMissing ? $", but not {bank} and {last} in {o.Currency}" : string.Empty;
            var advice = o.IfMissing ? "." : ", or pass --if-missing to use the existing ones.";
            throw new MockDataException(string.Create(CultureInfo.InvariantCulture,
                $"{existing:N0} accounts with ids starting '{o.Prefix}-' exist already{missing}. Transfers and entries are append-only, so the generator never changes existing accounts: choose a fresh --prefix{advice}"));
        }

        var scale = Amounts.Scale(minorUnits.Value);
        var minMinor = Amounts.ToMinor(o.MinBalance, minorUnits.Value);
        var maxMinor = Amounts.ToMinor(o.MaxBalance, minorUnits.Value);
        var overdraft = BankOverdraftMajor * scale;
        if ((decimal)maxMinor * o.Count > overdraft)
        {
            throw new ArgumentException("--count times --max-balance is more than the bank may lend; lower one of them.");
        }

        var sql = new FundingSql(o.Prefix, o.Currency);
        var balances = new SeededBalances(o.Seed, minMinor, maxMinor);
        var stopwatch = Stopwatch.StartNew();

        await using (var tx = await connection.BeginTransactionAsync(cancellationToken))
        {
            await ExecuteAsync(connection, tx, sql.CreateBank(overdraft, TimeProvider.System.GetUtcNow()), cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }

        var state = new BankState(0, 0);
        var chunk = new List<FundedAccount>(o.Batch);
        long funded = 0;
        await ProgressReporter.RunAsync($"accounts {o.Prefix}-*", o.Count, o.Plain, async report =>
        {
            for (var start = 1; start <= o.Count; start += o.Batch)
            {
                var now = TimeProvider.System.GetUtcNow();
                chunk.Clear();
                var end = Math.Min(o.Count, start + o.Batch - 1);
                for (var n = start; n <= end; n++)
                {
                    chunk.Add(new FundedAccount(AccountIds.Of(o.Prefix, n), balances.Next(), Guid.CreateVersion7(now)));
                }

                var (inserts, after) = sql.Inserts(chunk, state, now);
                await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, tx, inserts, cancellationToken);
                if (await ExecuteAsync(connection, tx, sql.MoveBank(state, after, now), cancellationToken) != 1)
                {
                    throw new MockDataException(
                        $"{bank} changed while the generator was funding from it (someone posted against it); this chunk was rolled back.");
                }

                await tx.CommitAsync(cancellationToken);
                state = after;
                funded += chunk.Count;
                report(chunk.Count);
            }
        });

        stopwatch.Stop();
        var rows = (2L * (funded + 1)) + funded + (2 * funded);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accounts: {funded:N0} accounts {AccountIds.Of(o.Prefix, 1)} .. {last} in {o.Currency}, funded from {bank} " +
            $"(balance {Amounts.Format(state.Balance, minorUnits.Value)}, version {state.Version}); seed {o.Seed}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accounts: {rows:N0} rows (accounts, audit_log, transactions, entries) in {seconds:0.00} s: " +
            $"{rows / seconds:N0} rows/s, {funded / seconds:N0} accounts/s"));
        return 0;
    }

    private static async Task<int> ExecuteAsync(MySqlConnection connection, MySqlTransaction tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection, tx) { CommandTimeout = 600 };
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<T> ScalarAsync<T>(MySqlConnection connection, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync(cancellationToken);
        if (result is null or DBNull)
        {
            return default!;
        }

        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(result, type, CultureInfo.InvariantCulture);
    }
}

/// <summary>A refusal or failure the generator explains in one sentence (exit code 1).</summary>
internal sealed class MockDataException : Exception
{
    public MockDataException()
    {
    }

    public MockDataException(string message)
        : base(message)
    {
    }

    public MockDataException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
