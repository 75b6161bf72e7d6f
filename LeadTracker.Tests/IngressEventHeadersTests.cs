using LeadTracker.Contracts;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// What an event is travels in broker headers too, so <c>errors list</c> can tell it without reading bodies: every
/// event the ingress sends carries its type and idempotency key as <c>LeadTracker-*</c> headers.
/// </summary>
[TestFixture]
public sealed class IngressEventHeadersTests
{
    [Test]
    public async Task Every_sent_event_carries_its_type_and_idempotency_key_in_headers()
    {
        await using var ingress = new IngressFactory();
        using var client = ingress.CreateClient();

        using var batch = await client.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-batch-message-received-3.json")));
        using var contact = await client.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-contact-identity-changed.json")));

        var now = new CancellationToken(canceled: true);
        var sent = ingress.Harness.Sent.Select<KapsoMessageEvent>(now)
            .Select(m => (m.Context.Headers, m.Context.Message.EventType, m.Context.Message.IdempotencyKey))
            .Concat(ingress.Harness.Sent.Select<KapsoContactEvent>(now)
                .Select(m => (m.Context.Headers, m.Context.Message.EventType, m.Context.Message.IdempotencyKey)))
            .ToList();

        Assert.That(sent, Has.Count.EqualTo(4));
        Assert.Multiple(() =>
        {
            foreach (var (headers, eventType, idempotencyKey) in sent)
            {
                Assert.That(idempotencyKey, Is.Not.Null, "the fixtures carry X-Idempotency-Key");
                Assert.That(headers.Get<string>(EventHeaders.EventType), Is.EqualTo(eventType));
                Assert.That(headers.Get<string>(EventHeaders.IdempotencyKey), Is.EqualTo(idempotencyKey));
            }
        });
    }
}
