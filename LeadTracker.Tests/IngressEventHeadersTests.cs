using LeadTracker.Contracts;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// What a broker message holds travels in headers too, so an operator (management UI) and <c>errors list</c> can
/// tell it without reading bodies: the event types, how many events, and the idempotency key of a single event.
/// </summary>
[TestFixture]
public sealed class IngressEventHeadersTests
{
    [Test]
    public async Task Every_sent_message_says_its_event_types_and_count_and_a_single_events_key_in_headers()
    {
        await using var ingress = new IngressFactory();
        using var client = ingress.CreateClient();

        using var batch = await client.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-batch-message-received-3.json")));
        using var contact = await client.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-contact-identity-changed.json")));

        var now = new CancellationToken(canceled: true);
        var messages = ingress.Harness.Sent.Select<KapsoMessageEvents>(now).Select(m => m.Context).ToList();
        var contacts = ingress.Harness.Sent.Select<KapsoContactEvents>(now).Select(m => m.Context).ToList();

        Assert.That(messages, Has.Count.EqualTo(1), "a batch of three is one broker message");
        Assert.That(contacts, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            var three = messages[0];
            Assert.That(three.Message.Events, Has.Count.EqualTo(3));
            Assert.That(three.Headers.Get<string>(EventHeaders.EventType), Is.EqualTo("whatsapp.message.received"));
            Assert.That(three.Headers.Get<int>(EventHeaders.EventCount), Is.EqualTo(3));
            Assert.That(three.Headers.Get<string>(EventHeaders.IdempotencyKey), Is.Null, "three events have three keys");

            var one = contacts[0];
            var e = one.Message.Events.Single();
            Assert.That(e.IdempotencyKey, Is.Not.Null, "the fixtures carry X-Idempotency-Key");
            Assert.That(one.Headers.Get<string>(EventHeaders.EventType), Is.EqualTo(e.EventType.Name));
            Assert.That(one.Headers.Get<int>(EventHeaders.EventCount), Is.EqualTo(1));
            Assert.That(one.Headers.Get<string>(EventHeaders.IdempotencyKey), Is.EqualTo(e.IdempotencyKey));
        });
    }
}
