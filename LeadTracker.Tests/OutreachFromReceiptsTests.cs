using Dapper;
using LeadTracker.Contracts;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;

namespace LeadTracker.Tests;

/// <summary>
/// An outbound message known only from a <c>delivered</c> or <c>read</c> event was sent: it is outreach at the
/// message's time, exactly as if its <c>sent</c> had come; a <c>failed</c> one never is, whatever came first.
/// Kapso's documented bodies and Meta-format statuses, on a real SQLite file.
/// </summary>
[TestFixture]
public sealed class OutreachFromReceiptsTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    // The 'sent' entry of the Kapso fixtures' statuses[], and the Meta fixture's status time.
    private const long KapsoSentAt = 1_768_471_500_000;
    private const long MetaDeliveredAt = 1_768_477_802_000;

    [TestCase("kapso-message-delivered.json")]
    [TestCase("kapso-message-read.json")]
    public async Task A_kapso_receipt_alone_makes_the_lead_contacted_at_the_message_time(string file)
    {
        using var db = new TempDatabase();
        await db.Store().ApplyAsync(Events(file), CancellationToken.None);

        Assert.That(Times(db), Is.EqualTo((KapsoSentAt, KapsoSentAt, (long?)null)));
    }

    [Test]
    public async Task A_kapso_delivered_without_its_sent_status_is_outreach_at_its_message_time()
    {
        using var db = new TempDatabase();
        var json = """
            {"message":{"id":"wamid.D","timestamp":"1768471503","type":"text","text":{"body":"Hi"},
                        "kapso":{"direction":"outbound","status":"delivered","statuses":[]}},
             "conversation":{"phone_number":"+15550100123"},"phone_number_id":"110000000000001"}
            """;
        await db.Store().ApplyAsync(TestEvents.Parse("whatsapp.message.delivered", json, ReceivedAt), CancellationToken.None);

        Assert.That(Times(db), Is.EqualTo((1_768_471_503_000L, 1_768_471_503_000L, (long?)null)));
    }

    [Test]
    public async Task A_meta_delivered_status_alone_makes_the_lead_contacted()
    {
        using var db = new TempDatabase();
        await db.Store().ApplyAsync(Events("meta-forward-status-delivered.json"), CancellationToken.None);

        Assert.That(Times(db), Is.EqualTo((MetaDeliveredAt, MetaDeliveredAt, (long?)null)));
    }

    [Test]
    public async Task A_failed_send_alone_is_never_outreach()
    {
        using var db = new TempDatabase();
        await db.Store().ApplyAsync(Events("kapso-message-failed.json"), CancellationToken.None);

        Assert.That(Times(db), Is.EqualTo(((long?)null, (long?)null, (long?)null)));
    }

    [Test]
    public async Task Every_order_of_sent_delivered_read_and_failed_gives_the_same_rows_and_never_outreach()
    {
        var statuses = new[] { MessageStatus.Sent, MessageStatus.Delivered, MessageStatus.Read, MessageStatus.Failed };
        var rows = await RowsOfEveryOrderAsync(statuses.Select(s => MetaStatusEvent(s.Name)).ToArray());

        Assert.That(rows.Distinct().Count(), Is.EqualTo(1), "the same rows whatever the order");
        Assert.That(rows[0], Does.Contain("|failed|"));
        Assert.That(rows[0], Does.StartWith("+15550100189|US.1|-|15550100189|-|-|-|-|-|-|"), "a failed send is not outreach");
    }

    [Test]
    public async Task Every_order_of_delivered_and_read_without_sent_gives_the_same_outreach()
    {
        var rows = await RowsOfEveryOrderAsync([MetaStatusEvent("delivered"), MetaStatusEvent("read"), MetaStatusEvent("delivered")]);

        Assert.That(rows.Distinct().Count(), Is.EqualTo(1), "the same rows whatever the order");
        Assert.That(rows[0], Does.Contain($"|{MetaDeliveredAt}|{MetaDeliveredAt}|-|"), "last activity and last contact");
        Assert.That(rows[0], Does.Contain("|read|"));
    }

    private static async Task<List<string>> RowsOfEveryOrderAsync(IReadOnlyList<LeadEvent> events)
    {
        var rows = new List<string>();
        foreach (var order in FixtureEvents.Permutations(events.ToArray()))
        {
            using var db = new TempDatabase();
            var store = db.Store();
            foreach (var e in order) await store.ApplyAsync([e], CancellationToken.None);
            using var connection = db.Connections.Open();
            rows.Add(LeadRows.Snapshot(connection));
        }

        return rows;
    }

    /// <summary>(last_contact_at, last_activity_at, last_inbound_at) of the one lead.</summary>
    private static (long?, long?, long?) Times(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return connection.QuerySingle<(long?, long?, long?)>("SELECT last_contact_at, last_activity_at, last_inbound_at FROM contacts");
    }

    /// <summary>One Meta-format status of our message wamid.M, all at the same time (Meta statuses carry their own).</summary>
    private static LeadEvent MetaStatusEvent(string status) =>
        TestEvents.Parse(EventStreams.MetaForward, $$$"""
            {"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{
              "metadata":{"phone_number_id":"110000000000001"},
              "statuses":[{"id":"wamid.M","status":"{{{status}}}","timestamp":"1768477802","recipient_id":"15550100189",
                           "recipient_user_id":"US.1"
                           {{{(status == "failed" ? ",\"errors\":[{\"code\":131047,\"title\":\"Re-engagement message\"}]" : "")}}}}]}}]}]}
            """, ReceivedAt).Single();

    private static List<LeadEvent> Events(string file) => FixtureEvents.Of(file, ReceivedAt);
}
