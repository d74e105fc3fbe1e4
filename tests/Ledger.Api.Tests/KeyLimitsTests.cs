using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Ledger;
using MySqlConnector;

namespace Ledger.Api.Tests;

/// <summary>
/// No caller takes what the host shares: a key's posts are held to its rate and to its share of the posting slots
/// (429 <c>overloaded</c>, while other keys go on); wrong keys from one address are answered 429 after a few, the right
/// key included, so guessing gains nothing; one integrity scan runs at a time.
/// </summary>
public sealed class KeyLimitsTests
{
    [Fact]
    public async Task Posts_BeyondTheKeysShareOfSlots_Are429WhileAnotherKeyIsServed()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var admitted = 0;
        await using var api = await ApiAsync(new() { ["Api:MaxConcurrentRequestsPerKey"] = "2" });
        var held = await api.CreateAccountAsync(overdraftLimit: 1_000m, label: "limit-held");
        var heldTo = await api.CreateAccountAsync(label: "limit-held-to");
        var free = await api.CreateAccountAsync(overdraftLimit: 1_000m, label: "limit-free");
        var freeTo = await api.CreateAccountAsync(label: "limit-free-to");
        // The busy key's admitted posts wait inside the ledger until the test lets them go, so they hold their slots.
        await using var gated = Gated(api, (method, args) =>
            method.Name == nameof(ILedger.PostTransferAsync) && args[0] is PostTransferRequest { SourceAccountId: var source } && source == held,
            () => Interlocked.Increment(ref admitted), gate.Task);
        using var busy = Client(gated, ApiFactory.PosterKey);
        using var other = Client(gated, ApiFactory.PosterOnlyKey);
        var statuses = new ConcurrentBag<int>();

