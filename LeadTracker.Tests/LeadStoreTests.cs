using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Tests;

/// <summary>
/// The event semantics of docs/architecture.md on a real SQLite file: idempotent (repeats change nothing) and commutative
/// (any order of the same events gives the same rows).
/// </summary>
[TestFixture]
public sealed class LeadStoreTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] MariasStory =
    [
        "kapso-message-received-text.json",
        "kapso-message-received-image.json",
        "kapso-message-sent.json",
        "kapso-message-delivered.json",
        "kapso-message-read.json",
        "kapso-contact-identity-changed.json",
    ];

    /// <summary>
    /// Maria's lead after her six events, read off the fixtures by hand (not the code's own output for one order):
    /// her phone from every message, the business-scoped id identity_changed made current (2026-01-20, later than
    /// the image's US…123) with the previous one kept as an identity, her username and profile name; the inbound
    /// time of her image (10:01:30), our reply's send time (10:05:00) as contact and activity time, though its read
    /// receipt came later; and the reply at <c>read</c>, the highest status any of its events names.
    /// </summary>
    private static readonly string MariasRows = string.Join('\n',
        "+15550100123|US.10000000000000000987|@marialopez|15550100123|Maria Lopez|-|-|1768471500000|1768471500000|1768471290000|"
            + "bsuid:US.10000000000000000123,bsuid:US.10000000000000000987,phone:+15550100123",
        "--",
        "wamid.HBgLMTU1NTAxMDAxMjMVAgASGBQzRUIwRkFLRTAwMDAwMDAwMDAwMQA=|inbound|text|"
            + "Hi! Is the 2-bedroom apartment on Elm St still available?|received|-|0|1768471200000|+15550100123",
        "wamid.HBgLMTU1NTAxMDAxMjMVAgASGBQzRUIwRkFLRTAwMDAwMDAwMDAwMgA=|inbound|image|"
            + "This is the floor plan they sent me|received|-|0|1768471290000|+15550100123",
        "wamid.HBgLMTU1NTAxMDAxMjMVAgASGBQzRUIwRkFLRTAwMDAwMDAwMDAwMwA=|outbound|text|"
            + "Yes, it's available! Would you like to schedule a viewing this week?|read|-|1|1768471500000|+15550100123");

    [Test]
    public async Task Every_order_of_marias_events_ends_in_her_hand_written_rows()
    {
        var events = MariasStory.Select(Events).Select(e => e.Single()).ToArray();
        var orders = new HashSet<string>();
        foreach (var order in FixtureEvents.Permutations(events))
        {
            using var db = new TempDatabase();
            await db.Store().ApplyAsync(order, CancellationToken.None);
            var name = string.Join(", ", order.Select(e => MariasStory[Array.IndexOf(events, e)]));
            Assert.That(Snapshot(db), Is.EqualTo(MariasRows), $"order {name}");
            orders.Add(name);
        }

        // Every order of the six events was tried.
        Assert.That(orders, Has.Count.EqualTo(720));
    }

    [Test]
    public async Task Applying_every_fixture_twice_leaves_the_rows_of_applying_it_once()
    {
        using var once = new TempDatabase();
        using var twice = new TempDatabase();
        var all = KapsoFixtures.All.SelectMany(f => Events(f.File)).ToList();

        await once.Store().ApplyAsync(all, CancellationToken.None);
        foreach (var e in all.Concat(all)) await twice.Store().ApplyAsync([e], CancellationToken.None);

        Assert.That(Snapshot(twice), Is.EqualTo(Snapshot(once)));
    }

    [Test]
    public async Task A_repeat_is_reported_as_unchanged_and_a_later_status_as_updated()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        var sent = Events("kapso-message-sent.json");

        var first = await store.ApplyAsync(sent, CancellationToken.None);
        var repeat = await store.ApplyAsync(sent, CancellationToken.None);
        var read = await store.ApplyAsync(Events("kapso-message-read.json"), CancellationToken.None);
        var lateDelivered = await store.ApplyAsync(Events("kapso-message-delivered.json"), CancellationToken.None);

        Assert.That(new[] { first[0].Message, repeat[0].Message, read[0].Message, lateDelivered[0].Message },
            Is.EqualTo(new[] { WriteOutcome.Inserted, WriteOutcome.Unchanged, WriteOutcome.Updated, WriteOutcome.Unchanged }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_send_that_failed_is_not_outreach_whichever_event_came_first(bool failedFirst)
    {
        using var db = new TempDatabase();
        var store = db.Store();
        var sent = Outbound("wamid.X", MessageStatus.Sent, outreach: true, at: 1_000);
        var failed = Outbound("wamid.X", MessageStatus.Failed, outreach: false, at: 1_000);

        foreach (var e in failedFirst ? new[] { failed, sent } : new[] { sent, failed })
            await store.ApplyAsync([e], CancellationToken.None);

        using var connection = db.Connections.Open();
        var contact = connection.QuerySingle<(long? LastContactAt, long? LastActivityAt)>(
            "SELECT last_contact_at, last_activity_at FROM contacts");
        Assert.That(contact, Is.EqualTo(((long?)null, (long?)null)));
        Assert.That(connection.ExecuteScalar<string>("SELECT status FROM messages"), Is.EqualTo("failed"));
    }

    [Test]
    public async Task A_stale_marketing_preference_is_discarded()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        await store.ApplyAsync([Marketing("stopped", 7)], CancellationToken.None);
        await store.ApplyAsync([Marketing("resumed", 5)], CancellationToken.None);

        using var connection = db.Connections.Open();
        Assert.That(connection.QuerySingle<(string, long)>("SELECT marketing_status, marketing_sequence FROM contacts"),
            Is.EqualTo(("stopped", 7L)));
    }

    [Test]
    public async Task The_newest_profile_name_wins_by_message_time_not_by_arrival()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        await store.ApplyAsync([Inbound("wamid.new", "+15550100123", null, "Maria L.", at: 2_000)], CancellationToken.None);
        await store.ApplyAsync([Inbound("wamid.old", "+15550100123", null, "Maria", at: 1_000)], CancellationToken.None);

        using var connection = db.Connections.Open();
        Assert.That(connection.ExecuteScalar<string>("SELECT profile_name FROM contacts"), Is.EqualTo("Maria L."));
    }

    [Test]
    public async Task A_bsuid_only_lead_and_a_phone_only_lead_become_one_when_an_event_links_them()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        await store.ApplyAsync([Inbound("wamid.1", null, "US.1", "Ana", at: 1_000)], CancellationToken.None);
        await store.ApplyAsync([Inbound("wamid.2", "+15550100123", null, null, at: 2_000)], CancellationToken.None);
        await store.ApplyAsync([Inbound("wamid.3", "+15550100123", "US.1", null, at: 3_000)], CancellationToken.None);

        using var connection = db.Connections.Open();
        Assert.Multiple(() =>
        {
            Assert.That(connection.ExecuteScalar<long>("SELECT COUNT(*) FROM contacts"), Is.EqualTo(1));
            Assert.That(connection.ExecuteScalar<long>("SELECT COUNT(DISTINCT contact_id) FROM messages"), Is.EqualTo(1));
            Assert.That(connection.QuerySingle<(string, string, string, long)>(
                    "SELECT phone_e164, bsuid, profile_name, last_inbound_at FROM contacts"),
                Is.EqualTo(("+15550100123", "US.1", "Ana", 3_000L)));
        });
    }

    [Test]
    public void An_unknown_business_number_is_refused_when_workspaces_are_not_created_on_sight()
    {
        using var db = new TempDatabase();
        Assert.That(() => db.Store(createWorkspaces: false).ApplyAsync(Events("kapso-message-sent.json"), CancellationToken.None),
            Throws.TypeOf<UnknownWorkspaceException>().With.Message.Contains("110000000000001"));
    }

    [Test]
    public async Task A_lock_held_by_another_connection_is_waited_out()
    {
        using var db = new TempDatabase();
        using var writeLock = db.HoldWriteLock();

        using var logs = new CapturingLoggerProvider();
        using var store = new LeadStore(db.Connections, logs.CreateLogger<LeadStore>());
        var write = store.ApplyAsync(Events("kapso-message-sent.json"), CancellationToken.None);
        // The positive control first: the store met the lock and is retrying (not a fixed sleep); only then "not done".
        await logs.WaitForAsync(l => l.Message.StartsWith("SQLite is busy", StringComparison.Ordinal), "the write meets the lock");
        Assert.That(write.IsCompleted, Is.False, "blocked by the other writer");
        writeLock.Release();

        Assert.That((await write)[0].Message, Is.EqualTo(WriteOutcome.Inserted));
    }

    private static string Snapshot(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return LeadRows.Snapshot(connection);
    }

    private static List<LeadEvent> Events(string file) => FixtureEvents.Of(file, ReceivedAt);

    private static LeadEvent Inbound(string wamid, string? phone, string? bsuid, string? name, long at) => new()
    {
        EventType = "whatsapp.message.received",
        PhoneNumberId = "110000000000001",
        ReceivedAtMs = at,
        Contact = new ContactFact { PhoneE164 = phone, Bsuid = bsuid, ProfileName = name, ObservedAtMs = at },
        Message = new MessageFact { Wamid = wamid, Direction = Direction.Inbound, Status = MessageStatus.Received, OccurredAtMs = at },
    };

    private static LeadEvent Outbound(string wamid, MessageStatus status, bool outreach, long at) => new()
    {
        EventType = "whatsapp.message." + status.Name,
        PhoneNumberId = "110000000000001",
        ReceivedAtMs = at,
        Contact = new ContactFact { PhoneE164 = "+15550100145", ObservedAtMs = at },
        Message = new MessageFact
        {
            Wamid = wamid, Direction = Direction.Outbound, Status = status, OccurredAtMs = at, IsOutreach = outreach,
        },
    };

    private static LeadEvent Marketing(string status, long sequence) => new()
    {
        EventType = "whatsapp.contact.marketing_preference_changed",
        PhoneNumberId = "110000000000001",
        ReceivedAtMs = 0,
        Contact = new ContactFact { PhoneE164 = "+15550100145", ObservedAtMs = sequence },
        Marketing = new MarketingFact(status, sequence),
    };
}
