using System.Text.RegularExpressions;
using Dapper;
using FsCheck;
using FsCheck.Fluent;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Leads;

namespace LeadTracker.Tests;

/// <summary>
/// WhatsApp's reply window (docs/reply-window.md): closes 24 h after the lead's latest message, never moved by
/// ours; a send refused with 131047 means "needs a template" until they write again; the closing list. Checked
/// against a model of the rule for random streams delivered in any order, repeated and batched.
/// </summary>
[TestFixture]
public sealed class ReplyWindowTests
{
    private const string Workspace = "110000000000001";
    private const long Hour = 3_600_000;
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private enum Step
    {
        TheyWrote,
        WeWrote,
        RefusedWindowClosed,
        FailedOtherwise,
    }

    private sealed record Move(int Lead, Step Step, int HoursAgo);

    private sealed record Stream(IReadOnlyList<Move> Moves, int Seed)
    {
        public override string ToString() => $"seed {Seed}: " + string.Join(", ", Moves);
    }

    [Test]
    public void Window_template_flag_and_closing_list_follow_the_rule_in_any_order_of_events()
    {
        var moves =
            from lead in Gen.Choose(1, 3)
            from step in Gen.Elements(Enum.GetValues<Step>())
            from hoursAgo in Gen.Choose(0, 40) // often ties, both sides of "24 h ago"
            select new Move(lead, step, hoursAgo);
        var streams =
            from list in Gen.ListOf(moves).Select(l => l.Take(12).ToList())
            from seed in Gen.Choose(0, int.MaxValue)
            select new Stream(list, seed);

        Prop.ForAll(Arb.From(streams), Check).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Test]
    public void A_real_131047_failure_needs_a_template_until_the_lead_writes_again()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        var failed = FixtureEvents.Of("kapso-message-failed.json", DateTimeOffset.FromUnixTimeSeconds(1768651210));
        var sentAt = failed.Single().Message!.OccurredAtMs;
        var phone = failed.Single().Contact!.PhoneE164!;

        store.ApplyAsync([Event(phone, "in-1", Step.TheyWrote, sentAt - 30 * Hour)], CancellationToken.None).GetAwaiter().GetResult();
        store.ApplyAsync(failed, CancellationToken.None).GetAwaiter().GetResult();
        var refused = Lead(db, phone);

        store.ApplyAsync([Event(phone, "in-2", Step.TheyWrote, sentAt + Hour)], CancellationToken.None).GetAwaiter().GetResult();
        var answered = Lead(db, phone);

