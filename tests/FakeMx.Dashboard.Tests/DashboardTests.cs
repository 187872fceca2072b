using FakeMx.Tests.Support;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Playwright;
using MimeKit;

namespace FakeMx.Dashboard.Tests;

/// <summary>
/// Debian's Chromium, driven by Playwright, loads the dashboard of a real server that has just
/// handled a known set of SMTP sessions (recorded in a real SQLite store) and must show them:
/// the counters, the top lists, the chart, the live table, and hostile client text as text.
/// </summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string HostileHelo = "<script>alert(1)</script>";
    private const string Token = "dashboard-test-token";

    private readonly string _directory = Directory.CreateTempSubdirectory("fakemx-dashboard-").FullName;
    private RunningServer _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowserContext _browser = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install the chromium package");

        _server = await RunningServer.StartWithStoreAsync(Path.Combine(_directory, "events.db"),
            ("Http:Token", Token));
        _playwright = await Playwright.CreateAsync();
        // A fresh profile per test, so no state carries over between runs.
        _browser = await _playwright.Chromium.LaunchPersistentContextAsync(
            Path.Combine(_directory, "chromium-profile"),
            new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
                Args =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                ],
            });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_dashboard_shows_the_sessions_just_handled_and_follows_new_ones_live()
    {
        // A known set: two MailKit deliveries deferred at DATA, one hostile HELO, one early quit.
        await DeliverWithMailKitAsync("alice@spam-sender.example", "bob@victim.example");
        await DeliverWithMailKitAsync("carol@spam-sender.example", "dave@victim.example");
        await SmtpSessions.DeliverAsync(_server.Port, HostileHelo, "eve@evil.example", "frank@other.example");
        await SmtpSessions.QuitAtOnceAsync(_server.Port);
        await WaitForStoredAsync(4);

        var page = await _browser.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);

        var response = await page.GotoAsync($"http://127.0.0.1:{_server.HttpPort}/?token={Token}");
        Assert.Equal(200, response!.Status);
        Assert.DoesNotContain("token=", page.Url);
        await page.WaitForSelectorAsync("body[data-loaded=true]");

        // Headline counters.
        Assert.Equal("4", await page.TextContentAsync("#stat-sessions"));
        Assert.Equal("3", await page.TextContentAsync("#stat-deferred"));
        Assert.Equal("1", await page.TextContentAsync("#stat-unique"));
        Assert.Equal("1", await page.TextContentAsync("#stat-abandoned"));

        // Top lists.
        Assert.Contains("spam-sender.example", await page.TextContentAsync("#top-senders"));
        Assert.Contains("victim.example", await page.TextContentAsync("#top-recipients"));
        Assert.Contains("127.0.0.0/24", await page.TextContentAsync("#top-networks"));
        Assert.Contains(HostileHelo, await page.TextContentAsync("#top-helos"));

        // The chart: Chart.js drew the four sessions, and the canvas is not blank.
        var charted = await page.EvaluateAsync<int>(
            "() => Chart.getChart('chart-attempts').data.datasets.flatMap(d => d.data).reduce((a, b) => a + b, 0)");
        Assert.Equal(4, charted);
        var painted = await page.EvaluateAsync<int>(
            """
            () => {
              const canvas = document.getElementById('chart-attempts');
              const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let painted = 0;
              for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
              return painted;
            }
            """);
        Assert.True(painted > 1000, $"only {painted} pixels drawn on the chart");

        // The table of recent sessions, with the hostile HELO shown as text and nothing run.
        Assert.Equal(4, await page.Locator("#sessions-body tr").CountAsync());
        var heloCell = page.Locator("#sessions-body td.helo", new PageLocatorOptions { HasText = "alert(1)" });
        Assert.Equal(HostileHelo, await heloCell.TextContentAsync());
        Assert.Equal(0, await page.Locator("#sessions-body script").CountAsync());
        Assert.Equal(0, await page.Locator("main script").CountAsync());

        var screenshotPath = ScreenshotPath();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshotPath, FullPage = true });

        // One more session: the live table picks it up without a reload.
        await DeliverWithMailKitAsync("grace@late-sender.example", "heidi@victim.example");
        await page.WaitForSelectorAsync("#sessions-body tr:first-child >> text=heidi@victim.example",
            new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Equal(5, await page.Locator("#sessions-body tr").CountAsync());
        await page.WaitForFunctionAsync("() => document.getElementById('stat-sessions').textContent === '5'",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });

        Assert.Empty(dialogs);
        Assert.Empty(errors);
        Assert.True(new FileInfo(screenshotPath).Length > 10_000);
    }

    [Fact]
    public async Task The_domain_view_shows_that_domains_sessions_and_its_trend_by_day()
    {
        await DeliverWithMailKitAsync("alice@spam-sender.example", "bob@victim.example");
        await SmtpSessions.DeliverAsync(_server.Port, "early.example", "x@elsewhere.example", "y@other.example");
        await WaitForStoredAsync(2);

        var page = await _browser.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{_server.HttpPort}/?domain=victim.example&token={Token}");
        await page.WaitForSelectorAsync("body[data-loaded=true]");

        Assert.Equal("domain victim.example", await page.TextContentAsync("#scope"));
        Assert.Equal("1", await page.TextContentAsync("#stat-sessions"));
        Assert.True(await page.IsVisibleAsync("#chart-trend"));
        var trend = await page.EvaluateAsync<int>(
            "() => Chart.getChart('chart-trend').data.datasets.flatMap(d => d.data).reduce((a, b) => a + b, 0)");
        Assert.Equal(1, trend);
        Assert.DoesNotContain("early.example", await page.TextContentAsync("#top-helos"));
        Assert.Equal(1, await page.Locator("#sessions-body tr").CountAsync());
    }

    private async Task DeliverWithMailKitAsync(string from, string to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "hello";
        message.Body = new TextPart("plain") { Text = "never delivered" };

        using var client = new SmtpClient { LocalDomain = "mta.example" };
        await client.ConnectAsync("127.0.0.1", _server.Port, SecureSocketOptions.None);
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(message));
        Assert.Equal(451, (int)error.StatusCode);
        await client.DisconnectAsync(quit: true);
    }

    private async Task WaitForStoredAsync(int count)
    {
        using var web = new WebEndpointClient(_server.HttpPort, Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await web.GetJsonAsync("/api/events")).Body.GetArrayLength() < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the store never held {count} sessions");
            await Task.Delay(25);
        }
    }

    /// <summary>artifacts/screenshots/dashboard.png under the repository root.</summary>
    private static string ScreenshotPath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "FakeMx.slnx")))
        {
            directory = directory.Parent;
        }

        var root = directory?.FullName ?? throw new DirectoryNotFoundException("repository root not found");
        var screenshots = Directory.CreateDirectory(Path.Combine(root, "artifacts", "screenshots"));
        return Path.Combine(screenshots.FullName, "dashboard.png");
    }
}
