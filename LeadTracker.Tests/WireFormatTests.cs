using System.Text.Json;
using LeadTracker.Contracts;
using LeadTracker.Tests.Support;
using MassTransit.Serialization;

namespace LeadTracker.Tests;

/// <summary>
/// What an event looks like inside a broker message, with MassTransit's own serializer options: its row as its name,
/// its payload as the JSON Kapso signed (not a second, escaped encoding of it), and both read back as they were.
/// </summary>
[TestFixture]
public sealed class WireFormatTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_payload_travels_as_the_signed_json_itself_and_comes_back_byte_for_byte()
    {
        // Escapes a re-serialization would rewrite (é, a lone surrogate), and spacing it would drop.
        const string signed = """{"message": {"id":"wamid.1","text":{"body":"caf\u00e9 \ud800"}},  "phone_number_id":"1"}""";
        var message = new KapsoMessageEvents { Events = [(KapsoMessageEvent)TestEvents.Of("whatsapp.message.received", signed, Now, "k")] };

        var wire = JsonSerializer.Serialize(message, SystemTextJsonMessageSerializer.Options);
        var read = JsonSerializer.Deserialize<KapsoMessageEvents>(wire, SystemTextJsonMessageSerializer.Options)!.Events.Single();

        Assert.Multiple(() =>
        {
            Assert.That(wire, Does.Contain("\"payloadJson\": " + signed).Or.Contain("\"payloadJson\":" + signed), "the payload is JSON inside the JSON");
            Assert.That(read.Text(), Is.EqualTo(signed));
            Assert.That(read.EventType, Is.SameAs(KapsoEventTypes.Received), "the row, not a string");
            Assert.That((read.IdempotencyKey, read.ReceivedAt), Is.EqualTo(("k", Now)));
        });
    }

    [Test]
    public void A_payload_sent_as_an_escaped_string_before_the_upgrade_is_read_as_the_json_it_holds()
    {
        var wire = """{"events":[{"eventType":"whatsapp.contact.identity_changed","payloadJson":"{\"contact\":{\"wa_id\":\"15550100123\"}}","receivedAt":"2026-01-15T10:00:00+00:00"}]}""";

        var read = JsonSerializer.Deserialize<KapsoContactEvents>(wire, SystemTextJsonMessageSerializer.Options)!.Events.Single();

        Assert.That(read.Text(), Is.EqualTo("""{"contact":{"wa_id":"15550100123"}}"""));
        Assert.That(read.EventType, Is.SameAs(KapsoEventTypes.IdentityChanged));
    }

    [TestCase("whatsapp.message.read", "whatsapp.message.read")]
    [TestCase("whatsapp.phone_number.created", "other")]
    public void An_event_type_is_its_name_on_the_wire_and_a_row_of_the_table_when_read(string name, string row)
    {
        var wire = $$"""{"eventType":"{{name}}","payloadJson":{},"receivedAt":"2026-01-15T10:00:00+00:00"}""";

        var read = JsonSerializer.Deserialize<KapsoMessageEvent>(wire, SystemTextJsonMessageSerializer.Options)!;

        Assert.That(read.EventType, Is.SameAs(KapsoEventTypes.Named(row)));
        Assert.That(JsonSerializer.Serialize(read, SystemTextJsonMessageSerializer.Options), Does.Contain($"\"{row}\""));
    }
}
