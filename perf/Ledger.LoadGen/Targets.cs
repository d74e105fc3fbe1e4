using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ledger.LoadGen;

/// <summary>What the load generator drives: the library in this process, or the HTTP API.</summary>
internal interface ITarget : IAsyncDisposable
{
    string Describe { get; }

    Task CreateAccountAsync(string id, decimal overdraftLimit, CancellationToken cancellationToken);

    /// <summary>Posts a transfer; null when posted (or replayed), else the refusal's code.</summary>
    Task<string?> PostAsync(Guid id, string source, string destination, decimal amount, CancellationToken cancellationToken);

    /// <summary>How many transfers a caller posts per call: 1, or the batch size of the baseline's batch procedure.</summary>
    int TransfersPerCall => 1;

    /// <summary>Posts <see cref="TransfersPerCall"/> transfers in one call; per transfer, null when posted (or
    /// replayed), else the refusal's code.</summary>
    Task<IReadOnlyList<string?>> PostBatchAsync(IReadOnlyList<TransferToPost> transfers, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{Describe} posts one transfer per call.");

    Task<bool> ReadBalanceAsync(string account, CancellationToken cancellationToken);
}

/// <summary>One transfer of a batch call.</summary>
internal readonly record struct TransferToPost(Guid Id, string Source, string Destination, decimal Amount);

internal sealed class LibraryTarget : ITarget
{
    private readonly ServiceProvider _services;
    private readonly ILedger _ledger;

    private LibraryTarget(ServiceProvider services, bool batching)
    {
        _services = services;
        _ledger = services.GetRequiredService<ILedger>();
        Describe = $"library in-process, batching {(batching ? "on" : "off")}";
    }

    public string Describe { get; }

    public static async Task<LibraryTarget> CreateAsync(Options settings)
    {
        var connection = Environment.GetEnvironmentVariable("ConnectionStrings__Ledger")
            ?? throw new InvalidOperationException("Set ConnectionStrings__Ledger: eval \"$(bash scripts/servers-up.sh --print-env)\".");
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddLedger(options =>
            {
                options.ConnectionString = connection;
                options.RedisConnectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Redis");
                options.Batching.Enabled = settings.Batching;
                options.Batching.MaxBatchSize = settings.BatchSizeOrDefault;
                options.Batching.MaxConcurrentBatches = settings.ConcurrentBatches;
            })
            .BuildServiceProvider();
        var target = new LibraryTarget(services, settings.Batching);
        await target._ledger.MigrateAsync();
        return target;
    }

    public async Task CreateAccountAsync(string id, decimal overdraftLimit, CancellationToken cancellationToken)
    {
        var result = await _ledger.CreateAccountAsync(
            new CreateAccountRequest { Id = id, Currency = "USD", OverdraftLimit = overdraftLimit, Actor = "loadgen" }, cancellationToken);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"Creating {id}: {result.Error}");
        }
    }

    public async Task<string?> PostAsync(Guid id, string source, string destination, decimal amount, CancellationToken cancellationToken)
    {
        var result = await _ledger.PostTransferAsync(new PostTransferRequest
        {
            Id = id, SourceAccountId = source, DestinationAccountId = destination, Amount = amount, PostedBy = "loadgen",
        }, cancellationToken);
        return result.IsSuccess ? null : result.Error.CodeName;
    }

    public async Task<bool> ReadBalanceAsync(string account, CancellationToken cancellationToken) =>
        (await _ledger.GetBalanceAsync(account, cancellationToken)).IsSuccess;

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

internal sealed class HttpTarget : ITarget
{
    private readonly HttpClient _client;

    public HttpTarget(string url, string key, int concurrency)
    {
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency + 8,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(30),
        };
        _client.DefaultRequestHeaders.Add("X-Api-Key", key);
        Describe = $"HTTP API at {url}";
    }

    public string Describe { get; }

    public async Task CreateAccountAsync(string id, decimal overdraftLimit, CancellationToken cancellationToken)
    {
        using var response = await _client.PostAsJsonAsync("/v1/accounts", new { id, currency = "USD", overdraftLimit }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public async Task<string?> PostAsync(Guid id, string source, string destination, decimal amount, CancellationToken cancellationToken)
    {
        using var response = await _client.PostAsJsonAsync(
            "/v1/transfers", new { id, sourceAccountId = source, destinationAccountId = destination, amount }, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
            return problem.RootElement.TryGetProperty("code", out var code) ? code.GetString() : $"http_{(int)response.StatusCode}";
        }
        catch (JsonException)
        {
            return $"http_{(int)response.StatusCode}";
        }
    }

    public async Task<bool> ReadBalanceAsync(string account, CancellationToken cancellationToken)
    {
        using var response = await _client.GetAsync(new Uri($"/v1/accounts/{account}/balance", UriKind.Relative), cancellationToken);
        return response.IsSuccessStatusCode;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
