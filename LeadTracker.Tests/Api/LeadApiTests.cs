using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Commands;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Tests.Api;

/// <summary>
/// The read API over a real SQLite file and a real socket: the same answers as the CLI, paging, search, the
/// timeline, CSV, and a clear status with a JSON problem for every wrong request.
/// </summary>
[TestFixture]
public sealed class LeadApiTests
{
    private TempDatabase _db = null!;
    private LeadApiHost _api = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _db = await LeadSeed.CreateAsync();
        _api = await LeadApiHost.StartAsync(_db.ConnectionString, timeZone: "Europe/Madrid");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        _db.Dispose();
    }

    [TestCase("stale?days=7", "stale --days 7")]
    [TestCase("stale?days=0", "stale --days 0")]
    [TestCase("stale?days=30&workspace=" + LeadSeed.ShopB, "stale --days 30 --workspace " + LeadSeed.ShopB)]
    [TestCase("follow-up", "follow-up")]
    [TestCase("follow-up?workspace=" + LeadSeed.ShopA, "follow-up --workspace " + LeadSeed.ShopA)]
    [TestCase("recent", "recent")]
    [TestCase("recent?limit=5", "recent --limit 5")]
    [TestCase("closing?hours=24", "closing --hours 24")]
    public async Task Each_view_answers_what_the_command_line_answers(string api, string cli)
    {
        var fromApi = (await GetJsonAsync("/api/leads/" + api))["leads"]!.AsArray();
        var fromCli = JsonNode.Parse(Cli($"leads {cli} --json"))!.AsArray();

        Assert.That(fromApi, Is.Not.Empty);
        Assert.That(fromApi.Select(l => (long)l!["id"]!), Is.EqualTo(fromCli.Select(l => (long)l!["id"]!)));
        Assert.That(JsonNode.DeepEquals(fromApi, fromCli), Is.True, $"API:\n{fromApi}\nCLI:\n{fromCli}");
    }

    /// <summary>The seed's lists as <see cref="LeadSeedAnswers"/> writes them out by hand, ties included.</summary>
    [TestCaseSource(typeof(LeadSeedAnswers), nameof(LeadSeedAnswers.Lists))]
    public async Task A_list_gives_the_hand_written_ids_in_the_hand_written_order_ties_included(string list, long[] expected)
    {
        var separator = list.Contains('?') ? '&' : '?';
        var whole = (await GetJsonAsync($"/api/leads/{list}{separator}limit=1000"))["leads"]!.AsArray()
            .Select(l => (long)l!["id"]!).ToList();

        Assert.That(whole, Is.EqualTo(expected));
    }

    /// <summary>
    /// The CSV of a list, whole and page by page along its Link headers (pages of 5 cut inside groups of equal
    /// times), has the hand-written ids in the hand-written order.
    /// </summary>
    [TestCaseSource(typeof(LeadSeedAnswers), nameof(LeadSeedAnswers.Lists))]
    public async Task A_csv_list_gives_the_hand_written_ids_in_the_hand_written_order_whole_and_paged(string list, long[] expected)
    {
        var separator = list.Contains('?') ? '&' : '?';
        var (whole, _) = await CsvIdsAsync($"/api/leads/{list}{separator}format=csv&limit=1000");

        var paged = new List<long>();
        string? next = $"/api/leads/{list}{separator}format=csv&limit=5";
        for (var pages = 0; next is not null; pages++)
        {
            Assert.That(pages, Is.LessThan(20), "paging does not end");
            (var ids, next) = await CsvIdsAsync(next);
            Assert.That(ids, Has.Count.LessThanOrEqualTo(5));
            paged.AddRange(ids);
        }

        Assert.That(whole, Is.EqualTo(expected), "one long page");
        Assert.That(paged, Is.EqualTo(expected), "pages of 5");
    }

    [Test]
    public async Task Json_carries_utc_iso_times_beside_unix_milliseconds()
    {
        var lead = (await GetJsonAsync("/api/leads/recent?limit=1"))["leads"]![0]!;
        var ms = (long)lead["lastActivityAt"]!;

        Assert.That((string?)lead["lastActivityAtIso"], Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")));
    }

    [TestCase("stale?days=7")]
    [TestCase("follow-up")]
    [TestCase("recent")]
    [TestCase("?search=lead")]
    public async Task Paging_returns_every_lead_once_in_the_same_order_as_one_long_page(string list)
    {
        var path = "/api/leads" + (list.StartsWith('?') ? list : "/" + list);
        var separator = path.Contains('?') ? '&' : '?';
        var whole = (await GetJsonAsync($"{path}{separator}limit=1000"))["leads"]!.AsArray().Select(l => (long)l!["id"]!).ToList();

        var paged = new List<long>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await GetJsonAsync($"{path}{separator}limit=4" + (next is null ? "" : "&after=" + Uri.EscapeDataString(next)));
            var ids = page["leads"]!.AsArray().Select(l => (long)l!["id"]!).ToList();
            Assert.That(ids, Has.Count.LessThanOrEqualTo(4));
            paged.AddRange(ids);
            next = (string?)page["next"];
            Assert.That(++pages, Is.LessThan(100), "paging does not end");
        }
        while (next is not null);

        Assert.That(whole, Has.Count.GreaterThan(8), list);
        Assert.That(paged, Is.EqualTo(whole));
        Assert.That(paged, Is.Unique);
    }

    [TestCase("+1 555 010 0123")]
    [TestCase("+1 (555) 010-0123")]
    [TestCase("15550100123")]
    [TestCase("555.010.0123")]
    [TestCase("0100123")]
    [TestCase("maría")]
    [TestCase("LÓPEZ")]
    [TestCase("lopez")]
    [TestCase("maria.lopez")]
    public async Task Search_finds_a_lead_by_name_username_or_phone_digits_in_any_format(string text)
    {
        var found = (await GetJsonAsync("/api/leads?search=" + Uri.EscapeDataString(text)))["leads"]!.AsArray();

        Assert.That(found.Select(l => (string?)l!["phoneE164"]), Is.EqualTo(new[] { "+15550100123" }));
    }

    [Test]
    public async Task Search_for_someone_else_finds_nobody_and_two_letters_still_search()
    {
        var nobody = (await GetJsonAsync("/api/leads?search=" + Uri.EscapeDataString("+44 20 7946 0000")))["leads"]!.AsArray();
        var short_ = (await GetJsonAsync("/api/leads?search=" + Uri.EscapeDataString("Mar")))["leads"]!.AsArray();
        var two = (await GetJsonAsync("/api/leads?search=" + Uri.EscapeDataString("0 ")))["leads"]!.AsArray();

        Assert.That(nobody, Is.Empty);
        Assert.That(short_.Select(l => (string?)l!["profileName"]), Is.EqualTo(new[] { "María López" }));
        Assert.That(two.Select(l => (string?)l!["profileName"]), Does.Contain("Lead 00").And.Contain("Lead 10"));
    }

    [Test]
    public async Task A_lead_comes_with_its_timeline_newest_first_including_why_a_send_failed()
    {
        var maria = (await GetJsonAsync("/api/leads?search=15550100123"))["leads"]![0]!;
        var page = await GetJsonAsync($"/api/leads/{(long)maria["id"]!}");

        Assert.That((string?)page["lead"]!["profileName"], Is.EqualTo("María López"));
        var messages = page["messages"]!.AsArray();
        Assert.That(messages.Select(m => (string?)m!["wamid"]), Is.EqualTo(new[] { "maria-3", "maria-1", "maria-2" }));
        Assert.Multiple(() =>
        {
            Assert.That((string?)messages[0]!["status"], Is.EqualTo("failed"));
            Assert.That((string?)messages[0]!["error"], Does.Contain("131047"));
            Assert.That((string?)messages[0]!["direction"], Is.EqualTo("outbound"));
            Assert.That((string?)messages[1]!["bodyPreview"], Is.EqualTo("Is the 2-bedroom apartment on Elm St still available?"));
            Assert.That((string?)messages[1]!["occurredAtIso"], Does.EndWith("Z"));
        });

        var first = await GetJsonAsync($"/api/leads/{(long)maria["id"]!}?limit=2");
        var second = await GetJsonAsync($"/api/leads/{(long)maria["id"]!}?limit=2&after={Uri.EscapeDataString((string)first["next"]!)}");
        Assert.That(first["messages"]!.AsArray().Concat(second["messages"]!.AsArray()).Select(m => (string?)m!["wamid"]),
            Is.EqualTo(new[] { "maria-3", "maria-1", "maria-2" }));
        Assert.That(second["next"], Is.Null);
    }

    [Test]
    public async Task Counts_match_the_lists()
    {
        var counts = await GetJsonAsync("/api/leads/counts?days=7&hours=24");

        foreach (var (view, key) in new[] { ("stale?days=7", "stale"), ("follow-up", "followUp"), ("recent", "recent"), ("closing?hours=24", "closing") })
        {
            var list = (await GetJsonAsync($"/api/leads/{view}{(view.Contains('?') ? '&' : '?')}limit=1000"))["leads"]!.AsArray();
            Assert.That((long)counts[key]!, Is.EqualTo(list.Count), key);
        }
    }

    [Test]
    public async Task The_closing_list_holds_waiting_leads_whose_window_closes_within_the_hours_soonest_first()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var closing = (await GetJsonAsync("/api/leads/closing?hours=24&limit=1000"))["leads"]!.AsArray();
        var within11 = (await GetJsonAsync("/api/leads/closing?hours=11&limit=1000"))["leads"]!.AsArray();
        var waiting = (await GetJsonAsync("/api/leads/follow-up?limit=1000"))["leads"]!.AsArray();
        var closes = closing.Select(l => (long)l!["replyWindowClosesAt"]!).ToList();

        Assert.Multiple(() =>
        {
            // Lead 04, 08, 12, 16, 24, 28 wrote 12 h ago and were not answered since (00 and 20 were).
            Assert.That(closing.Select(l => (string?)l!["profileName"]), Is.EquivalentTo(new[] { "Lead 04", "Lead 08", "Lead 12", "Lead 16", "Lead 24", "Lead 28" }));
            Assert.That(closes, Is.Ordered, "soonest first");
            Assert.That(closes, Has.All.GreaterThan(now).And.All.LessThanOrEqualTo(now + (long)TimeSpan.FromHours(24).TotalMilliseconds));
            Assert.That(closing.Select(l => (long)l!["id"]!), Is.SubsetOf(waiting.Select(l => (long)l!["id"]!)));
            Assert.That(closing.Select(l => (long)l!["replyWindowClosesAt"]! - (long)l!["lastInboundAt"]!), Has.All.EqualTo(86_400_000L));
            Assert.That((string?)closing[0]!["replyWindowClosesAtIso"], Does.EndWith("Z"));
            Assert.That(within11, Is.Empty, "their windows close in 12 h");
        });
    }

    [Test]
    public async Task A_send_refused_for_the_closed_window_shows_as_needs_template_in_json_and_csv()
    {
        var maria = (await GetJsonAsync("/api/leads?search=15550100123"))["leads"]![0]!;
        var others = (await GetJsonAsync("/api/leads/recent?limit=1000"))["leads"]!.AsArray().Where(l => (long)l!["id"]! != (long)maria["id"]!);
        using var csv = await _api.Http.GetAsync("/api/leads?search=15550100123&format=csv");
        var row = (await csv.Content.ReadAsStringAsync()).Split("\r\n")[1];

        Assert.That((bool)maria["needsTemplate"]!, Is.True);
        Assert.That(others.Select(l => (bool)l!["needsTemplate"]!), Has.All.False);
        Assert.That(row, Does.Contain(",true,"), "needs_template");
    }

    [Test]
    public async Task Csv_is_rfc4180_utf8_with_a_header_and_times_in_the_configured_zone()
    {
        using var response = await _api.Http.GetAsync("/api/leads/stale?days=30&format=csv&limit=1000");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes.AsSpan(3));
        var lines = text.Split("\r\n");

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
            Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "UTF-8 byte-order mark");
            Assert.That(lines[0], Is.EqualTo("id,name,phone,username,bsuid,workspace,workspace_name,marketing_status," +
                "last_activity (Europe/Madrid),last_contact (Europe/Madrid),last_inbound (Europe/Madrid)," +
                "reply_window_closes_at (Europe/Madrid),needs_template," +
                "source_type,source_id,source_headline,source_url,source_ctwa_clid"));
            Assert.That(text, Does.Not.Contain("\n").Or.Contain("\r\n"), "CRLF line ends");
            // Quotes doubled, the field quoted, and the formula defused.
            Assert.That(text, Does.Contain("\"'=HYPERLINK(\"\"x\"\"), Inc\""));
        });

        // The evil lead wrote 40 days ago: its time in Madrid, not UTC.
        var evil = (await GetJsonAsync("/api/leads?search=0100999"))["leads"]![0]!;
        var madrid = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds((long)evil["lastInboundAt"]!),
            TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid"));
        Assert.That(lines.Single(l => l.Contains("+15550100999")),
            Does.EndWith("," + madrid.ToString("yyyy-MM-dd HH:mm:ss") + "," + madrid.AddDays(1).ToString("yyyy-MM-dd HH:mm:ss") + ",false,,,,,"));
    }

    [Test]
    public async Task Accept_text_csv_gets_csv_too_with_the_next_page_in_a_link_header()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/leads/recent?limit=3");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await _api.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
        Assert.That(text.TrimEnd().Split("\r\n"), Has.Length.EqualTo(4));
        Assert.That(response.Headers.GetValues("Link").Single(), Does.Match("^</api/leads/recent\\?limit=3&after=[A-Za-z0-9_-]+>; rel=\"next\"$"));
    }

    [Test]
    public async Task Workspace_names_show_in_the_api()
    {
        using var db = _db.Connections.Open();
        await Dapper.SqlMapper.ExecuteAsync(db, "UPDATE workspaces SET display_name = 'Downtown shop' WHERE phone_number_id = @id", new { id = LeadSeed.ShopB });

        var lead = (await GetJsonAsync("/api/leads/recent?workspace=" + LeadSeed.ShopB + "&limit=1"))["leads"]![0]!;
        var workspaces = (await GetJsonAsync("/api/workspaces"))["workspaces"]!.AsArray();

        Assert.That((string?)lead["workspaceName"], Is.EqualTo("Downtown shop"));
        Assert.That(workspaces.Select(w => ((string?)w!["phoneNumberId"], (string?)w["name"])),
            Does.Contain((LeadSeed.ShopB, (string?)"Downtown shop")).And.Contain((LeadSeed.ShopA, (string?)null)));
    }

    [TestCase("/api/leads/stale?days=-1", "days")]
    [TestCase("/api/leads/stale?days=abc", "days")]
    [TestCase("/api/leads/recent?limit=0", "limit")]
    [TestCase("/api/leads/recent?limit=abc", "limit")]
    [TestCase("/api/leads/recent?limit=1001", "limit")]
    [TestCase("/api/leads/recent?limit=", null)]
    [TestCase("/api/leads/yesterday", "view")]
    [TestCase("/api/leads/recent?after=not-a-cursor!", "after")]
    [TestCase("/api/leads/recent?after=Zm9vYmFy", "after")]
    [TestCase("/api/leads/recent?format=xml", "format")]
    [TestCase("/api/leads/closing?hours=0", "hours")]
    [TestCase("/api/leads/closing?hours=25", "hours")]
    [TestCase("/api/leads/counts?hours=abc", "hours")]
    [TestCase("/api/leads", "search")]
    [TestCase("/api/leads?search=%20", "search")]
    public async Task Bad_input_gets_400_with_a_json_problem_naming_the_parameter(string path, string? parameter)
    {
        using var response = await _api.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (parameter is null)
        {
            // An empty value is the same as none: the default.
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            return;
        }

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var problem = JsonNode.Parse(body)!;
        Assert.That((int)problem["status"]!, Is.EqualTo(400));
        Assert.That(problem["errors"]![parameter], Is.Not.Null, body);
        Assert.That((string?)problem["detail"], Is.Not.Empty);
    }

    [Test]
    public async Task A_cursor_of_one_list_is_refused_by_another()
    {
        var next = (string)(await GetJsonAsync("/api/leads/recent?limit=2"))["next"]!;

        using var response = await _api.Http.GetAsync("/api/leads/follow-up?after=" + Uri.EscapeDataString(next));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("another list"));
    }

    [Test]
    public async Task An_unknown_lead_is_404_with_a_json_problem()
    {
        using var response = await _api.Http.GetAsync("/api/leads/987654321");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [TestCase(null)]
    [TestCase("Bearer wrong-token")]
    [TestCase("Bearer " + LeadApiHost.Token + "x")]
    [TestCase("Basic dGVzdDp0ZXN0")]
    [TestCase(LeadApiHost.Token)]
    public async Task A_missing_or_wrong_token_is_401(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/leads/recent");
        request.Headers.Authorization = null;
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var anonymous = new HttpClient { BaseAddress = _api.Http.BaseAddress };

        using var response = await anonymous.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("María"));
    }

    [Test]
    public async Task Every_configured_token_is_accepted_so_one_can_be_rotated_out()
    {
        using var anonymous = new HttpClient { BaseAddress = _api.Http.BaseAddress };
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LeadApiHost.SecondToken);

        using var response = await anonymous.GetAsync("/api/leads/recent");
        using var page = await anonymous.GetAsync("/");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("<title>LeadTracker</title>"));
    }

    [Test]
    public async Task Without_a_token_configured_the_api_and_page_are_404_and_the_log_says_why_once()
    {
        await using var off = await LeadApiHost.StartAsync(_db.ConnectionString, tokens: null);

        using var api = await off.Http.GetAsync("/api/leads/recent");
        using var page = await off.Http.GetAsync("/");

        Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var said = off.Logs.Logs.Where(l => l.Message.Contains("LeadTracker__Api__Tokens")).ToList();
        Assert.That(said, Has.Count.EqualTo(1));
        Assert.That(said[0].Level, Is.EqualTo(LogLevel.Information));
        Assert.That(off.Logs.Logs.Where(l => l.Level >= LogLevel.Warning), Is.Empty);
    }

    [Test]
    public void An_unknown_time_zone_stops_the_start_with_a_message_that_names_the_setting()
    {
        var failure = Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            async () => await LeadApiHost.StartAsync(_db.ConnectionString, timeZone: "Mars/Olympus_Mons"));

        Assert.That(failure!.Message, Does.Contain("LeadTracker:Api:TimeZone"));
    }

    /// <summary>The ids (first column) of a CSV answer, and the next page's path from its Link header.</summary>
    private async Task<(List<long> Ids, string? Next)> CsvIdsAsync(string path)
    {
        using var response = await _api.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {text}");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
        var rows = text.TrimEnd().Split("\r\n");
        Assert.That(rows[0], Does.EndWith("id,name,phone,username,bsuid,workspace,workspace_name,marketing_status," +
            "last_activity (Europe/Madrid),last_contact (Europe/Madrid),last_inbound (Europe/Madrid)," +
            "reply_window_closes_at (Europe/Madrid),needs_template,source_type,source_id,source_headline,source_url,source_ctwa_clid"));
        var ids = rows.Skip(1).Select(r => long.Parse(r[..r.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (!response.Headers.TryGetValues("Link", out var links)) return (ids, null);
        var next = System.Text.RegularExpressions.Regex.Match(links.Single(), "^<([^>]+)>; rel=\"next\"$");
        Assert.That(next.Success, Is.True, "Link: " + links.Single());
        return (ids, next.Groups[1].Value);
    }

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await _api.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {body}");
        return JsonNode.Parse(body)!;
    }

    private string Cli(string line)
    {
        var root = new RootCommand { LeadsCommand.Create(() => _db.Connections) };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = root.Parse(line).Invoke(new InvocationConfiguration { Output = output, Error = error });
        Assert.That(exit, Is.Zero, error.ToString());
        return output.ToString();
    }
}
