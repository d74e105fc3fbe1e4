using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Ledger.IntegrationTests.Upgrade;

/// <summary>A database of the previous version with a history posted through that version's procedures (each kind of
/// posting it knew: transfers, a reversal, a refusal, a batch with a refusal in it), then upgraded in place by this
/// version's migrator through <see cref="ILedger.MigrateAsync"/>. What the tables held just before the upgrade is kept,
/// to hold the upgraded database against it. The database is the fixture's own and is dropped at the end.</summary>
public sealed class UpgradeFixture : IAsyncLifetime
{
    /// <summary>The history's times: before any clock the tests run on, so a client timestamp is never in the future.</summary>
    private static readonly DateTime Start = new(2024, 5, 6, 10, 0, 0, DateTimeKind.Utc);

    private readonly LedgerFixture _servers = new();

    /// <summary>The administrative connection string of the upgraded database, for the tests' own SQL.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>This version's ledger, as a host wires it (AddLedger), over the upgraded database.</summary>
    public ILedger Ledger { get; private set; } = null!;

    /// <summary>A pod of the previous version, still running against the upgraded database.</summary>
    internal PreviousVersionPod OldPod { get; private set; } = null!;

    public MigrationResult Upgrade { get; private set; } = null!;

    public string Bank { get; } = Ids.Account("bank");

    public string Alice { get; } = Ids.Account("alice");

    public string Bob { get; } = Ids.Account("bob");

    public string Carol { get; } = Ids.Account("carol");

    public string Dave { get; } = Ids.Account("dave");

    public string EuroBank { get; } = Ids.Account("eurbank");

    public string Anna { get; } = Ids.Account("anna");

    /// <summary>Bank to Alice, 100.00 USD, with a client timestamp, a reference and a correlation id.</summary>
    internal OldTransfer Funding { get; private set; } = null!;

    /// <summary>Alice to Bob, 30.00 USD; reversed by <see cref="RentReversal"/>.</summary>
    internal OldTransfer Rent { get; private set; } = null!;

    /// <summary>Bob to Alice, 30.00 USD, the reversal of <see cref="Rent"/>, under the id the library derives for it.</summary>
    internal OldTransfer RentReversal { get; private set; } = null!;

    /// <summary>Alice to Carol, 500.00 USD: refused for insufficient funds by ledger_post_transfer.</summary>
    internal OldTransfer Refused { get; private set; } = null!;

    /// <summary>Through ledger_post_transfers: Alice to Bob 10.00, Alice to Carol 5.50 (currency named), Bob to Dave 2.25
    /// (client timestamp), Carol to Dave 1000.00 (refused for funds), EuroBank to Anna 12.34 EUR.</summary>
    internal IReadOnlyList<OldTransfer> Batch { get; private set; } = [];

    internal OldTransfer BatchRefused => Batch[3];

    /// <summary>Every transfer the previous version posted.</summary>
    internal IReadOnlyList<OldTransfer> Posted => [Funding, Rent, RentReversal, .. Batch.Where(transfer => transfer != BatchRefused)];

    /// <summary>The rows of <c>transfers</c> just before the upgrade, by id, in <see cref="TransferColumns"/>.</summary>
    public IReadOnlyDictionary<Guid, string> TransfersBefore { get; private set; } = new Dictionary<Guid, string>();

    /// <summary>The rows of <c>entries</c> just before the upgrade, in <see cref="EntryColumns"/>.</summary>
    public IReadOnlySet<string> EntriesBefore { get; private set; } = new HashSet<string>();

    /// <summary>A transfer's columns in the shape of both <c>transfers</c> and the view <c>ledger_transfers</c> (NULL
    /// shown as NULL, times with their microseconds).</summary>
    public const string TransferColumns =
        "HEX(id), CONCAT_WS('|', source_account_id, destination_account_id, amount, currency, QUOTE(client_timestamp), " +
        "posted_at, posted_by, QUOTE(correlation_id), QUOTE(reference), QUOTE(HEX(reversal_of)))";

    /// <summary>A transaction's header in the shape of <see cref="TransferHeaderColumns"/>.</summary>
    public const string TransactionHeaderColumns =
        "HEX(id), CONCAT_WS('|', legs, currency, QUOTE(client_timestamp), posted_at, posted_by, QUOTE(correlation_id), " +
        "QUOTE(reference), QUOTE(HEX(reversal_of)))";

    /// <summary>A transfer's header as the two-leg transaction it must become.</summary>
    public const string TransferHeaderColumns =
        "HEX(id), CONCAT_WS('|', 2, currency, QUOTE(client_timestamp), posted_at, posted_by, QUOTE(correlation_id), " +
        "QUOTE(reference), QUOTE(HEX(reversal_of)))";

    public const string EntryColumns =
        "CONCAT_WS('|', account_id, account_version, HEX(transfer_id), amount, balance_after, posted_at)";

