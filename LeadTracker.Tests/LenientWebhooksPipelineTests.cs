using System.Net.Http.Headers;
using System.Text;
using Dapper;
using LeadTracker.Hosting;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// What real senders vary, through the real ingress, RabbitMQ and worker processes into SQLite: a wa_id a phone
/// library calls impossible, a byte-order mark, a numeric timestamp, one person in two national forms, a receipt
/// whose <c>sent</c> never came, a clock in the year 2100. Every one is a lead with the right times, and nothing
/// goes to an error queue.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class LenientWebhooksPipelineTests
{
    private const long Year2100 = 4_102_444_800;

    [Test]
    public async Task Varied_but_readable_webhooks_are_all_leads_with_the_right_times_and_nothing_is_rejected()
    {
        await using var system = await LeadTrackerSystem.StartAsync("lenient");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await PostAsync(system, null, MetaInbound("wamid.l.meta", "1111111111111", "1768471000"));
        await PostAsync(system, "whatsapp.message.received", KapsoInbound("wamid.l.mx.in", "5215512345678", "1768471200"), byteOrderMark: true);
        await PostAsync(system, "whatsapp.message.sent", KapsoOutbound("wamid.l.mx.out", "+52 55 1234 5678", "\"1768471500\"", "sent"));
        await PostAsync(system, "whatsapp.message.delivered", KapsoOutbound("wamid.l.ar.out", "541123456789", "\"1768471600\"", "delivered"));
        await PostAsync(system, "whatsapp.message.received", KapsoInbound("wamid.l.br.old", "551187654321", "1768471700"));
        await PostAsync(system, "whatsapp.message.received", KapsoInbound("wamid.l.br.2100", "+55 11 98765-4321", $"\"{Year2100}\""));

        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") == 6, TimeSpan.FromSeconds(60), "six messages");
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        using var db = system.OpenDatabase();
        var leads = db.Query<(string Phone, string WaId, long Messages, long? Inbound, long? Contact)>("""
                SELECT phone_e164, wa_id, (SELECT COUNT(*) FROM messages m WHERE m.contact_id = c.id), last_inbound_at, last_contact_at
                FROM contacts c
                """).ToDictionary(r => r.Phone);
        Assert.Multiple(async () =>
        {
            Assert.That(leads.Keys, Is.EquivalentTo(new[] { "+1111111111111", "+525512345678", "+5491123456789", "+5511987654321" }));
            Assert.That(leads["+1111111111111"].Inbound, Is.EqualTo(1_768_471_000_000), "an impossible-by-libphonenumber wa_id is a lead");
            Assert.That(leads["+525512345678"], Is.EqualTo(("+525512345678", "525512345678", 2L, (long?)1_768_471_200_000, (long?)1_768_471_500_000)),
                "Mexico: 521… and 52… are one lead; the body with a byte-order mark and a numeric timestamp was read");
            Assert.That(leads["+5491123456789"].Contact, Is.EqualTo(1_768_471_600_000), "a delivered receipt alone is outreach");
            Assert.That(leads["+5511987654321"].Messages, Is.EqualTo(2), "Brazil: with and without the ninth digit are one lead");
            Assert.That(leads["+5511987654321"].Inbound, Is.InRange(before, after), "a clock in 2100 is clamped to the receive time");
            Assert.That(await system.Broker.MessageCountAsync(QueueNames.MessageEvents + QueueNames.ErrorSuffix), Is.Zero,
                "nothing in the error queue");
        });
        Assert.That(system.Worker.Output.Any(l => l.Contains("claims the time 2100-01-01", StringComparison.Ordinal)), "the clamp is logged");
    }

    private static async Task PostAsync(LeadTrackerSystem system, string? eventType, string json, bool byteOrderMark = false)
    {
        byte[] body = [.. (byteOrderMark ? new byte[] { 0xEF, 0xBB, 0xBF } : []), .. Encoding.UTF8.GetBytes(json)];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/kapso") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (eventType is not null) request.Headers.TryAddWithoutValidation("X-Webhook-Event", eventType);
        request.Headers.TryAddWithoutValidation("X-Idempotency-Key", Guid.NewGuid().ToString());
        request.Headers.TryAddWithoutValidation("X-Webhook-Signature", KapsoFixtures.Sign(body));
        using var response = await system.Http.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
    }

    private static string KapsoInbound(string wamid, string from, string timestamp) => $$$"""
        {"message":{"id":"{{{wamid}}}","timestamp":{{{timestamp}}},"type":"text","from":"{{{from}}}","text":{"body":"Hola"},
                    "kapso":{"direction":"inbound","status":"received"}},
         "conversation":{"id":"c-{{{from}}}"},"phone_number_id":"110000000000001"}
        """;

    // A receipt without its 'sent' entry in statuses[]: the message's own time is all there is.
    private static string KapsoOutbound(string wamid, string to, string timestamp, string status) => $$$"""
        {"message":{"id":"{{{wamid}}}","timestamp":{{{timestamp}}},"type":"text","to":"{{{to}}}","text":{"body":"Claro"},
                    "kapso":{"direction":"outbound","status":"{{{status}}}"}},
         "conversation":{"id":"c-{{{to}}}"},"phone_number_id":"110000000000001"}
        """;

    private static string MetaInbound(string wamid, string waId, string timestamp) => $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
          "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100001","phone_number_id":"110000000000001"},
          "contacts":[{"profile":{"name":"Kerry Fisher"},"wa_id":"{{{waId}}}"}],
          "messages":[{"from":"{{{waId}}}","id":"{{{wamid}}}","timestamp":"{{{timestamp}}}","type":"text","text":{"body":"hi"}}]}}]}]}
        """;
}
