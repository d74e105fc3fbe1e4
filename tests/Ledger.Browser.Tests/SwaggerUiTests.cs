using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ledger.Api.Tests;
using Ledger.Api.Tests.Infrastructure;
using Ledger.Browser.Tests.Infrastructure;
using Ledger.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Ledger.Browser.Tests;

/// <summary>
/// Swagger UI in a real browser, as a person trying the API first uses it: Debian's chromium (driven by Playwright)
/// opens /swagger on the real host process (<see cref="ApiProcess"/>: a free port, a database of its own), authorizes
/// with an API key, opens two accounts, posts a transfer and reads both balances, each with "Try it out" and Execute.
/// A full-page screenshot is kept at <c>.local/artifacts/swagger-ui/transfer-201.png</c>; on a failure,
/// <c>transfer-failed.png</c> and a Playwright trace beside it.
/// </summary>
public sealed class SwaggerUiTests
{
    private const string ArtifactArea = "swagger-ui";
    private const string SuccessScreenshot = "transfer-201.png";
    private const string FailureScreenshot = "transfer-failed.png";
    private const string FailureTrace = "transfer-failed-trace.zip";

    /// <summary>Two non-zero fraction digits on purpose: Swagger UI re-formats a JSON body in the browser
    /// (JSON.parse, then stringify), so the API's <c>125.50</c> would be shown as <c>125.5</c>.</summary>
    private const decimal Amount = 123.45m;

    /// <summary>Every wait in the browser; generous, as the machine builds and tests other things meanwhile.</summary>
    private const float StepTimeoutMs = 30_000;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly ITestOutputHelper _output;

    public SwaggerUiTests(ITestOutputHelper output)
    {
        _output = output;
        SetDefaultExpectTimeout(StepTimeoutMs);
    }

