using LeadTracker.Contracts;
using LeadTracker.Ingress;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Kapso;

namespace LeadTracker.Tests;

/// <summary>One case per fixture: what each Kapso shape means for a lead.</summary>
[TestFixture]
public sealed class KapsoEventParserTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    private static IEnumerable<KapsoFixture> Fixtures() => KapsoFixtures.All;

    [TestCaseSource(nameof(Fixtures))]
    public void Every_fixture_parses_into_facts_or_an_acknowledged_no_op(KapsoFixture fixture)
    {
        var facts = Parse(fixture);
        var expected = fixture.File switch
        {
            var f when f.StartsWith("kapso-conversation-", StringComparison.Ordinal) => 0,
            "kapso-batch-message-received-3.json" => 3,
            _ => 1,
        };
        Assert.That(facts, Has.Count.EqualTo(expected));
        Assert.That(facts.Select(f => f.PhoneNumberId), Is.All.EqualTo("110000000000001"));
    }

    [Test]
    public void An_inbound_text_is_activity_from_the_lead_at_the_message_time()
    {
        var fact = Parse("kapso-message-received-text.json").Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Message!.Direction, Is.EqualTo(Direction.Inbound));
            Assert.That(fact.Message.Status, Is.EqualTo(MessageStatus.Received));
            Assert.That(fact.Message.OccurredAtMs, Is.EqualTo(1_768_471_200_000));
            Assert.That(fact.Message.Body, Does.StartWith("Hi! Is the 2-bedroom"));
            Assert.That(fact.Message.IsOutreach, Is.False);
            Assert.That(fact.Contact!.PhoneE164, Is.EqualTo("+15550100123"));
            Assert.That(fact.Contact.ProfileName, Is.EqualTo("Maria Lopez"));
        });
    }

    [Test]
    public void A_digits_only_number_with_a_business_scoped_id_is_the_same_phone_plus_the_bsuid()
    {
        var fact = Parse("kapso-message-received-image.json").Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Contact!.PhoneE164, Is.EqualTo("+15550100123"));
            Assert.That(fact.Contact.Bsuid, Is.EqualTo("US.10000000000000000123"));
            Assert.That(fact.Message!.Body, Is.EqualTo("This is the floor plan they sent me"));
            Assert.That(fact.Message.Type, Is.EqualTo("image"));
        });
    }

    [TestCase("kapso-message-sent.json")]
    [TestCase("kapso-message-sent-business-app.json")]
    public void A_sent_message_is_outreach_whatever_its_origin(string file)
    {
        var fact = Parse(file).Single();
        Assert.That(fact.Message!.Direction, Is.EqualTo(Direction.Outbound));
        Assert.That(fact.Message.IsOutreach, Is.True);
    }

    [TestCase("kapso-message-delivered.json", "delivered")]
    [TestCase("kapso-message-read.json", "read")]
    public void A_status_is_not_outreach_and_keeps_the_message_time_of_its_sent_status(string file, string status)
    {
        var fact = Parse(file).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Message!.Status.Name, Is.EqualTo(status));
            Assert.That(fact.Message.IsOutreach, Is.False);
            Assert.That(fact.Message.OccurredAtMs, Is.EqualTo(1_768_471_500_000), "the sent status time, not the receipt's");
            Assert.That(fact.Contact!.ProfileName, Is.Null, "a receipt carries no profile update");
        });
    }

    [Test]
    public void A_failed_message_carries_the_meta_error()
    {
        var fact = Parse("kapso-message-failed.json").Single();
        Assert.That(fact.Message!.Status, Is.EqualTo(MessageStatus.Failed));
        Assert.That(fact.Message.Error, Does.StartWith("131047 Re-engagement message"));
    }

    [Test]
    public void An_identity_change_names_the_new_and_the_previous_business_scoped_id()
    {
        var fact = Parse("kapso-contact-identity-changed.json").Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Contact!.PhoneE164, Is.EqualTo("+15550100123"));
            Assert.That(fact.Contact.Bsuid, Is.EqualTo("US.10000000000000000987"));
            Assert.That(fact.Contact.PreviousBsuid, Is.EqualTo("US.10000000000000000123"));
            Assert.That(fact.Contact.Username, Is.EqualTo("@marialopez"));
            Assert.That(fact.Contact.ObservedAtMs, Is.EqualTo(DateTimeOffset.Parse("2026-01-20T08:15:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()));
            Assert.That(fact.Message, Is.Null);
        });
    }

    [Test]
    public void A_marketing_preference_carries_its_sequence()
    {
        var fact = Parse("kapso-contact-marketing-preference-changed.json").Single();
        Assert.That(fact.Marketing, Is.EqualTo(new MarketingFact("stopped", 7)));
    }

    [Test]
    public void A_meta_forward_gives_the_profile_name_and_bsuid_of_the_sender()
    {
        var fact = Parse("meta-forward-text-message.json").Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Contact!.ProfileName, Is.EqualTo("Tomás Pérez"));
            Assert.That(fact.Contact.Bsuid, Is.EqualTo("US.10000000000000000189"));
            Assert.That(fact.Message!.Body, Is.EqualTo("Hola, ¿sigue disponible el departamento?"));
        });
    }

    [TestCase("""{"phone_number_id":"1"}""", "no message object")]
    [TestCase("""{"message":{"timestamp":"1"},"phone_number_id":"1"}""", "message.id is missing")]
    [TestCase("""{"message":{"id":"w","from":"15550100123"}}""", "phone_number_id is missing")]
    [TestCase("""{"message":{"id":"w","timestamp":"soon","from":"15550100123"},"phone_number_id":"1"}""", "message.timestamp 'soon'")]
    [TestCase("""{"message":{"id":"w"},"phone_number_id":"1"}""", "names no contact")]
    [TestCase("""{"message":{"id":"w","from":"15550100123","kapso":{"direction":"sideways"}},"phone_number_id":"1"}""", "direction 'sideways'")]
    [TestCase("""{"message":{"id":5},"phone_number_id":"1"}""", "does not match the documented shape")]
    public void A_payload_that_can_never_apply_is_rejected_with_its_reason(string json, string reason) =>
        Assert.That(() => KapsoEventParser.Parse("whatsapp.message.received", json, ReceivedAt),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.Contains(reason)
                .And.Message.StartsWith("whatsapp.message.received"));

    [Test]
    public void A_huge_value_is_cut_short_in_the_reason()
    {
        var huge = new string('x', 100_000);
        var json = "{\"message\":{\"id\":\"w\",\"from\":\"15550100123\",\"kapso\":{\"direction\":\"" + huge
            + "\"}},\"phone_number_id\":\"1\"}";
        Assert.That(() => KapsoEventParser.Parse("whatsapp.message.received", json, ReceivedAt),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.Contains("(100000 characters)")
                .And.Message.Length.LessThan(300));
    }

    [Test]
    public void A_message_without_a_timestamp_takes_the_time_the_webhook_was_received()
    {
        var fact = KapsoEventParser.Parse("whatsapp.message.received",
            """{"message":{"id":"w","from":"15550100123"},"phone_number_id":"1"}""", ReceivedAt).Single();
        Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(ReceivedAt.ToUnixTimeMilliseconds()));
    }

    [TestCase("+15550100123", "+15550100123")]
    [TestCase("15550100123", "+15550100123")]
    [TestCase("+1 555-010-0123", "+15550100123")]
    [TestCase("+62 823-9250-8490", "+6282392508490")]
    [TestCase("123", null)]
    [TestCase("not a number", null)]
    public void Phone_numbers_in_any_kapso_spelling_become_one_e164_key(string raw, string? e164) =>
        Assert.That(LeadPhone.ToE164(raw), Is.EqualTo(e164));

    private static List<LeadEvent> Parse(string file) => Parse(KapsoFixtures.Get(file));

    /// <summary>As the worker sees it: after the ingress split the webhook into events.</summary>
    private static List<LeadEvent> Parse(KapsoFixture fixture) =>
        WebhookBatch.Split(fixture.Body, fixture.Headers.GetValueOrDefault("X-Webhook-Event"),
                fixture.Headers.GetValueOrDefault("X-Webhook-Batch"), null, ReceivedAt)
            .Where(e => e.Stream != EventStream.Ignored)
            .SelectMany(e => KapsoEventParser.Parse(e.EventType, e.PayloadJson, ReceivedAt))
            .ToList();
}
