using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Ledger;

/// <summary>Checks the options and their nested sections at start-up, so a bad setting stops the host early with
/// every problem named, instead of failing at the first request.</summary>
internal sealed class LedgerOptionsValidator : IValidateOptions<LedgerOptions>
{
    /// <summary>The database a connection string names, or null (with the failure recorded) when it names none or
    /// does not parse; null without a failure when it is empty.</summary>
    private static string? CheckConnectionString(string? connectionString, string setting, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        try
        {
            var builder = new MySqlConnectionStringBuilder(connectionString);
            if (!string.IsNullOrEmpty(builder.Database))
            {
                return builder.Database;
            }

            failures.Add($"{setting} must name a database (Database=...).");
        }
        catch (ArgumentException ex)
        {
            failures.Add($"{setting} is not a valid connection string: {ex.Message}");
        }

        return null;
    }

    public ValidateOptionsResult Validate(string? name, LedgerOptions options)
    {
        var failures = new List<string>();
        Check(options, "Ledger", failures);
        Check(options.Retry, "Ledger:Retry", failures);
        Check(options.Cache, "Ledger:Cache", failures);
        Check(options.Batching, "Ledger:Batching", failures);
        Check(options.Outbox, "Ledger:Outbox", failures);

        var database = CheckConnectionString(options.ConnectionString, "ConnectionStrings:Ledger", failures);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("ConnectionStrings:Ledger is required.");
        }

        if (!string.IsNullOrWhiteSpace(options.MigrationConnectionString))
        {
            var migrationDatabase = CheckConnectionString(options.MigrationConnectionString, "ConnectionStrings:LedgerMigrator", failures);
            if (database is not null && migrationDatabase is not null && !string.Equals(database, migrationDatabase, StringComparison.Ordinal))
            {
                failures.Add($"ConnectionStrings:LedgerMigrator must name the database ConnectionStrings:Ledger names ('{database}'), not '{migrationDatabase}'.");
            }
        }

        foreach (var (currency, maximum) in options.Overdraft.Maximum.Append(new("(default)", options.Overdraft.DefaultMaximum)))
        {
            if (currency != "(default)" && !Validation.IsCurrencyCode(currency))
            {
                failures.Add($"Ledger:Overdraft:Maximum:{currency}: the key must be an ISO 4217 code in capitals.");
            }

            if (maximum < 0m || maximum >= Amounts.MaxMajorAmount)
            {
                failures.Add($"Ledger:Overdraft {currency}: the maximum must be zero or more and below {Amounts.MaxMajorAmount}.");
            }
        }

        if (options.Retry.BaseDelay < TimeSpan.Zero || options.Retry.MaxDelay < options.Retry.BaseDelay)
        {
            failures.Add("Ledger:Retry: BaseDelay must be zero or more and MaxDelay at least BaseDelay.");
        }

        if (options.Cache.OperationTimeout <= TimeSpan.Zero || options.Cache.OperationTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add("Ledger:Cache:OperationTimeout must be above zero and at most 30 seconds.");
        }

        if (options.Cache.BreakDuration < TimeSpan.FromMilliseconds(500) || options.Cache.BreakDuration > TimeSpan.FromMinutes(5))
        {
            failures.Add("Ledger:Cache:BreakDuration must be from 0.5 seconds to 5 minutes.");
        }

        if (options.Outbox.SweepInterval <= TimeSpan.Zero || options.Outbox.SweepInterval > TimeSpan.FromMinutes(5) ||
            options.Outbox.MaxBackoff < options.Outbox.SweepInterval)
        {
            failures.Add("Ledger:Outbox: SweepInterval must be above zero and at most 5 minutes, and MaxBackoff at least SweepInterval.");
        }

        if (options.Outbox.Retention < TimeSpan.FromMinutes(1))
        {
            failures.Add("Ledger:Outbox:Retention must be at least one minute.");
        }

        if (options.Batching.MaxWait < TimeSpan.Zero || options.Batching.MaxWait > TimeSpan.FromSeconds(1))
        {
            failures.Add("Ledger:Batching:MaxWait must be from zero to one second.");
        }

        if (options.MaxClockSkew < TimeSpan.Zero || options.MaxClockSkew > TimeSpan.FromDays(1))
        {
            failures.Add("Ledger:MaxClockSkew must be from zero to one day.");
        }

        if (!string.IsNullOrWhiteSpace(options.RedisConnectionString))
        {
            try
            {
                StackExchange.Redis.ConfigurationOptions.Parse(options.RedisConnectionString);
            }
            catch (ArgumentException ex)
            {
                failures.Add($"ConnectionStrings:Redis is not a valid connection string: {ex.Message}");
            }
        }

        if (options.Cache.KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            // The account id in braces is each key's Redis Cluster hash tag; braces in the prefix would take its place.
            failures.Add("Ledger:Cache:KeyPrefix cannot contain '{' or '}'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(object instance, string section, List<string> failures)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true))
        {
            failures.AddRange(results
                .Where(r => !r.MemberNames.Contains(nameof(LedgerOptions.ConnectionString)))
                .Select(r => $"{section}: {r.ErrorMessage}"));
        }
    }
}
