using System.Text;
using System.Text.Json;
using LeadTracker.Contracts;
using LeadTracker.Ingress;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

[TestFixture]
public sealed class WebhookBatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_single_event_is_relayed_byte_for_byte_with_its_header_type_and_key()
    {
        var fixture = KapsoFixtures.Get("kapso-message-received-text.json");
        var events = WebhookBatch.Split(fixture.Body, fixture.EventType, null, "key-1", Now);

        Assert.That(events, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            // The JSON value byte for byte; the whitespace after it (the file's last newline) is not part of it.
            Assert.That(events[0].Text(), Is.EqualTo(fixture.Json.TrimEnd()));
            Assert.That(events[0].EventType.Name, Is.EqualTo("whatsapp.message.received"));
            Assert.That(events[0].EventType.Stream, Is.EqualTo(EventStream.Message));
            Assert.That(events[0].IdempotencyKey, Is.EqualTo("key-1"));
            Assert.That(events[0].ReceivedAt, Is.EqualTo(Now));
        });
    }

    [Test]
    public void A_utf8_byte_order_mark_is_skipped_in_a_single_event_and_in_a_batch()
    {
        foreach (var file in new[] { "kapso-message-received-text.json", "kapso-batch-message-received-3.json" })
        {
            var fixture = KapsoFixtures.Get(file);
            var withMark = WebhookBatch.Split(new byte[] { 0xEF, 0xBB, 0xBF }.Concat(fixture.Body).ToArray(), fixture.EventType, null, "key", Now);
            var without = WebhookBatch.Split(fixture.Body, fixture.EventType, null, "key", Now);
            Assert.That(withMark.Select(e => e.Members()), Is.EqualTo(without.Select(e => e.Members())), file);
        }
    }

    [TestCase("true")]
    [TestCase(null)]
    public void A_batch_is_split_into_one_event_per_item_whether_the_header_or_the_body_says_so(string? batchHeader)
    {
        var fixture = KapsoFixtures.Get("kapso-batch-message-received-3.json");
        var events = WebhookBatch.Split(fixture.Body, null, batchHeader, "key", Now);

        Assert.That(events.Select(e => e.IdempotencyKey), Is.EqualTo(new[] { "key#0", "key#1", "key#2" }));
        Assert.That(events.Select(e => e.EventType.Name), Is.All.EqualTo("whatsapp.message.received"), "type from the body");
        using var first = JsonDocument.Parse(events[0].Text());
        Assert.That(first.RootElement.GetProperty("message").GetProperty("text").GetProperty("body").GetString(),
            Is.EqualTo("Hello, I saw your ad for the studio downtown"));
    }

    [Test]
    public void A_raw_meta_forward_without_an_event_header_is_routed_to_the_message_stream()
    {
        var fixture = KapsoFixtures.Get("meta-forward-text-message.json");
        var events = WebhookBatch.Split(fixture.Body, null, null, null, Now);
        Assert.That(events.Single().EventType.Name, Is.EqualTo(EventStreams.MetaForward));
        Assert.That(events.Single().EventType.Stream, Is.EqualTo(EventStream.Message));
    }

    [TestCase("whatsapp.contact.identity_changed", EventStream.Contact)]
    [TestCase("whatsapp.contact.marketing_preference_changed", EventStream.Contact)]
    [TestCase("contact.updated", EventStream.Contact)]
    [TestCase("whatsapp.conversation.ended", EventStream.Message)]
    [TestCase("whatsapp.message.failed", EventStream.Message)]
    [TestCase("whatsapp.phone_number.created", EventStream.Ignored)]
    [TestCase("workflow.execution.failed", EventStream.Ignored)]
    public void Event_types_route_to_their_stream(string eventType, EventStream stream) =>
        Assert.That(KapsoEventTypes.Named(eventType).Stream, Is.EqualTo(stream));

    [TestCase("[1,2,3]")]
    [TestCase("\"text\"")]
    [TestCase("{\"batch\": true, \"data\": 5}")]
    [TestCase("{\"batch\": true, \"data\": [1]}")]
    [TestCase("{\"message\": ")]
    public void Bodies_that_are_not_a_webhook_object_are_malformed(string body) =>
        Assert.That(() => WebhookBatch.Split(Encoding.UTF8.GetBytes(body), "whatsapp.message.received", null, null, Now),
            Throws.InstanceOf<JsonException>());
}
