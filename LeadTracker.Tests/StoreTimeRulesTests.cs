using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Tests;

/// <summary>
/// The store's time rules one case at a time, each answer worked out by hand: a message's time is its earliest, so
/// a repeat with a later time moves nothing and one with an earlier time moves the lead's times back; a merge keeps
/// the older lead (its id, the earliest first-seen time) and re-derives the times and the source from the messages
/// both brought. The property tests cover random streams; these pin the corners with fixed numbers.
/// </summary>
[TestFixture]
public sealed class StoreTimeRulesTests
{
    private const string Phone = "+15550100123";
    private const string Bsuid = "US.10000000000000000777";

    [Test]
    public async Task A_repeated_message_with_a_later_time_moves_no_time_and_one_with_an_earlier_time_moves_them_back()
    {
        using var db = new TempDatabase();
        var store = db.Store();

        await store.ApplyAsync([Message("in", Direction.Inbound, MessageStatus.Received, 2_000, phone: Phone)], CancellationToken.None);
        await store.ApplyAsync([Message("out", Direction.Outbound, MessageStatus.Sent, 4_000, phone: Phone, outreach: true)], CancellationToken.None);
        var later = await store.ApplyAsync(
        [
            Message("in", Direction.Inbound, MessageStatus.Received, 9_000, phone: Phone),
            Message("out", Direction.Outbound, MessageStatus.Sent, 9_500, phone: Phone, outreach: true),
        ], CancellationToken.None);
        var afterLater = Times(db);
        var earlier = await store.ApplyAsync([Message("out", Direction.Outbound, MessageStatus.Delivered, 3_000, phone: Phone, outreach: true)],
            CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(later.Select(o => o.Message), Is.EqualTo(new[] { WriteOutcome.Unchanged, WriteOutcome.Unchanged }));
            Assert.That(afterLater, Is.EqualTo(new LeadTimes(Inbound: 2_000, Contact: 4_000, Activity: 4_000, Template: null)));
            Assert.That(earlier.Single().Message, Is.EqualTo(WriteOutcome.Updated));
            // Our message's earliest time is now 3,000: still after their 2,000, so it is the activity too.
            Assert.That(Times(db), Is.EqualTo(new LeadTimes(Inbound: 2_000, Contact: 3_000, Activity: 3_000, Template: null)));
            Assert.That(Statuses(db), Is.EqualTo(new[] { "in|received|2000", "out|delivered|3000" }));
        });
    }

    [Test]
    public async Task Activity_is_the_later_of_their_latest_message_and_our_latest_outreach_after_any_move()
    {
        using var db = new TempDatabase();
        var store = db.Store();

        await store.ApplyAsync([Message("out", Direction.Outbound, MessageStatus.Sent, 8_000, phone: Phone, outreach: true)], CancellationToken.None);
        await store.ApplyAsync([Message("in", Direction.Inbound, MessageStatus.Received, 6_000, phone: Phone)], CancellationToken.None);
        var inboundFirst = Times(db);
        // The inbound message's earlier event: a move of an inbound row re-derives every time.
        await store.ApplyAsync([Message("in", Direction.Inbound, MessageStatus.Received, 5_000, phone: Phone)], CancellationToken.None);
        var inboundMoved = Times(db);
        // Our message turns out to have failed: no outreach, so the activity falls back to their message.
        await store.ApplyAsync([Message("out", Direction.Outbound, MessageStatus.Failed, 8_000, phone: Phone, error: "131026 Message undeliverable")],
            CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(inboundFirst, Is.EqualTo(new LeadTimes(Inbound: 6_000, Contact: 8_000, Activity: 8_000, Template: null)));
            Assert.That(inboundMoved, Is.EqualTo(new LeadTimes(Inbound: 5_000, Contact: 8_000, Activity: 8_000, Template: null)));
            Assert.That(Times(db), Is.EqualTo(new LeadTimes(Inbound: 5_000, Contact: null, Activity: 5_000, Template: null)));
        });
    }

    [Test]
    public async Task A_refusal_for_the_closed_window_keeps_its_latest_time_and_a_repeat_does_not_move_it()
    {
        using var db = new TempDatabase();
        var store = db.Store();

        await store.ApplyAsync([Message("in", Direction.Inbound, MessageStatus.Received, 1_000, phone: Phone)], CancellationToken.None);
        await store.ApplyAsync([Message("t1", Direction.Outbound, MessageStatus.Failed, 90_000_000, phone: Phone, error: "131047 Re-engagement message")],
            CancellationToken.None);
        await store.ApplyAsync([Message("t2", Direction.Outbound, MessageStatus.Failed, 80_000_000, phone: Phone, error: "131047 Re-engagement message")],
            CancellationToken.None);
        await store.ApplyAsync([Message("t2", Direction.Outbound, MessageStatus.Failed, 95_000_000, phone: Phone, error: "131047 Re-engagement message")],
            CancellationToken.None);
        var refused = Times(db);
        // An earlier event of t1 moves its time back: the latest refusal is t2's now.
        await store.ApplyAsync([Message("t1", Direction.Outbound, MessageStatus.Failed, 70_000_000, phone: Phone, error: "131047 Re-engagement message")],
            CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(refused, Is.EqualTo(new LeadTimes(Inbound: 1_000, Contact: null, Activity: 1_000, Template: 90_000_000)));
            Assert.That(Times(db), Is.EqualTo(new LeadTimes(Inbound: 1_000, Contact: null, Activity: 1_000, Template: 80_000_000)));
        });
    }

    [Test]
    public async Task A_message_seen_first_under_another_identity_joins_the_older_lead_which_keeps_its_id()
    {
        using var db = new TempDatabase();
        var store = db.Store();

        await store.ApplyAsync([Message("m", Direction.Outbound, MessageStatus.Sent, 5_000, phone: Phone, outreach: true)], CancellationToken.None);
        var first = Ids(db).Single();
        // A receipt of the same message that names only the business-scoped id: a second contact at first, then one lead.
        var receipt = await store.ApplyAsync([Message("m", Direction.Outbound, MessageStatus.Read, 5_000, bsuid: Bsuid, name: "Ana", outreach: true)],
            CancellationToken.None);

        using var connection = db.Connections.Open();
        Assert.Multiple(() =>
        {
            Assert.That(receipt.Single().Message, Is.EqualTo(WriteOutcome.Updated));
            Assert.That(Ids(db), Is.EqualTo(new[] { first }), "merged into the older lead");
            Assert.That(connection.QuerySingle<(string, string, string)>("SELECT phone_e164, bsuid, profile_name FROM contacts"),
                Is.EqualTo((Phone, Bsuid, "Ana")));
            Assert.That(connection.Query<string>("SELECT identity FROM contact_identities WHERE contact_id = @first ORDER BY identity", new { first }),
                Is.EqualTo(new[] { "bsuid:" + Bsuid, "phone:" + Phone }));
            Assert.That(Times(db), Is.EqualTo(new LeadTimes(Inbound: null, Contact: 5_000, Activity: 5_000, Template: null)));
            Assert.That(Statuses(db), Is.EqualTo(new[] { "m|read|5000" }));
        });
    }

    [Test]
    public async Task A_receipt_that_links_the_older_lead_to_a_newer_ones_message_keeps_the_older_id()
    {
        using var db = new TempDatabase();
        var store = db.Store();

        // The older lead (its phone), then a newer one that knows only the business-scoped id and owns message "m".
        await store.ApplyAsync([Message("a", Direction.Inbound, MessageStatus.Received, 1_000, phone: Phone)], CancellationToken.None);
        var older = Ids(db).Single();
        await store.ApplyAsync([Message("m", Direction.Outbound, MessageStatus.Sent, 2_000, bsuid: Bsuid, outreach: true)], CancellationToken.None);
        Assert.That(Ids(db), Has.Length.EqualTo(2), "two leads before the link");

        // The event resolves to the older lead; the row it updates belongs to the newer one.
        await store.ApplyAsync([Message("m", Direction.Outbound, MessageStatus.Delivered, 2_000, phone: Phone, outreach: true)], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(Ids(db), Is.EqualTo(new[] { older }), "merged into the older lead, whichever side the event resolved to");
            Assert.That(Statuses(db), Is.EqualTo(new[] { "a|received|1000", "m|delivered|2000" }));
            Assert.That(Times(db), Is.EqualTo(new LeadTimes(Inbound: 1_000, Contact: 2_000, Activity: 2_000, Template: null)));
        });
    }

    [Test]
    public async Task A_merge_takes_the_earliest_first_seen_time_the_merged_leads_messages_and_its_source()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        var ad = new LeadSource { Type = "ad", Id = "ad-7", Headline = "Spring" };

        // The phone-only lead is created first (older id) from a message at 5,000.
        await store.ApplyAsync([Message("p", Direction.Inbound, MessageStatus.Received, 5_000, phone: Phone)], CancellationToken.None);
        var older = Ids(db).Single();
        // The business-scoped-id lead: seen first at 1,000 (no name yet), then at 3,000 with a name, username and an ad.
        await store.ApplyAsync([Message("b1", Direction.Outbound, MessageStatus.Sent, 1_000, bsuid: Bsuid, outreach: true)], CancellationToken.None);
        await store.ApplyAsync([Message("b2", Direction.Inbound, MessageStatus.Received, 3_000, bsuid: Bsuid, name: "Ana", username: "@ana", referral: ad)],
            CancellationToken.None);
        // One message carries both: the two leads are one.
        await store.ApplyAsync([Message("both", Direction.Inbound, MessageStatus.Received, 4_000, phone: Phone, bsuid: Bsuid)], CancellationToken.None);

        using var connection = db.Connections.Open();
        Assert.Multiple(() =>
        {
            Assert.That(Ids(db), Is.EqualTo(new[] { older }));
            Assert.That(connection.QuerySingle<(long, string, string, string, string)>(
                    "SELECT created_at, phone_e164, bsuid, username, profile_name FROM contacts"),
                Is.EqualTo((1_000L, Phone, Bsuid, "@ana", "Ana")));
            Assert.That(Times(db), Is.EqualTo(new LeadTimes(Inbound: 5_000, Contact: 1_000, Activity: 5_000, Template: null)));
            Assert.That(connection.QuerySingle<(string, string, string, long)>("SELECT source_type, source_id, source_headline, source_at FROM contacts"),
                Is.EqualTo(("ad", "ad-7", "Spring", 3_000L)));
            Assert.That(connection.ExecuteScalar<long>("SELECT COUNT(*) FROM messages WHERE contact_id = @older", new { older }), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task A_merged_leads_marketing_preference_survives_when_it_is_the_newest()
    {
        using var db = new TempDatabase();
        var store = db.Store();

        await store.ApplyAsync([Marketing(phone: Phone, bsuid: null, "resumed", 3)], CancellationToken.None);
        await store.ApplyAsync([Marketing(phone: null, bsuid: Bsuid, "stopped", 8)], CancellationToken.None);
        await store.ApplyAsync([Message("both", Direction.Inbound, MessageStatus.Received, 4_000, phone: Phone, bsuid: Bsuid)], CancellationToken.None);

        using var connection = db.Connections.Open();
        Assert.That(connection.QuerySingle<(string, long)>("SELECT marketing_status, marketing_sequence FROM contacts"), Is.EqualTo(("stopped", 8L)));
    }

    [Test]
    public async Task A_leads_source_follows_its_earliest_referral_when_a_message_moves_earlier()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        var first = new LeadSource { Type = "ad", Id = "ad-1", Url = "https://example.com/1" };
        var second = new LeadSource { Type = "post", Id = "post-2", Url = "https://example.com/2" };

        await store.ApplyAsync([Message("a", Direction.Inbound, MessageStatus.Received, 20_000, phone: Phone, referral: first)], CancellationToken.None);
        await store.ApplyAsync([Message("b", Direction.Inbound, MessageStatus.Received, 10_000, phone: Phone, referral: second)], CancellationToken.None);
        var earliestFirst = Source(db);
        // Another event of "a" (no referral this time) says it was sent at 5,000: "a" is the earliest now.
        await store.ApplyAsync([Message("a", Direction.Inbound, MessageStatus.Received, 5_000, phone: Phone)], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(earliestFirst, Is.EqualTo(("post-2", 10_000L)));
            Assert.That(Source(db), Is.EqualTo(("ad-1", 5_000L)));
        });
    }

    private sealed record LeadTimes(long? Inbound, long? Contact, long? Activity, long? Template);

    private static LeadTimes Times(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return connection.QuerySingle<LeadTimes>(
            "SELECT last_inbound_at AS Inbound, last_contact_at AS Contact, last_activity_at AS Activity, template_required_at AS Template FROM contacts");
    }

    private static string[] Statuses(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return connection.Query<string>("SELECT wamid || '|' || status || '|' || occurred_at FROM messages ORDER BY wamid").ToArray();
    }

    private static long[] Ids(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return connection.Query<long>("SELECT id FROM contacts ORDER BY id").ToArray();
    }

    private static (string, long) Source(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return connection.QuerySingle<(string, long)>("SELECT source_id, source_at FROM contacts");
    }

    private static LeadEvent Message(string wamid, Direction direction, MessageStatus status, long at, string? phone = null,
        string? bsuid = null, string? name = null, string? username = null, bool outreach = false, string? error = null,
        LeadSource? referral = null) => new()
    {
        EventType = direction == Direction.Inbound ? "whatsapp.message.received" : "whatsapp.message." + status.Name,
        PhoneNumberId = "110000000000001",
        ReceivedAtMs = at,
        Contact = new ContactFact { PhoneE164 = phone, Bsuid = bsuid, ProfileName = name, Username = username, ObservedAtMs = at },
        Message = new MessageFact
        {
            Wamid = wamid,
            Direction = direction,
            Status = status,
            Error = error,
            Referral = referral,
            OccurredAtMs = at,
            IsOutreach = outreach,
        },
    };

    private static LeadEvent Marketing(string? phone, string? bsuid, string status, long sequence) => new()
    {
        EventType = "whatsapp.contact.marketing_preference",
        PhoneNumberId = "110000000000001",
        ReceivedAtMs = 1_000,
        Contact = new ContactFact { PhoneE164 = phone, Bsuid = bsuid, ObservedAtMs = 1_000 },
        Marketing = new MarketingFact(status, sequence),
    };
}