        Assert.Multiple(() =>
        {
            Assert.That(refused.NeedsTemplate, Is.True, "the send failed with 131047 after their last message");
            Assert.That(refused.ReplyWindowClosesAt, Is.EqualTo(sentAt - 30 * Hour + 24 * Hour));
            Assert.That(answered.NeedsTemplate, Is.False, "they wrote again: the window is open");
            Assert.That(answered.ReplyWindowClosesAt, Is.EqualTo(sentAt + 25 * Hour));
        });
    }

    [Test]
    public void The_closing_list_is_a_range_of_the_follow_up_index_per_workspace_without_a_sort()
    {
        using var db = new TempDatabase();
        using var connection = db.Connections.Open();
        foreach (var workspaces in new[] { 1, 3 })
        {
            var plan = string.Join("\n", connection.Query<(long, long, long, string Detail)>(
                "EXPLAIN QUERY PLAN " + LeadQueries.ListSql(LeadView.Closing, workspaces),
                new { w0 = 1L, w1 = 2L, w2 = 3L, windowFrom = 0L, windowTo = 10L, limit = 10, afterKey = 5L, afterId = 5L })
                .Select(step => step.Detail));

            Assert.That(Regex.Matches(plan, @"SEARCH c USING INDEX ix_contacts_follow_up \(workspace_id=\? AND \(last_inbound_at>\? AND last_inbound_at<\?\)\)|SEARCH c USING INDEX ix_contacts_follow_up \(workspace_id=\? AND last_inbound_at>\? AND last_inbound_at<\?\)"),
                Has.Count.EqualTo(workspaces), plan);
            Assert.That(plan, Does.Not.Contain("TEMP B-TREE"), plan);
            Assert.That(plan, Does.Not.Match(@"SCAN c\b"), plan);
        }
    }

    [Test]
    public void Re_deriving_the_template_time_is_one_seek_in_its_partial_index()
    {
        using var db = new TempDatabase();
        using var connection = db.Connections.Open();
        var plan = string.Join("\n", connection.Query<(long, long, long, string Detail)>("""
            EXPLAIN QUERY PLAN SELECT MAX(occurred_at) FROM messages
            WHERE contact_id = 1 AND status = 'failed' AND error GLOB '131047[^0-9]*'
            """).Select(step => step.Detail));

        Assert.That(plan, Does.Contain("ix_messages_template_required"), plan);
    }

    // ---- the property -------------------------------------------------------------------------------------------

    private static void Check(Stream stream)
    {
        var events = stream.Moves.SelectMany((move, i) => Events(move, i)).ToList();
        var random = new Random(stream.Seed);
        var delivery = events.SelectMany(e => Enumerable.Repeat(e, random.Next(3) == 0 ? 2 : 1)).OrderBy(_ => random.Next()).ToList();

        using var db = new TempDatabase();
        var store = db.Store();
        for (var at = 0; at < delivery.Count;)
        {
            var size = Math.Min(random.Next(1, 4), delivery.Count - at);
            store.ApplyAsync(delivery.GetRange(at, size), CancellationToken.None).GetAwaiter().GetResult();
            at += size;
        }

        var queries = new LeadQueries(db.Connections);
        var problems = new List<string>();
        foreach (var lead in stream.Moves.Select(m => m.Lead).Distinct())
        {
            var moves = stream.Moves.Where(m => m.Lead == lead).ToList();
            var lastInbound = Max(moves, Step.TheyWrote);
            var lastContact = Max(moves, Step.WeWrote);
            var refused = Max(moves, Step.RefusedWindowClosed);
            var actual = Lead(db, Phone(lead));

            long? closes = lastInbound is { } t ? t + 24 * Hour : null;
            var needsTemplate = refused is { } r && r > (lastInbound ?? 0);
            if (actual.ReplyWindowClosesAt != closes) problems.Add($"lead {lead}: window closes {actual.ReplyWindowClosesAt}, model {closes}");
            if (actual.NeedsTemplate != needsTemplate) problems.Add($"lead {lead}: needs template {actual.NeedsTemplate}, model {needsTemplate}");

            foreach (var hours in new[] { 1, 4, 24 })
            {
                var waiting = lastInbound > (lastContact ?? 0);
                var now = Now.ToUnixTimeMilliseconds();
                var expected = waiting && closes > now && closes <= now + hours * Hour;
                var listed = queries.ClosingSoon(hours, Now, null, 100).Any(l => l.PhoneE164 == Phone(lead));
                if (listed != expected) problems.Add($"lead {lead}: in closing list within {hours} h {listed}, model {expected}");
            }
        }

        var list = queries.ClosingSoon(24, Now, null, 100);
        if (!list.Select(l => (l.ReplyWindowClosesAt, l.Id)).SequenceEqual(list.Select(l => (l.ReplyWindowClosesAt, l.Id)).Order()))
            problems.Add("closing list not soonest first");

        if (problems.Count > 0) throw new AssertionException($"{stream}\n{string.Join("\n", problems)}");
    }

    private static long? Max(IEnumerable<Move> moves, Step step) =>
        moves.Where(m => m.Step == step).Select(m => (long?)At(m.HoursAgo)).Max();

    private static long At(int hoursAgo) => Now.ToUnixTimeMilliseconds() - hoursAgo * Hour;

    private static string Phone(int lead) => $"+1555030{lead:0000}";

    /// <summary>A refused or failed send is two events (sent, then failed), the way Kapso reports it.</summary>
    private static IEnumerable<LeadEvent> Events(Move move, int index)
    {
        var wamid = $"wamid.{index}";
        var at = At(move.HoursAgo);
        var phone = Phone(move.Lead);
        switch (move.Step)
        {
            case Step.RefusedWindowClosed or Step.FailedOtherwise:
                yield return Event(phone, wamid, Step.WeWrote, at);
                yield return Event(phone, wamid, move.Step, at);
                break;
            default:
                yield return Event(phone, wamid, move.Step, at);
                break;
        }
    }

    private static LeadEvent Event(string phone, string wamid, Step step, long at) => new()
    {
        EventType = step switch
        {
            Step.TheyWrote => "whatsapp.message.received",
            Step.WeWrote => "whatsapp.message.sent",
            _ => "whatsapp.message.failed",
        },
        PhoneNumberId = Workspace,
        ReceivedAtMs = at,
        Contact = new ContactFact { PhoneE164 = phone, ObservedAtMs = at },
        Message = new MessageFact
        {
            Wamid = wamid,
            Direction = step == Step.TheyWrote ? Direction.Inbound : Direction.Outbound,
            Status = step switch
            {
                Step.TheyWrote => MessageStatus.Received,
                Step.WeWrote => MessageStatus.Sent,
                _ => MessageStatus.Failed,
            },
            Error = step switch
            {
                Step.RefusedWindowClosed => "131047 Re-engagement message: More than 24 hours have passed since the recipient last replied to the sender number.",
                Step.FailedOtherwise => "131026 Message undeliverable: Unable to deliver message.",
                _ => null,
            },
            OccurredAtMs = at,
            IsOutreach = step == Step.WeWrote,
        },
    };

    private static Lead Lead(TempDatabase db, string phone)
    {
        using var connection = db.Connections.Open();
        var id = connection.ExecuteScalar<long>("SELECT id FROM contacts WHERE phone_e164 = @phone", new { phone });
        return new LeadQueries(db.Connections).Find(id)!;
    }
}
