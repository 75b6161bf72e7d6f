using System.Text;
using LeadTracker.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LeadTracker.Tests.Api;

/// <summary>
/// The page's lists in Chromium against <see cref="LeadSeedAnswers"/>, written out by hand rather than taken from
/// the production queries: each tab's rows (ids and names) in the hand-written order, ties included, and the
/// CSV the page downloads in the same order.
/// </summary>
[TestFixture]
[Category("Browser")]
public sealed class LeadOrderPageBrowserTests
{
    [Test]
    public async Task Each_tab_shows_the_seed_leads_in_the_hand_written_order_and_downloads_them_so()
    {
        using var db = await LeadSeed.CreateAsync();
        await using var api = await LeadApiHost.StartAsync(db.ConnectionString);
        await using var browser = await LeadPageBrowserTests.LaunchAsync();
        var page = await (await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } })).NewPageAsync();
        await page.GotoAsync(new Uri(api.Http.BaseAddress!, "/").ToString());
        await page.GetByLabel("Token").FillAsync(LeadApiHost.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.GetByRole(AriaRole.Tab, new() { Name = "Recently active" }).ClickAsync();
        await ExpectRowsAsync(page, LeadSeedAnswers.Recent);

        // "Not contacted" opens at 7 days.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Not contacted" }).ClickAsync();
        await ExpectRowsAsync(page, LeadSeedAnswers.StaleAfter7Days);

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());
        var lines = Encoding.UTF8.GetString(await File.ReadAllBytesAsync((await download.PathAsync())!)).TrimEnd().Split("\r\n");
        Assert.That(lines.Skip(1).Select(l => long.Parse(l[..l.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)),
            Is.EqualTo(LeadSeedAnswers.StaleAfter7Days), "the downloaded CSV");
    }

    private static async Task ExpectRowsAsync(IPage page, long[] expected)
    {
        var rows = page.Locator("#leads tbody tr");
        await Expect(rows).ToHaveCountAsync(expected.Length);
        var shown = await rows.EvaluateAllAsync<string[][]>(
            "rows => rows.map(r => [r.dataset.id, r.querySelector('td.name').firstChild.textContent])");

        Assert.That(shown.Select(r => long.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(expected), "row ids");
        Assert.That(shown.Select(r => r[1]), Is.EqualTo(expected.Select(LeadSeedAnswers.Name)), "row names");
    }
}
