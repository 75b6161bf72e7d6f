using LeadTracker.Contracts;
using LeadTracker.Worker.Kapso;
using static LeadTracker.Tests.Support.KapsoPayload;

namespace LeadTracker.Tests;

/// <summary>
/// Bodies that are not the documented shape at all (docs/kapso.md: a single event's body is one JSON object), each
/// rejected with the reason an operator reads in the error queue; and the events that change no lead.
/// </summary>
[TestFixture]
public sealed class KapsoPayloadShapeTests
{
    private const string Received = "whatsapp.message.received";

    [Test]
    public void A_message_body_that_says_neither_direction_nor_status_is_rejected_saying_so() =>
        Assert.That(() => Parse("whatsapp.message.unclassified", """{"message":{"id":"w","from":"15550100123"},"phone_number_id":"1"}"""),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.EqualTo(
                "whatsapp.message.unclassified: cannot apply: message.kapso.direction and message.kapso.status are missing: "
                + "the signed body does not say what the event is"));

    [Test]
    public void A_conversation_event_changes_no_lead_but_a_body_that_is_not_json_is_rejected()
    {
        Assert.That(Parse("whatsapp.conversation.created", """{"conversation":{"id":"c","phone_number":"+15550100123"}}"""), Is.Empty);
        Assert.That(() => Parse("whatsapp.conversation.created", "conversation created"),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.StartsWith(
                "whatsapp.conversation.created: the payload does not match the documented shape: "));
    }

    [Test]
    public void A_conversation_body_of_two_json_values_is_rejected_and_one_with_white_space_after_it_is_not()
    {
        Assert.That(Parse("whatsapp.conversation.created", "{\"conversation\":{}} \r\n"), Is.Empty);
        Assert.That(() => Parse("whatsapp.conversation.created", "{\"conversation\":{}} {}"),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.StartsWith(
                "whatsapp.conversation.created: the payload does not match the documented shape: "));
    }

    [Test]
    public void A_body_that_is_json_null_is_rejected_saying_so() =>
        Assert.That(() => Parse(Received, "null"), Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.EqualTo(
            "whatsapp.message.received: the payload does not match the documented shape: the payload is JSON null"));

    [Test]
    public void A_body_whose_bytes_are_not_UTF_8_is_rejected()
    {
        // A lone surrogate as UTF-8 would encode it (ED A0 80): no valid UTF-8 text holds these bytes.
        byte[] body = [.. "{\"message\":{\"id\":\"w"u8, 0xED, 0xA0, 0x80, .. "\",\"from\":\"15550100123\"},\"phone_number_id\":\"1\"}"u8];
        Assert.That(() => KapsoEventParser.Parse(KapsoEventTypes.Received, body, DateTimeOffset.FromUnixTimeMilliseconds(ReceivedAtMs)),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.StartsWith("whatsapp.message.received: "));
    }

    [TestCase("{\"t\":1}", "StartObject")]
    [TestCase("[1]", "StartArray")]
    [TestCase("true", "True")]
    public void A_timestamp_that_is_neither_a_string_nor_a_number_does_not_match_the_shape(string timestamp, string token) =>
        Assert.That(() => Parse(Received, $"{{\"message\":{{\"id\":\"w\",\"timestamp\":{timestamp},\"from\":\"15550100123\"}},\"phone_number_id\":\"1\"}}"),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.Contains($"expected a string or a number, found {token}"));
}
