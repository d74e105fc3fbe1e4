using System.Globalization;
using System.Text;

namespace Ledger.MockData;

/// <summary>The bank's balance and version as the database holds them (balance in minor units, negative once it
/// has funded accounts).</summary>
internal readonly record struct BankState(long Version, long Balance);

/// <summary>One new account and the transfer that gives it its opening balance.</summary>
internal readonly record struct FundedAccount(string Id, long Balance, Guid TransferId);

/// <summary>Seeded opening balances: the same seed and range give the same balances in the same order.</summary>
internal sealed class SeededBalances
{
    private readonly Random _random;
    private readonly long _min;
    private readonly long _max;

    public SeededBalances(int seed, long minMinor, long maxMinor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minMinor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMinor, minMinor);
        _random = new Random(seed);
        _min = minMinor;
        _max = maxMinor;
    }

    /// <summary>The next balance, in minor units, between the bounds inclusive.</summary>
    public long Next() => _random.NextInt64(_min, _max + 1);
}

/// <summary>
/// The SQL that writes mock accounts straight into the ledger's tables while keeping every invariant the integrity
/// verifier checks: each account is created at version 0 and funded by one transfer from the bank, so it ends at
/// version 1 with one entry whose balance_after is its balance; the bank gets one entry per funding, with versions
/// following its own and a running balance_after, and its row is moved to the last of them. A chunk's statements run
/// in one transaction, so after every commit the ledger adds up (and a run cut short leaves a consistent ledger).
/// Values are written as literals: ids and the currency are validated before they get here, and one multi-row
/// statement per table is what makes this fast.
/// </summary>
internal sealed class FundingSql
{
    /// <summary>Who the rows say created them (accounts.created_by, transfers.posted_by, audit_log.actor).</summary>
    public const string Actor = "mockdata";

    /// <summary>transfers.reference of every funding transfer.</summary>
    public const string Reference = "mockdata opening balance";

    private readonly string _bank;
    private readonly string _currency;
    private readonly string _correlationId;

    public FundingSql(string prefix, string currency)
    {
        AccountIds.ValidatePrefix(prefix);
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            throw new ArgumentException($"Currency '{currency}': three upper-case letters.", nameof(currency));
        }

