using System.Text.Json;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Reconcile;

namespace LeadTracker.Tests;

/// <summary>A message item of Kapso's API becomes the webhooks that would have told us the same, with the right lead.</summary>
[TestFixture]
public sealed class ApiMessageEventsTests
{
    // A phone_number_id whose digits also read as a possible phone number: only the business-id rule keeps it out.
    private const string Business = "15550109999";
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [TestCase("""{"to":"15550200001"}""", "+15550200001")]
    [TestCase("""{"to":"15550109999","kapso":{"phone_number":"15550200001"}}""", "+15550200001")]
    [TestCase("""{"to":"+1 555-010-9999","kapso":{"phone_number":"+15550200001"}}""", "+15550200001")]
    [TestCase("""{"to":"not a number","kapso":{"phone_number":"+15550200001"}}""", "+15550200001")]
    [TestCase("""{"kapso":{"phone_number":"+15550200001"}}""", "+15550200001")]
    public void An_outbound_lead_is_never_the_business_itself(string names, string lead)
    {
        var events = Parse(Outbound(names, "sent"));
        Assert.That(events.Select(e => e.Contact!.PhoneE164), Is.EqualTo(new[] { lead }));
    }

    [Test]
    public void An_outbound_item_that_names_nobody_takes_its_lead_from_the_conversation()
    {
        using var item = Outbound("{}", "sent");
        Assert.That(ApiMessageEvents.NamesItsLead(item.RootElement, Business), Is.False);
        var events = ApiMessageEvents.From(item.RootElement, Business, new KapsoConversationInfo("+15550200004", "US.42"))
            .Select(w => KapsoEventParser.Parse(w.Type, w.Body, Now)).ToArray();
        Assert.That(events.Select(e => (e.Contact!.PhoneE164, e.Contact.Bsuid)), Is.EqualTo(new[] { ("+15550200004", "US.42") }));
    }

    [TestCase("sent", new[] { "whatsapp.message.sent" })]
    [TestCase("delivered", new[] { "whatsapp.message.sent", "whatsapp.message.delivered" })]
    [TestCase("read", new[] { "whatsapp.message.sent", "whatsapp.message.read" })]
    [TestCase("failed", new[] { "whatsapp.message.sent", "whatsapp.message.failed" })]
    [TestCase("pending", new string[0])]
    public void An_outbound_status_stands_for_the_webhooks_Kapso_sent(string status, string[] webhooks)
    {
        using var item = Outbound("""{"to":"15550200001"}""", status);
        Assert.That(ApiMessageEvents.From(item.RootElement, Business).Select(w => w.Type.Name), Is.EqualTo(webhooks));
    }

    [Test]
    public void An_inbound_item_is_a_received_webhook_with_the_profile_name_of_its_time()
    {
        using var item = JsonDocument.Parse("""
            {"id":"wamid.IN1","timestamp":"1768471200","type":"text","from":"15550200001","text":{"body":"hi"},
             "kapso":{"direction":"inbound","status":"delivered","phone_number":"+15550200001","contact_name":"Ana"}}
            """);
        var events = ApiMessageEvents.From(item.RootElement, Business)
            .Select(w => KapsoEventParser.Parse(w.Type, w.Body, Now)).ToArray();
        Assert.That(events, Has.Length.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(events[0].EventType, Is.EqualTo("whatsapp.message.received"));
            Assert.That(events[0].Contact!.ProfileName, Is.EqualTo("Ana"));
            Assert.That(events[0].Contact!.ObservedAtMs, Is.EqualTo(1_768_471_200_000));
            Assert.That(events[0].Message!.Body, Is.EqualTo("hi"));
        });
    }

    private static LeadEvent[] Parse(JsonDocument item)
    {
        using (item)
        {
            return ApiMessageEvents.From(item.RootElement, Business)
                .Select(w => KapsoEventParser.Parse(w.Type, w.Body, Now)).ToArray();
        }
    }

    /// <summary>An outbound item with the given recipient fields (<c>to</c>, <c>kapso.phone_number</c>) and status.</summary>
    private static JsonDocument Outbound(string names, string status)
    {
        var recipient = System.Text.Json.Nodes.JsonNode.Parse(names)!.AsObject();
        var kapso = recipient["kapso"]?.AsObject() ?? new System.Text.Json.Nodes.JsonObject();
        recipient.Remove("kapso");
        kapso["direction"] = "outbound";
        kapso["status"] = status;
        kapso["whatsapp_conversation_id"] = "conv-1";
        recipient["id"] = "wamid.OUT1";
        recipient["timestamp"] = "1768471200";
        recipient["type"] = "text";
        recipient["text"] = new System.Text.Json.Nodes.JsonObject { ["body"] = "our reply" };
        recipient["kapso"] = kapso;
        return JsonDocument.Parse(recipient.ToJsonString());
    }
}
