using Dapper;
using LeadTracker.Contracts;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;

namespace LeadTracker.Tests;

/// <summary>
/// Every real WhatsApp user is a lead: whatever a phone library thinks of the number, whichever field carries it,
/// and whichever national form of it arrives first. Parsed as the worker parses, stored on a real SQLite file.
/// </summary>
[TestFixture]
public sealed class WhatsAppIdentityTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task A_wa_id_that_libphonenumber_calls_impossible_is_a_lead()
    {
        // Thirteen digits after a country code of 1: impossible for libphonenumber, used by public Meta samples.
        using var db = new TempDatabase();
        await ApplyAsync(db, EventStreams.MetaForward, MetaInbound("wamid.meta.1", from: "1111111111111", waId: "1111111111111"));
        await ApplyAsync(db, "whatsapp.message.received", KapsoInbound("wamid.kapso.1", from: "1111111111111"));

        Assert.That(Contacts(db), Is.EqualTo(new[] { ("+1111111111111", "1111111111111", 2L) }));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("123")]
    public async Task An_empty_or_unusable_from_falls_back_to_the_conversation_phone(string from)
    {
        using var db = new TempDatabase();
        await ApplyAsync(db, "whatsapp.message.received", KapsoInbound("wamid.1", from, conversationPhone: "+1 555-010-0123"));

        Assert.That(Contacts(db), Is.EqualTo(new[] { ("+15550100123", "15550100123", 1L) }));
    }

    [Test]
    public async Task An_empty_from_without_any_phone_is_a_lead_by_its_business_scoped_id()
    {
        using var db = new TempDatabase();
        await ApplyAsync(db, "whatsapp.message.received", KapsoInbound("wamid.1", from: "", fromUserId: "US.42"));

        using var connection = db.Connections.Open();
        Assert.That(connection.QuerySingle<(string?, string)>("SELECT phone_e164, bsuid FROM contacts"),
            Is.EqualTo(((string?)null, "US.42")));
    }

    [Test]
    public async Task An_empty_wa_id_on_a_contact_event_falls_back_to_its_phone_number()
    {
        using var db = new TempDatabase();
        await ApplyAsync(db, "whatsapp.contact.identity_changed", """
            {"contact":{"wa_id":"","phone_number":"+1 555 010 0123","business_scoped_user_id":"US.7"},
             "phone_number_id":"110000000000001"}
            """);

        Assert.That(Contacts(db), Is.EqualTo(new[] { ("+15550100123", "15550100123", 0L) }));
    }

    [Test]
    public async Task An_empty_meta_from_falls_back_to_the_wa_id_of_the_contact()
    {
        using var db = new TempDatabase();
        await ApplyAsync(db, EventStreams.MetaForward, MetaInbound("wamid.1", from: "", waId: "15550100189"));

        Assert.That(Contacts(db), Is.EqualTo(new[] { ("+15550100189", "15550100189", 1L) }));
    }

    [TestCase("Mexico", "5215512345678", "525512345678", "+525512345678")]
    [TestCase("Mexico, written with punctuation", "+52 1 55 1234 5678", "+52 55-1234-5678", "+525512345678")]
    [TestCase("Argentina", "5491123456789", "541123456789", "+5491123456789")]
    [TestCase("Brazil", "5511987654321", "551187654321", "+5511987654321")]
    [TestCase("Brazil, outside Sao Paulo", "556296543210", "5562996543210", "+5562996543210")]
    public async Task One_person_in_two_national_forms_is_one_lead_in_either_arrival_order(string country, string first,
        string second, string canonical)
    {
        // An inbound message in one form and our reply in the other, as Meta's wa_id and a typed number differ.
        var inbound = ("whatsapp.message.received", KapsoInbound("wamid.in", first));
        var outbound = ("whatsapp.message.sent", KapsoOutbound("wamid.out", to: second));
        using var forwards = new TempDatabase();
        using var backwards = new TempDatabase();
        foreach (var (type, json) in new[] { inbound, outbound }) await ApplyAsync(forwards, type, json);
        foreach (var (type, json) in new[] { outbound, inbound }) await ApplyAsync(backwards, type, json);

        using var connection = forwards.Connections.Open();
        Assert.Multiple(() =>
        {
            Assert.That(Contacts(forwards), Is.EqualTo(new[] { (canonical, canonical[1..], 2L) }), country);
            Assert.That(Snapshot(backwards), Is.EqualTo(Snapshot(forwards)), $"{country}: the same rows in both orders");
            Assert.That(connection.Query<string>("SELECT identity FROM contact_identities ORDER BY identity"),
                Is.EquivalentTo(new[] { first, second }.Select(p => "phone:" + LeadPhone.ToE164(p))),
                $"{country}: both forms are identities of the lead");
        });
    }

    [Test]
    public async Task Two_leads_stored_before_the_rule_for_one_person_in_two_forms_become_one_at_their_next_message()
    {
        // A database written by an earlier release: Brazil with and without the ninth digit as two contacts.
        using var db = new TempDatabase();
        using (var connection = db.Connections.Open())
        {
            connection.Execute("""
                INSERT INTO workspaces (id, phone_number_id, created_at) VALUES (1, '110000000000001', 0);
                INSERT INTO contacts (id, workspace_id, phone_e164, wa_id, last_inbound_at, last_activity_at, created_at, updated_at)
                VALUES (1, 1, '+551187654321', '551187654321', 1000, 1000, 1000, 1000),
                       (2, 1, '+5511987654321', '5511987654321', 2000, 2000, 2000, 2000);
                INSERT INTO contact_identities (workspace_id, identity, contact_id)
                VALUES (1, 'phone:+551187654321', 1), (1, 'phone:+5511987654321', 2);
                INSERT INTO messages (workspace_id, contact_id, wamid, direction, status, occurred_at, received_at)
                VALUES (1, 1, 'wamid.old.1', 'inbound', 'received', 1000, 1000), (1, 2, 'wamid.old.2', 'inbound', 'received', 2000, 2000);
                """);
        }

        await ApplyAsync(db, "whatsapp.message.received", KapsoInbound("wamid.new", "551187654321"));

        Assert.That(Contacts(db), Is.EqualTo(new[] { ("+551187654321", "551187654321", 3L) }),
            "merged into the older contact, which keeps the form it was stored with");
    }

    private static async Task ApplyAsync(TempDatabase db, string eventType, string json) =>
        await db.Store().ApplyAsync(TestEvents.Parse(eventType, json, ReceivedAt), CancellationToken.None);

    /// <summary>(phone_e164, wa_id, messages) of each contact.</summary>
    private static List<(string?, string?, long)> Contacts(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return connection.Query<(string?, string?, long)>("""
            SELECT phone_e164, wa_id, (SELECT COUNT(*) FROM messages m WHERE m.contact_id = c.id) FROM contacts c ORDER BY id
            """).AsList();
    }

    private static string Snapshot(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return LeadRows.Snapshot(connection);
    }

    private static string KapsoInbound(string wamid, string from, string? conversationPhone = null, string? fromUserId = null) => $$$"""
        {"message":{"id":"{{{wamid}}}","timestamp":"1768471200","type":"text","from":"{{{from}}}",
                    {{{(fromUserId is null ? "" : $"\"from_user_id\":\"{fromUserId}\",")}}}
                    "text":{"body":"Hola"},"kapso":{"direction":"inbound","status":"received"}},
         "conversation":{"id":"c1"{{{(conversationPhone is null ? "" : $",\"phone_number\":\"{conversationPhone}\"")}}}},
         "phone_number_id":"110000000000001"}
        """;

    private static string KapsoOutbound(string wamid, string to) => $$$"""
        {"message":{"id":"{{{wamid}}}","timestamp":"1768471500","type":"text","to":"{{{to}}}",
                    "text":{"body":"Claro"},"kapso":{"direction":"outbound","status":"sent"}},
         "conversation":{"id":"c1"},"phone_number_id":"110000000000001"}
        """;

    private static string MetaInbound(string wamid, string from, string waId) => $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
          "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100001","phone_number_id":"110000000000001"},
          "contacts":[{"profile":{"name":"Test User"},"wa_id":"{{{waId}}}"}],
          "messages":[{"from":"{{{from}}}","id":"{{{wamid}}}","timestamp":"1768471300","type":"text","text":{"body":"hi"}}]}}]}]}
        """;
}