        _bank = AccountIds.Bank(prefix);
        _currency = currency;
        _correlationId = "mockdata-" + prefix;
    }

    /// <summary>Creates the bank at version 0 with a zero balance, and audits it as the API would.</summary>
    public string CreateBank(long overdraftLimit, DateTimeOffset now)
    {
        var sb = new StringBuilder(512);
        var ts = Timestamp(now);
        sb.Append("INSERT INTO accounts (id, currency, balance, overdraft_limit, version, created_at, created_by, updated_at) VALUES ");
        AppendAccount(sb, _bank, balance: 0, overdraftLimit, version: 0, ts);
        sb.Append(";\nINSERT INTO audit_log (occurred_at, actor, action, entity_type, entity_id, details, correlation_id) VALUES ");
        AppendAudit(sb, _bank, overdraftLimit, ts);
        sb.Append(';');
        return sb.ToString();
    }

    /// <summary>The inserts for one chunk of funded accounts: accounts, audit rows, transfers and entries.</summary>
    /// <returns>The SQL and the bank's state after it.</returns>
    public (string Sql, BankState After) Inserts(IReadOnlyList<FundedAccount> accounts, BankState before, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentOutOfRangeException.ThrowIfZero(accounts.Count);
        var ts = Timestamp(now);
        var sb = new StringBuilder(accounts.Count * 600);

        sb.Append("INSERT INTO accounts (id, currency, balance, overdraft_limit, version, created_at, created_by, updated_at) VALUES ");
        for (var i = 0; i < accounts.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            AppendAccount(sb, accounts[i].Id, accounts[i].Balance, overdraftLimit: 0, version: 1, ts);
        }

        sb.Append(";\nINSERT INTO audit_log (occurred_at, actor, action, entity_type, entity_id, details, correlation_id) VALUES ");
        for (var i = 0; i < accounts.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            AppendAudit(sb, accounts[i].Id, overdraftLimit: 0, ts);
        }

        sb.Append(";\nINSERT INTO transactions (id, currency, legs, posted_at, posted_by, correlation_id, reference) VALUES ");
        for (var i = 0; i < accounts.Count; i++)
        {
            var a = accounts[i];
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append('(');
            AppendId(sb, a.TransferId);
            sb.Append(",'").Append(_currency).Append("',2,'")
              .Append(ts).Append("','").Append(Actor).Append("','").Append(_correlationId).Append("','")
              .Append(Reference).Append("')");
        }

        sb.Append(";\nINSERT INTO entries (account_id, account_version, transfer_id, amount, balance_after, posted_at) VALUES ");
        var bank = before;
        for (var i = 0; i < accounts.Count; i++)
        {
            var a = accounts[i];
            bank = new BankState(bank.Version + 1, checked(bank.Balance - a.Balance));
            if (i > 0)
            {
                sb.Append(',');
            }

            AppendEntry(sb, _bank, bank.Version, a.TransferId, -a.Balance, bank.Balance, ts);
            sb.Append(',');
            AppendEntry(sb, a.Id, 1, a.TransferId, a.Balance, a.Balance, ts);
        }

        sb.Append(';');
        return (sb.ToString(), bank);
    }

    /// <summary>Moves the bank to its state after a chunk, guarded by the version it had before (optimistic locking,
    /// as every balance change in the ledger): zero rows means someone else posted against the bank meanwhile.</summary>
    public string MoveBank(BankState before, BankState after, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture,
            $"UPDATE accounts SET balance = {after.Balance}, version = {after.Version}, updated_at = '{Timestamp(now)}' WHERE id = '{_bank}' AND version = {before.Version} AND balance = {before.Balance};");

    /// <summary>A DATETIME(6) literal in UTC.</summary>
    public static string Timestamp(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>A transfer id as the ledger stores it: BINARY(16), big-endian, so UUIDv7 ids sort by time.</summary>
    public static void AppendId(StringBuilder sb, Guid id)
    {
        ArgumentNullException.ThrowIfNull(sb);
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        sb.Append("X'").Append(Convert.ToHexString(bytes)).Append('\'');
    }

    private void AppendAccount(StringBuilder sb, string id, long balance, long overdraftLimit, long version, string ts) =>
        sb.Append("('").Append(id).Append("','").Append(_currency).Append("',")
          .Append(balance.ToString(CultureInfo.InvariantCulture)).Append(',')
          .Append(overdraftLimit.ToString(CultureInfo.InvariantCulture)).Append(',')
          .Append(version.ToString(CultureInfo.InvariantCulture)).Append(",'").Append(ts).Append("','")
          .Append(Actor).Append("','").Append(ts).Append("')");

    private void AppendAudit(StringBuilder sb, string id, long overdraftLimit, string ts) =>
        sb.Append("('").Append(ts).Append("','").Append(Actor).Append("','account.created','account','").Append(id)
          .Append("','{\"currency\":\"").Append(_currency).Append("\",\"overdraftLimit\":")
          .Append(overdraftLimit.ToString(CultureInfo.InvariantCulture)).Append("}','").Append(_correlationId).Append("')");

    private static void AppendEntry(StringBuilder sb, string account, long version, Guid transferId, long amount, long balanceAfter, string ts)
    {
        sb.Append("('").Append(account).Append("',").Append(version.ToString(CultureInfo.InvariantCulture)).Append(',');
        AppendId(sb, transferId);
        sb.Append(',').Append(amount.ToString(CultureInfo.InvariantCulture)).Append(',')
          .Append(balanceAfter.ToString(CultureInfo.InvariantCulture)).Append(",'").Append(ts).Append("')");
    }
}
