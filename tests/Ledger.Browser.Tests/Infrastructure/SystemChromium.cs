using Microsoft.Playwright;

namespace Ledger.Browser.Tests.Infrastructure;

/// <summary>
/// Debian's chromium, which the tests launch through Playwright instead of Playwright's own browser build (its
/// download cannot work on our machines). scripts/chromium-up.sh installs it.
/// </summary>
public static class SystemChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Headless, and quiet on the network: without the background-networking flags chromium keeps calling
    /// Google services, and the closed network refuses its connections.</summary>
    private static readonly string[] Arguments =
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    /// <summary>Launches chromium; fails the test (never skips it) when chromium is not installed.</summary>
    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        Assert.True(
            File.Exists(ExecutablePath),
            $"Chromium is not installed at {ExecutablePath}: the browser tests need Debian's chromium. " +
            "Run `bash scripts/chromium-up.sh` (it installs it with apt-get), then run the tests again.");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Arguments,
            // A cold start on a busy 2-core machine takes a few seconds; a minute means something is wrong.
            Timeout = 60_000,
        });
    }
}