    [Fact]
    public async Task SwaggerUi_AuthorizeOpenAccountsAndTransferWithTryItOut_Shows201AndNewBalances()
    {
        var artifacts = Artifacts.Directory(ArtifactArea);
        var screenshot = Path.Combine(artifacts, SuccessScreenshot);
        var failureScreenshot = Path.Combine(artifacts, FailureScreenshot);
        var failureTrace = Path.Combine(artifacts, FailureTrace);
        // What is left from an earlier run must not pass for this run's result.
        File.Delete(screenshot);
        File.Delete(failureScreenshot);
        File.Delete(failureTrace);

        var clock = Stopwatch.StartNew();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await SystemChromium.LaunchAsync(playwright);
        Log(clock, $"chromium {browser.Version} started");

        await using var host = await ApiProcess.StartAsync("browser");
        Log(clock, $"host ready at {host.BaseAddress}");

        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 1000 },
        });
        context.SetDefaultTimeout(StepTimeoutMs);
        context.SetDefaultNavigationTimeout(60_000);
        await context.Tracing.StartAsync(new TracingStartOptions { Screenshots = true, Snapshots = true });
        var page = await context.NewPageAsync();
        var browserLog = new List<string>();
        page.Console += (_, message) => browserLog.Add($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => browserLog.Add($"page error: {error}");

        var source = Ids.Account("swagger-src");
        var destination = Ids.Account("swagger-dst");
        var transferId = Guid.CreateVersion7();
        var amount = Amount.ToString(CultureInfo.InvariantCulture);
        try
        {
            await page.GotoAsync("/swagger");
            await Expect(page.Locator(".swagger-ui .info .title")).ToContainTextAsync("Ledger API");
            Log(clock, "Swagger UI loaded");

            // The banker key (poster, admin, reader) like the README's development key: opening an account that may
            // overdraw needs admin as well as poster.
            await AuthorizeAsync(page, ApiFactory.BankerKey);
            Log(clock, "authorized");

            // An account that may overdraw (as the README's alice), so it can send money without being funded first.
            var createAccount = await OpenForTryAsync(page, "Accounts", "CreateAccount");
            var created = await ExecuteAsync(createAccount, "POST /v1/accounts (source)", "201",
                Json(new { id = source, currency = "USD", overdraftLimit = 1000 }));
            Assert.Contains($"\"id\": \"{source}\"", created, StringComparison.Ordinal);
            Assert.Contains("\"overdraftLimit\": 1000", created, StringComparison.Ordinal);
            created = await ExecuteAsync(createAccount, "POST /v1/accounts (destination)", "201",
                Json(new { id = destination, currency = "USD" }));
            Assert.Contains($"\"id\": \"{destination}\"", created, StringComparison.Ordinal);
            Log(clock, $"accounts {source} and {destination} opened");

            var postTransfer = await OpenForTryAsync(page, "Transfers", "PostTransfer");
            var posted = await ExecuteAsync(postTransfer, "POST /v1/transfers", "201", Json(new
            {
                id = transferId,
                sourceAccountId = source,
                destinationAccountId = destination,
                amount = Amount,
                reference = "Swagger UI browser test",
            }));
            Assert.Contains($"\"id\": \"{transferId}\"", posted, StringComparison.Ordinal);
            Assert.Contains($"\"amount\": {amount}", posted, StringComparison.Ordinal);
            Log(clock, $"transfer {transferId} posted");

            // The destination last, so the screenshot ends on the credited account's new balance.
            var getBalance = await OpenForTryAsync(page, "Accounts", "GetBalance");
            var balance = await ExecuteAsync(getBalance, $"GET /v1/accounts/{source}/balance", "200", pathId: source);
            Assert.Contains($"\"balance\": -{amount}", balance, StringComparison.Ordinal);
            balance = await ExecuteAsync(getBalance, $"GET /v1/accounts/{destination}/balance", "200", pathId: destination);
            Assert.Contains($"\"accountId\": \"{destination}\"", balance, StringComparison.Ordinal);
            Assert.Contains($"\"balance\": {amount}", balance, StringComparison.Ordinal);
            Log(clock, $"balances shown: {source} -{amount}, {destination} {amount}");

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            await context.Tracing.StopAsync();
            _output.WriteLine($"screenshot: {screenshot}");
            Log(clock, "done");
        }
        catch
        {
            await SaveFailureAsync(page, context, failureScreenshot, failureTrace);
            _output.WriteLine($"browser log:\n{string.Join('\n', browserLog)}");
            _output.WriteLine($"host output (last 4000 characters):\n{Tail(host.Output, 4000)}");
            throw;
        }
    }

    /// <summary>Authorize, the key into the ApiKey (X-Api-Key) scheme's field, Authorize in the dialog, Close.</summary>
    private static async Task AuthorizeAsync(IPage page, string key)
    {
        await page.Locator(".auth-wrapper").GetByRole(AriaRole.Button, new() { Name = "Authorize" }).ClickAsync();
        var dialog = page.Locator(".dialog-ux .modal-ux");
        await Expect(dialog.GetByRole(AriaRole.Heading, new() { Name = "ApiKey" })).ToBeVisibleAsync();
        var authorized = dialog.GetByRole(AriaRole.Heading, new() { Name = "Authorized", Exact = true });
        // On a loaded machine the click once came before Swagger UI (React) had taken the typed key, and the dialog
        // stayed unauthorized: the key is typed and applied again, at most three times, before the step fails.
        for (var attempt = 1; ; attempt++)
        {
            var field = dialog.GetByLabel("Value:");
            await field.FillAsync(key);
            await Expect(field).ToHaveValueAsync(key);
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Apply credentials" }).ClickAsync();
            try
            {
                await Expect(authorized).ToBeVisibleAsync(new() { Timeout = attempt < 3 ? 10_000 : StepTimeoutMs });
                break;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
                // Not authorized yet: type and apply again.
            }
        }

        // The dialog then says "Authorized" and offers Logout ("Remove authorization") instead.
        await Expect(authorized).ToBeVisibleAsync();
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Remove authorization" })).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        // The padlock on the top button shows as locked once a key is set.
        await Expect(page.Locator(".auth-wrapper button.authorize.locked")).ToBeVisibleAsync();
    }

    /// <summary>Expands the operation (<c>#operations-&lt;tag&gt;-&lt;operationId&gt;</c>) and presses "Try it out".</summary>
    private static async Task<ILocator> OpenForTryAsync(IPage page, string tag, string operationId)
    {
        var operation = page.Locator($"#operations-{tag}-{operationId}");
        await operation.Locator(".opblock-summary-control").ClickAsync();
        await operation.GetByRole(AriaRole.Button, new() { Name = "Try it out" }).ClickAsync();
        await Expect(operation.GetByRole(AriaRole.Button, new() { Name = "Execute", Exact = true })).ToBeVisibleAsync();
        return operation;
    }

    /// <summary>
    /// Fills the body and/or the <c>id</c> path parameter, presses Execute, and returns the response body Swagger UI
    /// shows, after checking the status in the "Server response" table. The previous response is cleared first, so
    /// the status read is this request's.
    /// </summary>
    private async Task<string> ExecuteAsync(ILocator operation, string what, string expectedStatus, string? body = null, string? pathId = null)
    {
        var clear = operation.GetByRole(AriaRole.Button, new() { Name = "Clear", Exact = true });
        if (await clear.IsVisibleAsync())
        {
            await clear.ClickAsync();
        }

        var liveResponse = operation.Locator(".live-responses-table tbody tr.response");
        await Expect(liveResponse).ToHaveCountAsync(0);

        if (body is not null)
        {
            var editor = operation.Locator("textarea.body-param__text");
            await editor.FillAsync(body);
            await Expect(editor).ToHaveValueAsync(body);
        }

        if (pathId is not null)
        {
            var parameter = operation.Locator("tr[data-param-name='id'] input");
            await parameter.FillAsync(pathId);
            await Expect(parameter).ToHaveValueAsync(pathId);
        }

        await operation.GetByRole(AriaRole.Button, new() { Name = "Execute", Exact = true }).ClickAsync();
        await Expect(liveResponse).ToHaveCountAsync(1);
        var status = (await liveResponse.Locator("td.response-col_status").InnerTextAsync()).Trim();
        var details = (await liveResponse.Locator("td.response-col_description").InnerTextAsync()).Trim();
        Assert.True(status == expectedStatus, $"{what}: Swagger UI shows {status}, expected {expectedStatus}:\n{details}");
        var shown = await liveResponse.Locator(".highlight-code pre").First.InnerTextAsync();
        _output.WriteLine($"{what} -> {status}: {shown}");
        return shown;
    }

    private async Task SaveFailureAsync(IPage page, IBrowserContext context, string screenshot, string trace)
    {
        // Best effort: the failure being reported matters more than a missing artifact.
        try
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true, Timeout = 30_000 });
            _output.WriteLine($"failure screenshot: {screenshot}");
        }
        catch (PlaywrightException ex)
        {
            _output.WriteLine($"no failure screenshot: {ex.Message}");
        }

        try
        {
            await context.Tracing.StopAsync(new TracingStopOptions { Path = trace });
            _output.WriteLine($"failure trace: {trace} (open with: .playwright/node/linux-x64/node .playwright/package/cli.js show-trace {trace}, from the test output folder)");
        }
        catch (PlaywrightException ex)
        {
            _output.WriteLine($"no failure trace: {ex.Message}");
        }
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, Indented);

    private static string Tail(string text, int length) => text.Length <= length ? text : text[^length..];

    private void Log(Stopwatch clock, string message) =>
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:F1} s] {message}"));
}
