using System.Text;
using System.Text.RegularExpressions;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Leads;
using LeadTracker.Worker.Storage;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LeadTracker.Tests.Api;

/// <summary>
/// The page in a real browser (Debian's Chromium driven by Playwright) on the real processes: fixtures go in
/// through the ingress, a person signs in, and sees the right leads in each tab, a lead's timeline in the
/// configured time zone, and a CSV of the list. Screenshots (desktop and phone) are attached to the test; with
/// LEADTRACKER_SCREENSHOTS=folder they are also written there (docs/read-api.md's come from this test).
/// </summary>
[TestFixture]
[Category("Integration")]
[Category("Browser")]
public sealed class LeadPageBrowserTests
{
    private const string Token = "page-test-token-5f0c2a9e71d84b3c";
    private const string Zone = "America/Mexico_City";
    private const string Shop = "110000000000001";
    private const string ShopName = "Elm St Rentals";
    private const string Chromium = "/usr/bin/chromium";

    // As PipelineTests counts them: 13 message writes and 2 contact writes for one round of every fixture.
    private const int MessageWrites = 13;
    private const int ContactWrites = 2;

    [Test]
    public async Task A_person_signs_in_and_sees_each_list_a_timeline_and_a_csv()
    {
        await using var system = await LeadTrackerSystem.StartAsync("page", new Dictionary<string, string>
        {
            ["LeadTracker__Api__Tokens"] = Token,
            ["LeadTracker__Api__TimeZone"] = Zone,
        });
        await PostEveryFixtureAsync(system);
        // The operator's verb, as a separate process on the worker's database while the worker runs.
        var (renamed, _, error) = await WorkerCli.RunAsync(system.DatabasePath, "workspaces", "rename", Shop, ShopName);
        Assert.That(renamed, Is.Zero, error);
        var queries = new LeadQueries(LeadDatabase.ReadOnly($"Data Source={system.DatabasePath}"));

        await using var browser = await LaunchAsync();
        var page = await (await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } })).NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            // The wrong token's 401 is expected; anything else (a script error, a CSP violation) is not.
            if (message.Type == "error" && !message.Text.Contains("401", StringComparison.Ordinal)) consoleErrors.Add(message.Text);
        };
        page.PageError += (_, error) => consoleErrors.Add(error);
        await page.GotoAsync(new Uri(system.Worker.Health, "/").ToString());

        // A wrong token is refused on the page, the right one opens the lists.
        await page.GetByLabel("Token").FillAsync("not-the-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#signin-error")).ToContainTextAsync("not accepted");
        await page.GetByLabel("Token").FillAsync(Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // Needs follow-up is the first tab.
        var followUp = queries.NeedingFollowUp(null, 1000);
        await ExpectRowsAsync(page, followUp);
        await Expect(page.Locator("[data-count=followUp]")).ToHaveTextAsync(followUp.Count.ToString());

        await page.GetByRole(AriaRole.Tab, new() { Name = "Recently active" }).ClickAsync();
        var recent = queries.RecentlyActive(null, 1000);
        await ExpectRowsAsync(page, recent);
        await Expect(page.Locator("[data-count=recent]")).ToHaveTextAsync(recent.Count.ToString());
        await Expect(page.Locator("#leads tbody")).ToContainTextAsync(ShopName);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Not contacted" }).ClickAsync();
        await page.GetByLabel("Days without contact").SelectOptionAsync("365");
        var stale = queries.NotContactedSince(365, DateTimeOffset.UtcNow, null, 1000);
        await ExpectRowsAsync(page, stale);
        await Expect(page.Locator("[data-count=stale]")).ToHaveTextAsync(stale.Count.ToString());

        // The CSV of the list on screen: a header and one row per lead, times in the configured zone.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());
        var csv = await File.ReadAllBytesAsync((await download.PathAsync())!);
        var lines = Encoding.UTF8.GetString(csv.AsSpan(3)).TrimEnd().Split("\r\n");
        Assert.That(csv.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }));
        Assert.That(download.SuggestedFilename, Does.StartWith("leads-not-contacted-365d-").And.EndWith(".csv"));
        Assert.That(lines[0], Does.StartWith("id,name,phone,").And.Contain($"last_activity ({Zone})"));
        Assert.That(lines.Skip(1).Select(l => long.Parse(l.Split(',')[0])), Is.EqualTo(stale.Select(l => l.Id)));

        // Search by phone digits typed with spaces, then Maria's timeline: newest first, in Mexico City time.
        await page.GetByLabel("Search leads").FillAsync("555 010 0123");
        await Expect(page.Locator("#leads tbody tr")).ToHaveCountAsync(1);
        await page.Locator("#leads tbody tr").First.ClickAsync();
        await Expect(page.Locator("#lead-name")).ToHaveTextAsync("Maria Lopez");
        var maria = queries.Search("+15550100123", null, 1)[0];
        var timeline = queries.Timeline(maria.Id, 100);
        await Expect(page.Locator("#timeline li")).ToHaveCountAsync(timeline.Count);
        // Her first message, 2026-01-15 10:00 UTC, is 04:00 in Mexico City.
        await Expect(page.Locator("#timeline li").Last).ToContainTextAsync("2026-01-15 04:00");
        await Expect(page.Locator("#timeline li").Last).ToContainTextAsync("Is the 2-bedroom apartment on Elm St still available?");
        await Expect(page.Locator("#timeline li").First).ToContainTextAsync("we wrote");
        await Expect(page.Locator("#lead-facts")).ToContainTextAsync(ShopName);
        await Expect(page.Locator("#lead-facts")).ToContainTextAsync("@marialopez");

        // Back to a list, as a person leaves it: the recently active leads with Maria's timeline open.
        await page.GetByLabel("Search leads").FillAsync("");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Recently active" }).ClickAsync();
        await ExpectRowsAsync(page, recent);
        await page.Locator($"#leads tbody tr[data-id='{maria.Id}']").ClickAsync();
        await Expect(page.Locator("#timeline li")).ToHaveCountAsync(timeline.Count);
        await ScreenshotAsync(page, "page-desktop.png");
        Assert.That(consoleErrors, Is.Empty, "the browser's console");
    }

    [Test]
    public async Task The_page_fits_a_phone_screen()
    {
        await using var system = await LeadTrackerSystem.StartAsync("page-phone", new Dictionary<string, string>
        {
            ["LeadTracker__Api__Tokens"] = Token,
        });
        await PostEveryFixtureAsync(system);
        await using var browser = await LaunchAsync();
        var context = await browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 2,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(system.Worker.Health, "/").ToString());
        await page.GetByLabel("Token").FillAsync(Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.GetByRole(AriaRole.Tab, new() { Name = "Recently active" }).ClickAsync();
        var rows = page.Locator("#leads tbody tr");
        await Expect(rows.First).ToBeVisibleAsync();
        Assert.That(await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), Is.LessThanOrEqualTo(390), "no sideways scrolling");
        Assert.That((await rows.First.BoundingBoxAsync())!.Width, Is.LessThanOrEqualTo(390));
        await ScreenshotAsync(page, "page-phone.png");

        // The timeline takes the whole screen and can be closed again.
        await rows.First.ClickAsync();
        await Expect(page.Locator("#timeline li").First).ToBeVisibleAsync();
        Assert.That((await page.Locator("#lead").BoundingBoxAsync())!.Width, Is.EqualTo(390).Within(1));
        await ScreenshotAsync(page, "page-phone-timeline.png");
        await page.GetByRole(AriaRole.Button, new() { Name = "Close timeline" }).ClickAsync();
        await Expect(page.Locator("#lead")).ToBeHiddenAsync();

        // A normal start with the API on says so once, and the API warns about nothing while it is used.
        var worker = system.Worker.Output.ToList();
        Assert.That(worker.Count(l => l.Contains("Read API (/api/leads/…) and page (/) on", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(worker.Where(l => Regex.IsMatch(l, @"\b(warn|fail|crit): LeadTracker\.Worker\.Api")), Is.Empty);
    }

    private static async Task ExpectRowsAsync(IPage page, IReadOnlyList<Lead> leads)
    {
        Assert.That(leads, Is.Not.Empty, "the fixtures give every list at least one lead");
        var rows = page.Locator("#leads tbody tr");
        await Expect(rows).ToHaveCountAsync(leads.Count);
        var shown = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)");
        Assert.That(shown, Is.EqualTo(leads.Select(l => l.Id.ToString())));
        await Expect(rows.First.Locator("td.name")).ToContainTextAsync(leads[0].ProfileName ?? leads[0].Username ?? leads[0].PhoneE164!);
    }

    internal static async Task<OpenBrowser> LaunchAsync()
    {
        if (!File.Exists(Chromium)) Assert.Fail($"{Chromium} is missing: apt-get install chromium (scripts/test.sh does)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return new OpenBrowser(playwright, browser);
    }

    private static async Task PostEveryFixtureAsync(LeadTrackerSystem system)
    {
        foreach (var fixture in KapsoFixtures.All)
        {
            using var request = KapsoFixtures.Request(fixture);
            using var response = await system.Http.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.EqualTo(200), fixture.File);
        }

        // Every fixture lead has our outreach after their last word (a delivered receipt is outreach too), so one
        // new person writes afterwards and no reply has gone out yet: the follow-up list has someone in it.
        var text = KapsoFixtures.Get("kapso-message-received-text.json");
        var newcomer = Encoding.UTF8.GetBytes(text.Json
            .Replace("wamid.HBgLMTU1NTAxMDAxMjMVAgASGBQzRUIwRkFLRTAwMDAwMDAwMDAwMQA=", "wamid.page-test-newcomer", StringComparison.Ordinal)
            .Replace("15550100123", "15550100999", StringComparison.Ordinal)
            .Replace("1768471200", "1768490000", StringComparison.Ordinal)
            .Replace("Maria Lopez", "Noor Haddad", StringComparison.Ordinal));
        using var late = KapsoFixtures.Request(text, newcomer);
        late.Headers.Remove("X-Idempotency-Key");
        late.Headers.Add("X-Idempotency-Key", "page-test-newcomer");
        using (var response = await system.Http.SendAsync(late))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200), "the newcomer's message");
        }

        await system.WaitUntilAsync(() =>
                system.Worker.Output.Count(l => l.Contains("[Kapso Sync]", StringComparison.Ordinal) && l.Contains(" message ", StringComparison.Ordinal)) >= MessageWrites + 1
                && system.Worker.Output.Count(l => l.Contains("[Kapso Sync] contact", StringComparison.Ordinal)) >= ContactWrites,
            TimeSpan.FromSeconds(60), "every fixture in the worker log");
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path);
        if (Environment.GetEnvironmentVariable("LEADTRACKER_SCREENSHOTS") is { Length: > 0 } folder)
            File.Copy(path, Path.Combine(folder, name), overwrite: true);
    }

    /// <summary>The browser and the Playwright driver process, closed together.</summary>
    internal sealed class OpenBrowser(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
    {
        public Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options) => browser.NewContextAsync(options);

        public async ValueTask DisposeAsync()
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
