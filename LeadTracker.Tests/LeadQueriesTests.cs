using System.Text.RegularExpressions;
using System.CommandLine;
using System.Text.Json;
using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Commands;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Leads;

namespace LeadTracker.Tests;

/// <summary>The three lead questions: right answers, and each answered from an index (no table scan).</summary>
[TestFixture]
public sealed class LeadQueriesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Each_question_returns_the_leads_it_asks_for()
    {
        using var db = await SeededAsync();
        var queries = new LeadQueries(db.Connections);

        Assert.Multiple(() =>
        {
            // Never contacted (Bo, Cy) or contacted 20 days ago (Al); Di was contacted 2 days ago.
            Assert.That(queries.NotContactedSince(7, Now, null, 50).Select(l => l.ProfileName), Is.EqualTo(new[] { "Bo", "Cy", "Al" }));
            // Wrote after our last outreach: Bo, Cy never contacted; Al wrote after our message.
            Assert.That(queries.NeedingFollowUp(null, 50).Select(l => l.ProfileName), Is.EqualTo(new[] { "Cy", "Al", "Bo" }));
            Assert.That(queries.RecentlyActive(null, 2).Select(l => l.ProfileName), Is.EqualTo(new[] { "Di", "Cy" }));
            Assert.That(queries.RecentlyActive("no-such-number", 10), Is.Empty);
            Assert.That(queries.RecentlyActive("110000000000001", 10), Has.Count.EqualTo(4));
        });
    }

    [TestCase(nameof(LeadView.Stale), "ix_contacts_contact")]
    [TestCase(nameof(LeadView.FollowUp), "ix_contacts_follow_up")]
    [TestCase(nameof(LeadView.Recent), "ix_contacts_activity")]
    public async Task Each_list_merges_one_ordered_index_range_per_workspace_without_a_sort(string list, string index)
    {
        var view = Enum.Parse<LeadView>(list);
        foreach (var workspaces in new[] { 1, 3 })
        {
            var plan = await PlanAsync(LeadQueries.ListSql(view, workspaces));

            Assert.That(Regex.Matches(plan, $"SEARCH c USING INDEX {index} \\(workspace_id=\\?"), Has.Count.EqualTo(workspaces), plan);
            Assert.That(plan, Does.Not.Contain("TEMP B-TREE"), plan);
            Assert.That(plan, Does.Not.Match(@"SCAN c\b"), plan);
        }
    }

    [TestCase(LeadQueries.CountsSql, "ix_contacts_contact")]
    [TestCase(LeadQueries.CountsSql, "ix_contacts_follow_up")]
    [TestCase(LeadQueries.CountsSql, "ix_contacts_activity")]
    [TestCase(LeadQueries.LeadSql, "INTEGER PRIMARY KEY")]
    public async Task Each_question_is_one_indexed_query(string sql, string index)
    {
        var plan = await PlanAsync(sql);

        Assert.That(plan, Does.Contain(index));
        Assert.That(plan, Does.Not.Match(@"SCAN c\b"), plan);
    }

    [TestCase(LeadQueries.SearchByNameSql)]
    [TestCase(LeadQueries.SearchByPhoneSql)]
    public async Task Search_goes_through_the_trigram_index_not_the_contacts(string sql)
    {
        var plan = await PlanAsync(sql);

        // FTS5 names the constraint it uses after the index number (M = MATCH); an empty one would read every row.
        Assert.That(plan, Does.Match(@"SCAN s VIRTUAL TABLE INDEX \d+:[A-Za-z]"), plan);
        Assert.That(plan, Does.Contain("SEARCH c USING INTEGER PRIMARY KEY"), plan);
        Assert.That(plan, Does.Not.Match(@"SCAN c\b"), plan);
    }

    [Test]
    public async Task A_timeline_is_a_backward_range_of_one_leads_messages()
    {
        var plan = await PlanAsync(LeadQueries.TimelineSql);

        Assert.That(plan, Does.Contain("MERGE (UNION ALL)"), plan);
        Assert.That(plan, Does.Contain("SEARCH messages USING INDEX ix_messages_contact_direction (contact_id=? AND direction=? AND occurred_at<?)"), plan);
        Assert.That(plan, Does.Not.Contain("TEMP B-TREE"), plan);
    }

    [Test]
    public async Task Paging_by_cursor_continues_after_the_last_row_without_repeats()
    {
        using var db = await SeededAsync();
        var queries = new LeadQueries(db.Connections);

        var first = queries.NotContactedSince(7, Now, null, 2);
        var rest = queries.NotContactedSince(7, Now, null, 50, LeadView.Stale.CursorAfter(first[^1]));

        Assert.That(first.Concat(rest).Select(l => l.ProfileName), Is.EqualTo(new[] { "Bo", "Cy", "Al" }));
    }

    private static async Task<string> PlanAsync(string sql)
    {
        using var db = await SeededAsync();
        using var connection = db.Connections.Open();
        return string.Join("\n", connection.Query<PlanStep>("EXPLAIN QUERY PLAN " + sql, new
        {
            workspace = (string?)null, w0 = 1L, w1 = 2L, w2 = 3L, cutoff = 0L, limit = 10, afterKey = 5L, afterId = 5L, id = 1L, contactId = 1L,
            phrase = "\"555\"", pattern = "%555%",
        }).Select(step => step.Detail));
    }

    [Test]
    public async Task The_command_line_prints_a_table_for_people_and_json_for_scripts()
    {
        using var db = await SeededAsync();
        var root = new RootCommand { LeadsCommand.Create(() => db.Connections) };

        var table = Run(root, "leads recent --limit 2");
        var json = Run(root, "leads follow-up --json --workspace 110000000000001");

        Assert.That(table, Does.Contain("Di").And.Contain("2 lead(s)").And.Contain("LAST CONTACT"));
        using var parsed = JsonDocument.Parse(json);
        Assert.That(parsed.RootElement.EnumerateArray().Select(l => l.GetProperty("profileName").GetString()),
            Is.EqualTo(new[] { "Cy", "Al", "Bo" }));
    }

    private static string Run(RootCommand root, string line)
    {
        using var output = new StringWriter();
        var exit = root.Parse(line).Invoke(new InvocationConfiguration { Output = output });
        Assert.That(exit, Is.Zero, output.ToString());
        return output.ToString();
    }

    private static async Task<TempDatabase> SeededAsync()
    {
        var db = new TempDatabase();
        var day = TimeSpan.FromDays(1).Ticks / TimeSpan.TicksPerMillisecond;
        var now = Now.ToUnixTimeMilliseconds();
        await db.Store().ApplyAsync(
        [
            Message("a1", "+15550100001", "Al", Direction.Outbound, now - 20 * day),
            Message("a2", "+15550100001", "Al", Direction.Inbound, now - 10 * day),
            Message("b1", "+15550100002", "Bo", Direction.Inbound, now - 15 * day),
            Message("c1", "+15550100003", "Cy", Direction.Inbound, now - 3 * day),
            Message("d1", "+15550100004", "Di", Direction.Inbound, now - 4 * day),
            Message("d2", "+15550100004", "Di", Direction.Outbound, now - 2 * day),
        ], CancellationToken.None);
        return db;
    }

    private sealed record PlanStep(long Id, long Parent, long Notused, string Detail);

    private static LeadEvent Message(string wamid, string phone, string name, Direction direction, long at) => new()
    {
        EventType = direction == Direction.Inbound ? "whatsapp.message.received" : "whatsapp.message.sent",
        PhoneNumberId = "110000000000001",
        ReceivedAtMs = at,
        Contact = new ContactFact { PhoneE164 = phone, ProfileName = name, ObservedAtMs = at },
        Message = new MessageFact
        {
            Wamid = wamid,
            Direction = direction,
            Status = direction == Direction.Inbound ? MessageStatus.Received : MessageStatus.Sent,
            OccurredAtMs = at,
            IsOutreach = direction == Direction.Outbound,
        },
    };
}
