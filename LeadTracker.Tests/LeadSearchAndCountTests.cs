using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Leads;

namespace LeadTracker.Tests;

/// <summary>
/// The lead questions in process, on one real SQLite file seeded once: search (names, short names, LIKE's own
/// characters, phone numbers in any format), the counts and their breakdown by source, one lead by id, a
/// timeline, and every list paged past its ties. The expected leads and their order are written out by hand from
/// the seed below, never read from the queries.
/// </summary>
[TestFixture]
public sealed class LeadSearchAndCountTests
{
    private const string One = "110000000000001";
    private const string Two = "110000000000002";
    private const long Hour = 3_600_000;
    private const long Day = 24 * Hour;
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly long T = Now.ToUnixTimeMilliseconds();
    private static readonly string LongBody = new string('x', 150) + "0123456789TAIL";

    private TempDatabase _db = null!;
    private LeadQueries _queries = null!;

    /// <summary>
    /// Six leads, created in this order (so their ids ascend in it):
    /// Ana López  (one) wrote 24 h ago, from ad-1 "Spring";        never contacted
    /// Anabel     (one) wrote 24 h ago, from ad-1 "Spring sale";   never contacted
    /// Bo "B" 100% (one) we wrote 3 days ago;                      never wrote
    /// Li_x       (one) wrote 30 days ago, we answered 20 days ago (long body)
    /// Zed        (two) wrote 23 h ago, from post-9 "Launch";      never contacted
    /// C\D        (one) wrote 2 days ago;                          never contacted
    /// </summary>
    [OneTimeSetUp]
    public async Task Seed()
    {
        _db = new TempDatabase();
        _queries = new LeadQueries(_db.Connections);
        await _db.Store().ApplyAsync(
        [
            Message("ana", One, "+15550100001", "Ana López", Direction.Inbound, T - Day, new LeadSource
            {
                Type = "ad", Id = "ad-1", Url = "https://example.com/ad-1", Headline = "Spring", Body = "Flats",
                MediaType = "image", ImageUrl = "https://example.com/a.jpg", CtwaClid = "clid-ana",
            }),
            Message("anabel", One, "+15550100002", "Anabel", Direction.Inbound, T - Day,
                new LeadSource { Type = "ad", Id = "ad-1", Headline = "Spring sale" }),
            Message("bo", One, "+15550100003", "Bo \"B\" 100%", Direction.Outbound, T - 3 * Day),
            Message("li-in", One, "+15550100004", "Li_x", Direction.Inbound, T - 30 * Day),
            Message("li-out", One, "+15550100004", "Li_x", Direction.Outbound, T - 20 * Day, body: LongBody),
            Message("zed", Two, "+15550200005", "Zed", Direction.Inbound, T - 23 * Hour,
                new LeadSource { Type = "post", Id = "post-9", Url = "https://example.com/p9", Headline = "Launch" }),
            Message("cd", One, "+15550100006", "C\\D", Direction.Inbound, T - 2 * Day),
        ], CancellationToken.None);
    }

    [OneTimeTearDown]
    public void Drop() => _db.Dispose();

    [TestCase("lopez", new[] { "Ana López" })] // accents folded
    [TestCase("lop", new[] { "Ana López" })] // three characters: still the trigram index (LIKE keeps the accent)
    [TestCase("ANA", new[] { "Ana López", "Anabel" })] // same activity: ties by id, ascending
    [TestCase("An", new[] { "Ana López", "Anabel" })] // two characters: LIKE, any case
    [TestCase(" an ", new[] { "Ana López", "Anabel" })] // trimmed
    [TestCase("%", new[] { "Bo \"B\" 100%" })] // LIKE's own characters are literal
    [TestCase("_", new[] { "Li_x" })]
    [TestCase("\\", new[] { "C\\D" })]
    [TestCase("\"B\"", new[] { "Bo \"B\" 100%" })] // a quote inside the FTS5 phrase
    [TestCase("zz", new string[0])]
    [TestCase("555-010-0003", new[] { "Bo \"B\" 100%" })] // a phone number in any format: its digits
    [TestCase("(555) 020.0005", new[] { "Zed" })]
    [TestCase("+1 555 0100", new[] { "Ana López", "Anabel", "C\\D", "Bo \"B\" 100%", "Li_x" })] // newest activity first
    [TestCase("0006", new[] { "C\\D" })]
    public void Search_finds_names_and_numbers_newest_activity_first(string text, string[] expected) =>
        Assert.That(Names(_queries.Search(text, null, 50)), Is.EqualTo(expected));