    public async Task InitializeAsync()
    {
        await _servers.InitializeAsync();
        ConnectionString = await NewDatabaseAsync();
        var (app, migrator) = TestServers.AsLedgerUsers(ConnectionString);
        await PreviousVersion.BuildAsync(migrator);
        OldPod = new PreviousVersionPod(app);

        await PostHistoryAsync();
        TransfersBefore = (await QueryAsync($"SELECT {TransferColumns} FROM transfers")).ToDictionary(row => row.Id, row => row.Value);
        EntriesBefore = (await QueryAsync($"SELECT HEX(transfer_id), {EntryColumns} FROM entries")).Select(row => row.Value).ToHashSet();

        Ledger = CreateLedger(ConnectionString);
        Upgrade = await Ledger.MigrateAsync();
    }

    /// <summary>This version's ledger over <paramref name="connectionString"/>'s database, wired as a host wires it.</summary>
    public ILedger CreateLedger(string connectionString) =>
        _servers.CreateServices(options => options.ConnectionString = connectionString).GetRequiredService<ILedger>();

    /// <summary>The administrative connection string of a database of the tests' own, not created yet (the migrator
    /// creates it; its name has the prefix the test users may create); dropped by <see cref="DropDatabaseAsync"/>.</summary>
    public static async Task<string> NewDatabaseAsync()
    {
        var servers = await TestServers.GetAsync();
        var name = $"ledger_it_upgrade_{Guid.NewGuid():N}"[..40];
        return new MySqlConnectionStringBuilder(servers.MySql) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString);
        var name = builder.Database;
        builder.Database = string.Empty;
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new MySqlCommand($"DROP DATABASE IF EXISTS `{name}`", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Rows of (id, text): the first column a <c>HEX(id)</c> of a <c>BINARY(16)</c>, the second anything.</summary>
    public Task<IReadOnlyList<(Guid Id, string Value)>> QueryAsync(string sql, params (string Name, object? Value)[] parameters) =>
        QueryAsync(ConnectionString, sql, parameters);

    public static async Task<IReadOnlyList<(Guid Id, string Value)>> QueryAsync(
        string connectionString, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var rows = new List<(Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((new Guid(Convert.FromHexString(reader.GetString(0)), bigEndian: true), reader.GetString(1)));
        }

        return rows;
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync();
        return (T)Convert.ChangeType(result!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A time of the old pods' clocks, <paramref name="seconds"/> after the history began.</summary>
    internal static DateTime At(double seconds) => Start.AddSeconds(seconds);

    private async Task PostHistoryAsync()
    {
        await OldPod.CreateAccountAsync(Bank, "USD", overdraftLimitMinorUnits: 100_000_000_00, At(0));
        foreach (var account in new[] { Alice, Bob, Carol, Dave })
        {
            await OldPod.CreateAccountAsync(account, "USD", overdraftLimitMinorUnits: 0, At(0));
        }

        await OldPod.CreateAccountAsync(EuroBank, "EUR", overdraftLimitMinorUnits: 100_000_000_00, At(0));
        await OldPod.CreateAccountAsync(Anna, "EUR", overdraftLimitMinorUnits: 0, At(0));

        Funding = new OldTransfer(Guid.CreateVersion7(), Bank, Alice, 100m, At(1))
        {
            ClientTimestamp = Start.AddMinutes(-1).AddTicks(1230), Reference = "opening balance", CorrelationId = "corr-funding",
        };
        Rent = new OldTransfer(Guid.CreateVersion7(), Alice, Bob, 30m, At(2)) { Reference = "rent" };
        // The previous version derived a reversal's id when the caller named none, as this one does.
        RentReversal = new OldTransfer(Uuids.ReversalIdOf(Rent.Id), Bob, Alice, 30m, At(3)) { Reference = "rent refunded", ReversalOf = Rent.Id };
        Refused = new OldTransfer(Guid.CreateVersion7(), Alice, Carol, 500m, At(4)) { Reference = "too much" };
        foreach (var (transfer, status) in new[] { (Funding, 0), (Rent, 0), (RentReversal, 0), (Refused, PreviousVersionPod.InsufficientFunds) })
        {
            Assert.Equal(new OldOutcome(status, Replayed: false), await OldPod.PostTransferAsync(transfer));
        }

        Batch =
        [
            new OldTransfer(Guid.CreateVersion7(), Alice, Bob, 10m, At(5)) { Reference = "batch one" },
            new OldTransfer(Guid.CreateVersion7(), Alice, Carol, 5.5m, At(5)) { Currency = "USD" },
            new OldTransfer(Guid.CreateVersion7(), Bob, Dave, 2.25m, At(5)) { ClientTimestamp = Start.AddSeconds(4.5) },
            new OldTransfer(Guid.CreateVersion7(), Carol, Dave, 1000m, At(5)) { Reference = "carol cannot" },
            new OldTransfer(Guid.CreateVersion7(), EuroBank, Anna, 12.34m, At(5)) { Currency = "EUR", CorrelationId = "corr-eur" },
        ];
        Assert.Equal(
            [0, 0, 0, PreviousVersionPod.InsufficientFunds, 0],
            (await OldPod.PostTransfersAsync(Batch, At(5))).Select(outcome => outcome.Status));
    }

    public async Task DisposeAsync()
    {
        // The ledgers' connections first, so nothing of theirs holds the database being dropped.
        await _servers.DisposeAsync();
        if (ConnectionString.Length > 0)
        {
            await DropDatabaseAsync(ConnectionString);
        }
    }
}
