using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ledger.Core.Tests;

public sealed class LedgerOptionsValidatorTests
{
    private const string ConnectionString = "Server=127.0.0.1;Port=3306;Database=ledger;User ID=ledger;Password=secret";

    private static LedgerOptions ValidOptions() => new() { ConnectionString = ConnectionString };

    private static ValidateOptionsResult Validate(LedgerOptions options) =>
        new LedgerOptionsValidator().Validate(Options.DefaultName, options);

    // Each row breaks one setting; the failure must name it (so an operator knows what to fix).
    private static readonly Dictionary<string, (Action<LedgerOptions> Break, string Named)> InvalidSettings = new(StringComparer.Ordinal)
    {
        ["missing connection string"] = (o => o.ConnectionString = "", "ConnectionStrings:Ledger"),
        ["blank connection string"] = (o => o.ConnectionString = "   ", "ConnectionStrings:Ledger"),
        ["connection string without Database"] = (o => o.ConnectionString = "Server=127.0.0.1;User ID=x;Password=y", "Database"),
        ["connection string with an unknown option"] = (o => o.ConnectionString = "Server=127.0.0.1;Database=ledger;Bogus=1", "ConnectionStrings:Ledger"),
        ["migrator connection string naming another database"] = (o => o.MigrationConnectionString = "Server=127.0.0.1;Database=other;User ID=m", "ConnectionStrings:LedgerMigrator"),
        ["migrator connection string without Database"] = (o => o.MigrationConnectionString = "Server=127.0.0.1;User ID=m", "ConnectionStrings:LedgerMigrator"),
        ["migrator connection string with an unknown option"] = (o => o.MigrationConnectionString = "Server=127.0.0.1;Database=ledger;Bogus=1", "ConnectionStrings:LedgerMigrator"),
        ["MaxRetries 11"] = (o => o.Retry.MaxRetries = 11, "MaxRetries"),
        ["MaxRetries -1"] = (o => o.Retry.MaxRetries = -1, "MaxRetries"),
        ["negative BaseDelay"] = (o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(-1), "BaseDelay"),
        ["MaxDelay below BaseDelay"] = (o => { o.Retry.BaseDelay = TimeSpan.FromSeconds(2); o.Retry.MaxDelay = TimeSpan.FromSeconds(1); }, "MaxDelay"),
        ["OperationTimeout 0"] = (o => o.Cache.OperationTimeout = TimeSpan.Zero, "OperationTimeout"),
        ["OperationTimeout negative"] = (o => o.Cache.OperationTimeout = TimeSpan.FromMilliseconds(-1), "OperationTimeout"),
        ["OperationTimeout 31 s"] = (o => o.Cache.OperationTimeout = TimeSpan.FromSeconds(31), "OperationTimeout"),
        ["empty KeyPrefix"] = (o => o.Cache.KeyPrefix = "", "KeyPrefix"),
        ["empty DefaultActor"] = (o => o.DefaultActor = "", "DefaultActor"),
        ["DefaultActor of 101 characters"] = (o => o.DefaultActor = new string('a', 101), "DefaultActor"),
        ["negative MaxClockSkew"] = (o => o.MaxClockSkew = TimeSpan.FromSeconds(-1), "MaxClockSkew"),
        ["MaxClockSkew over a day"] = (o => o.MaxClockSkew = TimeSpan.FromDays(1).Add(TimeSpan.FromTicks(1)), "MaxClockSkew"),
        ["KeyPrefix with a hash tag"] = (o => o.Cache.KeyPrefix = "{app}:", "KeyPrefix"),
        ["negative overdraft cap"] = (o => o.Overdraft.DefaultMaximum = -1m, "Ledger:Overdraft"),
        ["overdraft cap at the largest amount"] = (o => o.Overdraft.Maximum["USD"] = Amounts.MaxMajorAmount, "Ledger:Overdraft"),
        ["overdraft cap for a lowercase code"] = (o => o.Overdraft.Maximum["usd"] = 5m, "Ledger:Overdraft:Maximum:usd"),
    };

    public static TheoryData<string> InvalidSettingRows => new(InvalidSettings.Keys);