    [Test]
    public void Search_keeps_to_the_workspace_asked_for()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Names(_queries.Search("555", Two, 50)), Is.EqualTo(new[] { "Zed" }));
            Assert.That(Names(_queries.Search("zed", One, 50)), Is.Empty);
            Assert.That(Names(_queries.Search("Ze", Two, 50)), Is.EqualTo(new[] { "Zed" }));
        });
    }

    [Test]
    public void Search_pages_past_ties_without_repeating_or_skipping()
    {
        var first = _queries.Search("5550100", null, 1);
        var second = _queries.Search("5550100", null, 2, LeadView.Search.CursorAfter(first[^1]));
        var third = _queries.Search("5550100", null, 2, LeadView.Search.CursorAfter(second[^1]));
        var fourth = _queries.Search("5550100", null, 2, LeadView.Search.CursorAfter(third[^1]));

        Assert.Multiple(() =>
        {
            Assert.That(Names(first), Is.EqualTo(new[] { "Ana López" }));
            Assert.That(Names(second), Is.EqualTo(new[] { "Anabel", "C\\D" }));
            Assert.That(Names(third), Is.EqualTo(new[] { "Bo \"B\" 100%", "Li_x" }));
            Assert.That(fourth, Is.Empty);
        });
    }

    [TestCase("12", null)]
    [TestCase("123", "123")]
    [TestCase("+1 (555) 010-0123", "15550100123")]
    [TestCase("555.010/0123", "5550100123")]
    [TestCase("12a3", null)]
    [TestCase("1 2", null)]
    [TestCase("", null)]
    public void Phone_digits_are_read_only_from_text_written_like_a_number(string text, string? digits) =>
        Assert.That(LeadSearchText.PhoneDigits(text), Is.EqualTo(digits));

    [Test]
    public void Counts_answer_each_question_with_the_lists_filters()
    {
        var all = _queries.Count(7, Now, null);
        var two = _queries.Count(7, Now, Two);

        Assert.Multiple(() =>
        {
            // Stale: never contacted (Ana, Anabel, Zed, C\D) or 20 days ago (Li_x); Bo was contacted 3 days ago.
            // Follow-up: wrote after our last outreach (Ana, Anabel, Zed, C\D). Recent: all six. Closing within
            // 4 h: Zed (23 h ago); Ana and Anabel wrote exactly 24 h ago, their windows close now, not after it.
            Assert.That((all.Stale, all.FollowUp, all.Recent, all.Closing), Is.EqualTo((5L, 4L, 6L, 1L)));
            Assert.That(all.BySource.Select(s => (s.SourceType, s.SourceId, s.Headline, s.Leads)), Is.EqualTo(new[]
            {
                ("ad", "ad-1", "Spring sale", 2L),
                ("post", "post-9", "Launch", 1L),
            }));
            Assert.That((two.Stale, two.FollowUp, two.Recent, two.Closing), Is.EqualTo((1L, 1L, 1L, 1L)));
            Assert.That(two.BySource.Select(s => s.SourceId), Is.EqualTo(new[] { "post-9" }));
            Assert.That(_queries.Count(2, Now, null).Stale, Is.EqualTo(6L), "Bo, 3 days ago, is stale after 2 days");
            Assert.That(_queries.Count(21, Now, null).Stale, Is.EqualTo(4L), "Li_x, 20 days ago, is not stale after 21");
            Assert.That(_queries.Count(7, Now, null, hours: 1).Closing, Is.EqualTo(1L), "Zed's window closes in exactly 1 h");
            Assert.That(_queries.Count(7, Now.AddMilliseconds(-1), null, hours: 1).Closing, Is.EqualTo(2L),
                "1 ms earlier Zed's window closes 1 h 1 ms away: out; Ana's and Anabel's 1 ms away: in");
            Assert.That(_queries.Count(7, Now, null, hours: 0).Closing, Is.Zero);
            Assert.That(_queries.Count(7, Now.AddHours(-1), null, hours: 1).Closing, Is.EqualTo(2L),
                "an hour ago Ana's and Anabel's windows had exactly 1 h left, Zed's 2 h");
            Assert.That(_queries.Count(7, Now, "no-such-number").Recent, Is.Zero);
        });
    }

    [Test]
    public void Stale_counts_mark_the_cutoff_exactly()
    {
        // Bo was contacted exactly 3 days before Now: stale 1 ms later, not at the cutoff itself.
        Assert.Multiple(() =>
        {
            Assert.That(_queries.Count(3, Now, null).Stale, Is.EqualTo(5L));
            Assert.That(_queries.Count(3, Now.AddMilliseconds(1), null).Stale, Is.EqualTo(6L));
        });
    }

    [Test]
    public void Leads_by_source_are_those_one_ad_brought()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Names(_queries.BySource("ad-1", null, 50)), Is.EqualTo(new[] { "Ana López", "Anabel" }));
            Assert.That(Names(_queries.BySource("ad-1", null, 1, new LeadCursor(T - Day, Find("Ana López").Id))), Is.EqualTo(new[] { "Anabel" }));
            Assert.That(Names(_queries.BySource("post-9", null, 50)), Is.EqualTo(new[] { "Zed" }));
            Assert.That(Names(_queries.BySource("post-9", One, 50)), Is.Empty);
            Assert.That(Names(_queries.BySource("ad-2", null, 50)), Is.Empty);
        });
    }

    [Test]
    public void A_lead_found_by_id_carries_its_times_window_and_source()
    {
        var ana = Find("Ana López");

        Assert.Multiple(() =>
        {
            Assert.That(ana.Workspace, Is.EqualTo(One));
            Assert.That(ana.PhoneE164, Is.EqualTo("+15550100001"));
            Assert.That(ana.LastInboundAt, Is.EqualTo(1772236800000)); // 2026-02-28T00:00Z
            Assert.That(ana.LastInboundAtIso, Is.EqualTo("2026-02-28T00:00:00.000Z"));
            Assert.That(ana.LastActivityAtIso, Is.EqualTo("2026-02-28T00:00:00.000Z"));
            Assert.That(ana.LastContactAt, Is.Null);
            Assert.That(ana.LastContactAtIso, Is.Null);
            Assert.That(ana.ReplyWindowClosesAt, Is.EqualTo(1772323200000)); // 24 h later: 2026-03-01T00:00Z
            Assert.That(ana.ReplyWindowClosesAtIso, Is.EqualTo("2026-03-01T00:00:00.000Z"));
            Assert.That(ana.NeedsTemplate, Is.False);
            Assert.That(ana.SourceAt, Is.EqualTo(1772236800000));
            Assert.That(ana.SourceAtIso, Is.EqualTo("2026-02-28T00:00:00.000Z"));
            Assert.That(ana.Source, Is.EqualTo(new LeadSource
            {
                Type = "ad", Id = "ad-1", Url = "https://example.com/ad-1", Headline = "Spring", Body = "Flats",
                MediaType = "image", ImageUrl = "https://example.com/a.jpg", CtwaClid = "clid-ana",
            }));
            Assert.That(Find("Li_x").LastContactAtIso, Is.EqualTo("2026-02-09T00:00:00.000Z"));
            Assert.That(Find("Bo \"B\" 100%").Source, Is.Null);
            Assert.That(_queries.Find(Find("Zed").Id + 1000), Is.Null);
        });
    }

    [Test]
    public void A_source_is_shown_when_either_its_id_or_its_url_is_known()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new Lead { Workspace = One, SourceUrl = "https://example.com/x" }.Source,
                Is.EqualTo(new LeadSource { Url = "https://example.com/x" }));
            Assert.That(new Lead { Workspace = One, SourceId = "ad-7" }.Source, Is.EqualTo(new LeadSource { Id = "ad-7" }));
            Assert.That(new Lead { Workspace = One, SourceType = "ad", SourceHeadline = "h" }.Source, Is.Null);
        });
    }

    [TestCase(null, null, false)]
    [TestCase(5L, null, true)]
    [TestCase(5L, 4L, true)]
    [TestCase(5L, 5L, false)] // they wrote at the refusal's time: the window is open again
    [TestCase(5L, 6L, false)]
    public void A_template_is_needed_only_after_a_refusal_they_did_not_answer(long? refusedAt, long? theyWroteAt, bool needed) =>
        Assert.That(new Lead { Workspace = One, TemplateRequiredAt = refusedAt, LastInboundAt = theyWroteAt }.NeedsTemplate,
            Is.EqualTo(needed));

    [Test]
    public void Each_view_pages_by_its_own_sort_key()
    {
        var lead = new Lead { Id = 9, Workspace = One, LastContactAt = 1, LastInboundAt = 2, LastActivityAt = 3 };
        var blank = new Lead { Id = 4, Workspace = One };

        Assert.Multiple(() =>
        {
            Assert.That(LeadView.Stale.CursorAfter(lead), Is.EqualTo(new LeadCursor(1, 9)));
            Assert.That(LeadView.FollowUp.CursorAfter(lead), Is.EqualTo(new LeadCursor(2, 9)));
            Assert.That(LeadView.Closing.CursorAfter(lead), Is.EqualTo(new LeadCursor(2, 9)));
            Assert.That(LeadView.Recent.CursorAfter(lead), Is.EqualTo(new LeadCursor(3, 9)));
            Assert.That(LeadView.Search.CursorAfter(lead), Is.EqualTo(new LeadCursor(3, 9)));
            Assert.That(LeadView.Stale.CursorAfter(blank), Is.EqualTo(new LeadCursor(0, 4)));
            Assert.That(LeadView.FollowUp.CursorAfter(blank), Is.EqualTo(new LeadCursor(0, 4)));
            Assert.That(LeadView.Recent.CursorAfter(blank), Is.EqualTo(new LeadCursor(0, 4)));
            Assert.That(() => ((LeadView)99).CursorAfter(lead), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => LeadQueries.ListSql(LeadView.Search, 1), Throws.InstanceOf<ArgumentOutOfRangeException>()
                .With.Message.StartsWith("search has its own statements"));
        });
    }

    [Test]
    public void Every_list_pages_past_its_ties_in_its_own_order()
    {
        Assert.Multiple(() =>
        {
            // Never contacted (key 0, by id) first, then Li_x contacted 20 days ago.
            Assert.That(Paged(LeadView.Stale, (limit, after) => _queries.NotContactedSince(7, Now, null, limit, after)),
                Is.EqualTo(new[] { "Ana López", "Anabel", "Zed", "C\\D", "Li_x" }));
            // Newest inbound first, ties by id descending.
            Assert.That(Paged(LeadView.FollowUp, (limit, after) => _queries.NeedingFollowUp(null, limit, after)),
                Is.EqualTo(new[] { "Zed", "Anabel", "Ana López", "C\\D" }));
            Assert.That(Paged(LeadView.Recent, (limit, after) => _queries.RecentlyActive(null, limit, after)),
                Is.EqualTo(new[] { "Zed", "Anabel", "Ana López", "C\\D", "Bo \"B\" 100%", "Li_x" }));
            // Windows closing within 48 h, soonest first: Zed's; Ana's and Anabel's close now, not after it.
            Assert.That(Paged(LeadView.Closing, (limit, after) => _queries.ClosingSoon(48, Now, null, limit, after)),
                Is.EqualTo(new[] { "Zed" }));
            Assert.That(Names(_queries.ClosingSoon(48, Now.AddMinutes(-1), null, 50)), Is.EqualTo(new[] { "Ana López", "Anabel", "Zed" }));
            Assert.That(Paged(LeadView.Closing, (limit, after) => _queries.ClosingSoon(48, Now.AddMinutes(-1), null, limit, after)),
                Is.EqualTo(new[] { "Ana López", "Anabel", "Zed" }));
            Assert.That(Names(_queries.ClosingSoon(4, Now.AddMinutes(-1), One, 50)), Is.EqualTo(new[] { "Ana López", "Anabel" }));
        });
    }

    [Test]
    public void A_timeline_is_newest_first_paged_by_time_and_id_with_a_short_preview()
    {
        var li = Find("Li_x").Id;
        var first = _queries.Timeline(li, 1);
        var rest = _queries.Timeline(li, 5, new LeadCursor(first[0].OccurredAt, first[0].Id));

        Assert.Multiple(() =>
        {
            Assert.That(first.Select(m => (m.Wamid, m.Direction, m.OccurredAtIso, m.Status)),
                Is.EqualTo(new[] { ("li-out", "outbound", "2026-02-09T00:00:00.000Z", "sent") }));
            Assert.That(first[0].BodyPreview, Is.EqualTo(new string('x', 150) + "0123456789"));
            Assert.That(rest.Select(m => (m.Wamid, m.Direction, m.OccurredAtIso, m.Status)),
                Is.EqualTo(new[] { ("li-in", "inbound", "2026-01-30T00:00:00.000Z", "received") }));
            Assert.That(_queries.Timeline(li, 5, new LeadCursor(rest[0].OccurredAt, rest[0].Id)), Is.Empty);
        });
    }

    [Test]
    public async Task Past_64_workspaces_a_list_is_one_range_over_all_of_them()
    {
        using var db = new TempDatabase();
        var queries = new LeadQueries(db.Connections);
        var workspaces = Enumerable.Range(1, 65).Select(i => $"2200000000{i:D5}").ToArray();
        await db.Store().ApplyAsync(workspaces.Select((workspace, i) =>
            Message($"w{i}", workspace, $"+1555030{i:D4}", $"Lead {i:D2}", Direction.Inbound, T - (i / 2) * Hour)).ToArray(),
            CancellationToken.None);

        var sql64 = LeadQueries.ListSql(LeadView.Recent, 64);
        var sql65 = LeadQueries.ListSql(LeadView.Recent, 65);
        var recent = queries.RecentlyActive(null, 3);
        var next = queries.RecentlyActive(null, 3, LeadView.Recent.CursorAfter(recent[^1]));

        Assert.Multiple(() =>
        {
            Assert.That(sql64.Split("UNION ALL").Length, Is.EqualTo(64));
            Assert.That(sql65, Does.Not.Contain("UNION ALL").And.Contain("IN (@w0, @w1, "));
            // Lead i wrote i/2 hours ago: 00 and 01 first (ties by id descending), then 03 and 02, …
            Assert.That(Names(recent), Is.EqualTo(new[] { "Lead 01", "Lead 00", "Lead 03" }));
            Assert.That(Names(next), Is.EqualTo(new[] { "Lead 02", "Lead 05", "Lead 04" }));
            Assert.That(queries.Count(7, Now, null).Recent, Is.EqualTo(65L));
        });
    }

    private Lead Find(string name) => _queries.RecentlyActive(null, 50).Single(l => l.ProfileName == name);

    private static string?[] Names(IEnumerable<Lead> leads) => leads.Select(l => l.ProfileName).ToArray();

    /// <summary>A whole list read two rows at a time along its cursors.</summary>
    private static List<string?> Paged(LeadView view, Func<int, LeadCursor?, IReadOnlyList<Lead>> page)
    {
        var names = new List<string?>();
        LeadCursor? after = null;
        while (true)
        {
            var rows = page(2, after);
            names.AddRange(rows.Select(l => l.ProfileName));
            if (rows.Count < 2 || names.Count > 20) return names;
            after = view.CursorAfter(rows[^1]);
        }
    }

    // The lead's name is also its message's text unless a body is given: search finds a lead by either.
    private static LeadEvent Message(string wamid, string workspace, string phone, string name, Direction direction,
        long at, LeadSource? referral = null, string? body = null) =>
        TextMessages.Of(wamid, phone, name, direction, at, workspace, referral: referral, body: body ?? name);
}