        var posts = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            using var response = await ApiCalls.PostTransferAsync(busy, Guid.CreateVersion7(), held, heldTo, 1m);
            statuses.Add((int)response.StatusCode);
            return response.Headers.RetryAfter?.Delta;
        })).ToArray();
        HttpResponseMessage? served = null;
        try
        {
            await Eventually.UntilAsync(() => statuses.Count(s => s == 429) == 4 && Volatile.Read(ref admitted) == 2,
                "two of the busy key's six posts admitted and four refused", () => $"{Volatile.Read(ref admitted)} admitted; {string.Join(",", statuses)}");
            // The busy key holds its two slots; another key is served meanwhile.
            served = await ApiCalls.PostTransferAsync(other, Guid.CreateVersion7(), free, freeTo, 1m);
            Assert.Equal(4, statuses.Count);
        }
        finally
        {
            gate.TrySetResult();
        }

        var retryAfter = await Task.WhenAll(posts);
        Assert.True(served.StatusCode == HttpStatusCode.Created, await ApiFactory.DescribeAsync(served));
        served.Dispose();
        Assert.Equal([201, 201, 429, 429, 429, 429], statuses.Order());
        Assert.All(retryAfter.Where(r => r is not null), r => Assert.True(r >= TimeSpan.FromSeconds(1)));
        Assert.Equal((-2m, 2L), await BalanceAsync(api, held));
    }

    [Fact]
    public async Task Posts_BeyondTheKeysRate_Are429WithRetryAfterAndChangeNothing()
    {
        await using var api = await ApiAsync(new() { ["Api:PostsPerSecondPerKey"] = "1" });
        var source = await api.CreateAccountAsync(overdraftLimit: 1_000m, label: "rate-src");
        var destination = await api.CreateAccountAsync(label: "rate-dst");
        using var client = api.CreateClient(ApiFactory.PosterKey);

        // Ten at once against one token a second: however slow the machine, most are over the rate.
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var response = await ApiCalls.PostTransferAsync(client, Guid.CreateVersion7(), source, destination, 1m);
            return ((int)response.StatusCode, response.Headers.RetryAfter?.Delta, await response.Content.ReadAsStringAsync());
        }));

        var refused = answers.Where(a => a.Item1 == 429).ToList();
        var posted = answers.Count(a => a.Item1 == 201);
        Assert.True(refused.Count >= 5 && posted >= 1 && refused.Count + posted == 10, string.Join("\n", answers.Select(a => $"{a.Item1} {a.Item3}")));
        Assert.All(refused, a =>
        {
            Assert.Contains("\"code\":\"overloaded\"", a.Item3, StringComparison.Ordinal);
            Assert.True(a.Delta >= TimeSpan.FromSeconds(1), "Retry-After of at least a second");
        });
        Assert.Equal((-posted * 1m, (long)posted), await BalanceAsync(api, source));
    }

    [Fact]
    public async Task WrongKeys_BeyondTheLimit_Are429AndSoIsTheRightKey()
    {
        await using var api = await ApiAsync(new() { ["Api:FailedAuthenticationsPerMinute"] = "3" });
        var account = await api.CreateAccountAsync(label: "guess");

        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            using var guess = api.CreateClient($"guessed-key-{i:D2}-0123456789abcdefghij");
            using var response = await guess.GetAsync(new Uri($"/v1/accounts/{account}", UriKind.Relative));
            statuses.Add((int)response.StatusCode);
        }

        using var right = api.CreateClient(ApiFactory.PosterKey);
        using var locked = await right.GetAsync(new Uri($"/v1/accounts/{account}", UriKind.Relative));
        using var health = api.CreateClient(key: null);
        using var live = await health.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal([401, 401, 401, 429], statuses);
        await ApiCalls.AssertProblemAsync(locked, HttpStatusCode.TooManyRequests, "too_many_failed_authentications");
        Assert.NotNull(locked.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task IntegrityScan_WhileOneRuns_IsRefusedWith429()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = await ApiAsync([]);
        await using var gated = Gated(api, (method, _) => method.Name == nameof(ILedger.VerifyAsync), () => entered.TrySetResult(), gate.Task);
        using var admin = Client(gated, ApiFactory.AdminKey);

        var first = admin.GetAsync(new Uri("/v1/admin/integrity", UriKind.Relative));
        await entered.Task.WaitAsync(Eventually.DefaultTimeout);
        using var second = await admin.GetAsync(new Uri("/v1/admin/integrity", UriKind.Relative));
        gate.SetResult();
        using var firstAnswer = await first;
        using var third = await admin.GetAsync(new Uri("/v1/admin/integrity", UriKind.Relative));

        await ApiCalls.AssertProblemAsync(second, HttpStatusCode.TooManyRequests, "overloaded");
        Assert.True(firstAnswer.StatusCode == HttpStatusCode.OK, await ApiFactory.DescribeAsync(firstAnswer));
        Assert.True(third.StatusCode == HttpStatusCode.OK, "the gate is free again: " + await ApiFactory.DescribeAsync(third));
    }

    private static async Task<ConfiguredApiFactory> ApiAsync(Dictionary<string, string?> settings)
    {
        var servers = await TestServers.GetAsync();
        return new ConfiguredApiFactory(await TestDatabase.GetAsync(ApiFactory.DatabaseName), servers.Redis, migrateOnStartup: false,
            extraSettings: settings);
    }

    private static async Task<(decimal, long)> BalanceAsync(ConfiguredApiFactory api, string account)
    {
        using var client = api.CreateClient(ApiFactory.ReaderKey);
        var body = await ApiFactory.ReadJsonAsync(await client.GetAsync(new Uri($"/v1/accounts/{account}/balance", UriKind.Relative)));
        return (body.GetProperty("balance").GetDecimal(), body.GetProperty("version").GetInt64());
    }

    /// <summary>The host of <paramref name="api"/> with its ledger wrapped in <see cref="GatedLedger"/>.</summary>
    private static WebApplicationFactory<Program> Gated(ConfiguredApiFactory api, Func<MethodInfo, object?[], bool> waits, Action entered, Task gate) =>
        api.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            var real = services.Single(d => d.ServiceType == typeof(ILedger));
            services.Remove(real);
            services.AddSingleton(provider =>
                GatedLedger.Wrap((ILedger)ActivatorUtilities.CreateInstance(provider, real.ImplementationType!), waits, entered, gate));
        }));

    private static HttpClient Client(WebApplicationFactory<Program> host, string key)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Add(ApiFactory.ApiKeyHeader, key);
        return client;
    }

    /// <summary>The real ledger, except that the calls <c>waits</c> picks say they have begun and then wait for the
    /// test's word before going on.</summary>
    public class GatedLedger : DispatchProxy
    {
        private ILedger _inner = null!;
        private Func<MethodInfo, object?[], bool> _waits = null!;
        private Action _entered = null!;
        private Task _gate = null!;

        public static ILedger Wrap(ILedger inner, Func<MethodInfo, object?[], bool> waits, Action entered, Task gate)
        {
            var proxy = Create<ILedger, GatedLedger>();
            var gated = (GatedLedger)(object)proxy;
            (gated._inner, gated._waits, gated._entered, gated._gate) = (inner, waits, entered, gate);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            args ??= [];
            if (!_waits(targetMethod, args))
            {
                return targetMethod.Invoke(_inner, args);
            }

            // Every gated method returns Task<T>: wait, then hand over the real call's task.
            var later = typeof(GatedLedger).GetMethod(nameof(LaterAsync), BindingFlags.NonPublic | BindingFlags.Instance)!
                .MakeGenericMethod(targetMethod.ReturnType.GetGenericArguments()[0]);
            return later.Invoke(this, [targetMethod, args]);
        }

        private async Task<T> LaterAsync<T>(MethodInfo method, object?[] args)
        {
            _entered();
            await _gate;
            return await (Task<T>)method.Invoke(_inner, args)!;
        }
    }
}
