using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LeadTracker.Tests.Api;

/// <summary>
/// The closing-soon tab and the reply-window countdown in Chromium, on the read API over a real SQLite file with
/// leads whose times are relative to now: who is listed, soonest first, "closes in 3 h 20 min", the closing time
/// in the team's zone, a countdown that moves as the clock does, "needs a template", and the lead's source.
/// </summary>
[TestFixture]
[Category("Browser")]
public sealed class ReplyWindowPageBrowserTests
{
    private const string Zone = "Asia/Kolkata";
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;

    [Test]
    public async Task The_closing_tab_lists_waiting_leads_soonest_first_with_a_countdown_in_the_teams_zone()
    {
        using var db = new TempDatabase();
        var now = DateTimeOffset.UtcNow;
        var ms = now.ToUnixTimeMilliseconds();
        // Ana's window closes in 3 h 20 min (and 30 s, so the minute shown does not change while the test runs).
        var anaWrote = ms - 24 * Hour + 3 * Hour + 20 * Minute + 30_000;
        await db.Store().ApplyAsync(
        [
            TextMessages.Of("ana-1", "+15550400001", "Ana Closing", Direction.Inbound, anaWrote,
                referral: new LeadSource { Type = "ad", Id = "120226305854810726", Headline = "Chat with us" }),
            TextMessages.Of("ben-1", "+15550400002", "Ben Later", Direction.Inbound, ms - 2 * Hour),
            TextMessages.Of("cy-1", "+15550400003", "Cy Answered", Direction.Inbound, ms - 22 * Hour),
            TextMessages.Of("cy-2", "+15550400003", null, Direction.Outbound, ms - 21 * Hour),
            TextMessages.Of("di-1", "+15550400004", "Di Template", Direction.Inbound, ms - 30 * Hour),
            TextMessages.Of("di-2", "+15550400004", null, Direction.Outbound, ms - Hour, status: MessageStatus.Failed,
                error: "131047 Re-engagement message: More than 24 hours have passed since the recipient last replied to the sender number."),
        ], CancellationToken.None);
        await using var api = await LeadApiHost.StartAsync(db.ConnectionString, timeZone: Zone);

        await using var browser = await LeadPageBrowserTests.LaunchAsync();
        var page = await (await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } })).NewPageAsync();
        await page.Clock.InstallAsync(new() { TimeDate = now.UtcDateTime });
        await page.GotoAsync(new Uri(api.Http.BaseAddress!, "/").ToString());
        await page.GetByLabel("Token").FillAsync(LeadApiHost.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // The tab's count is there before it is opened; Di's window closed, Cy was answered, Ben's closes in 22 h.
        await Expect(page.Locator("[data-count=closing]")).ToHaveTextAsync("1");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Closing soon" }).ClickAsync();
        var rows = page.Locator("#leads tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        var window = rows.First.Locator("td.window");
        await Expect(rows.First.Locator("td.name")).ToContainTextAsync("Ana Closing");
        await Expect(window).ToHaveTextAsync("closes in 3 h 20 min");
        await Expect(rows.First.Locator("td.name small.source")).ToHaveTextAsync("Ad “Chat with us” (120226305854810726)");
        var closesInZone = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(anaWrote + 24 * Hour),
            TimeZoneInfo.FindSystemTimeZoneById(Zone));
        await Expect(window).ToHaveAttributeAsync("title", $"Closes {closesInZone:yyyy-MM-dd HH:mm} ({Zone})");

        // The countdown moves with the clock, without a reload.
        await page.Clock.FastForwardAsync("01:00:00");
        await Expect(window).ToHaveTextAsync("closes in 2 h 20 min");

        // Within 24 hours Ben is there too, after Ana (his window closes later).
        await page.GetByLabel("Hours until the reply window closes").SelectOptionAsync("24");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Locator("td.name")).ToContainTextAsync(["Ana Closing", "Ben Later"]);
        await Expect(page.Locator("[data-count=closing]")).ToHaveTextAsync("2");

        // Her timeline's facts say where she came from and how long the window has left.
        await rows.First.ClickAsync();
        await Expect(page.Locator("#lead-facts")).ToContainTextAsync("Ad “Chat with us” (120226305854810726)");
        await Expect(page.Locator("#lead-facts")).ToContainTextAsync("closes in 2 h 20 min");

        // A lead whose window closed and whose free-form send was refused needs a template.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Recently active" }).ClickAsync();
        await Expect(page.Locator("#leads tbody tr", new() { HasText = "Di Template" }).Locator("td.window"))
            .ToHaveTextAsync("closed · needs a template");
    }
}