    [Fact]
    public void Validate_DefaultsWithConnectionString_Succeeds()
    {
        var result = Validate(ValidOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_BoundaryValues_Succeed()
    {
        var options = ValidOptions();
        options.Retry.MaxRetries = 10;
        options.Retry.BaseDelay = TimeSpan.Zero;
        options.Retry.MaxDelay = TimeSpan.Zero;
        options.Cache.OperationTimeout = TimeSpan.FromSeconds(30);
        options.DefaultActor = new string('a', 100);
        options.MaxClockSkew = TimeSpan.Zero;
        options.MigrationConnectionString = "Server=db;Database=ledger;User ID=ledger_migrator;Password=other";

        var result = Validate(options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [MemberData(nameof(InvalidSettingRows))]
    public void Validate_InvalidSetting_FailsNamingTheSetting(string row)
    {
        var (breakIt, named) = InvalidSettings[row];
        var options = ValidOptions();
        breakIt(options);

        var result = Validate(options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains(named, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:6379")]
    [InlineData("127.0.0.1:6379,abortConnect=false")]
    [InlineData("redis-a:6379,redis-b:6379,redis-c:6379,password=secret,ssl=true")]
    public void Validate_ValidRedisConnectionString_Succeeds(string redis)
    {
        var options = ValidOptions();
        options.RedisConnectionString = redis;

        var result = Validate(options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_MalformedRedisConnectionString_FailsNamingIt()
    {
        // The validator promises that a bad setting stops the host at start-up; an unparsable Redis connection
        // string must not wait until the cache is first built (where ConfigurationOptions.Parse throws).
        var options = ValidOptions();
        options.RedisConnectionString = "127.0.0.1:6379,bogus=1";

        var result = Validate(options);

        Assert.True(result.Failed, "A Redis connection string that StackExchange.Redis cannot parse passed validation.");
        Assert.Contains(result.Failures!, failure => failure.Contains("ConnectionStrings:Redis", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SeveralInvalidSettings_ReportsEveryOne()
    {
        var options = new LedgerOptions { DefaultActor = "" };
        options.Retry.MaxRetries = 11;
        options.Cache.KeyPrefix = "";
        options.Cache.OperationTimeout = TimeSpan.Zero;

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Equal(5, result.Failures!.Count());
        foreach (var named in new[] { "ConnectionStrings:Ledger", "DefaultActor", "MaxRetries", "KeyPrefix", "OperationTimeout" })
        {
            Assert.Contains(result.Failures!, failure => failure.Contains(named, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_MissingConnectionString_ReportsItOnce()
    {
        // The [Required] attribute and the explicit check would otherwise both report it.
        var result = Validate(new LedgerOptions());

        Assert.Equal(["ConnectionStrings:Ledger is required."], result.Failures!);
    }

    [Fact]
    public void AddLedger_Configuration_BindsConnectionStringsAndSection()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ledger"] = ConnectionString,
                ["ConnectionStrings:Redis"] = "127.0.0.1:6379,abortConnect=false",
                ["Ledger:Retry:MaxRetries"] = "7",
                ["Ledger:Cache:KeyPrefix"] = "tenant-a:",
                ["Ledger:DefaultActor"] = "batch",
                ["Ledger:MaxClockSkew"] = "00:02:00",
            })
            .Build();
        using var provider = new ServiceCollection().AddLedger(configuration).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<LedgerOptions>>().Value;

        Assert.Equal(ConnectionString, options.ConnectionString);
        Assert.Equal("127.0.0.1:6379,abortConnect=false", options.RedisConnectionString);
        Assert.Equal(7, options.Retry.MaxRetries);
        Assert.Equal("tenant-a:", options.Cache.KeyPrefix);
        Assert.Equal("batch", options.DefaultActor);
        Assert.Equal(TimeSpan.FromMinutes(2), options.MaxClockSkew);
        // Unset settings keep their documented defaults.
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.Retry.BaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Retry.MaxDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.Cache.OperationTimeout);
        Assert.False(options.MigrateOnStartup);
    }

    [Fact]
    public void AddLedger_ConfigurationWithoutRedis_LeavesCacheOff()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Ledger"] = ConnectionString })
            .Build();
        using var provider = new ServiceCollection().AddLedger(configuration).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<LedgerOptions>>().Value;

        Assert.Null(options.RedisConnectionString);
        Assert.Equal("ledger:", options.Cache.KeyPrefix);
        Assert.Equal(3, options.Retry.MaxRetries);
    }

    [Fact]
    public void AddLedger_InvalidConfiguration_FailsNamingEverySetting()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Ledger:Retry:MaxRetries"] = "11",
                ["Ledger:Cache:KeyPrefix"] = "",
            })
            .Build();
        using var provider = new ServiceCollection().AddLedger(configuration).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LedgerOptions>>().Value);

        Assert.Contains(ex.Failures, failure => failure.Contains("ConnectionStrings:Ledger", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, failure => failure.Contains("MaxRetries", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, failure => failure.Contains("KeyPrefix", StringComparison.Ordinal));
    }

    [Fact]
    public void AddLedger_Configure_RegistersTheValidator()
    {
        using var provider = new ServiceCollection()
            .AddLedger(o => o.ConnectionString = "Server=127.0.0.1;User ID=x")
            .BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LedgerOptions>>().Value);

        Assert.Contains(ex.Failures, failure => failure.Contains("Database", StringComparison.Ordinal));
    }

    [Fact]
    public void AddLedger_NullArguments_Throw()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentNullException>(() => services.AddLedger((IConfiguration)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddLedger((Action<LedgerOptions>)null!));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddLedger(_ => { }));
        Assert.Throws<ArgumentNullException>(() => ((IServiceCollection)null!).AddLedger(new ConfigurationBuilder().Build()));
    }
}
