using LeadTracker.Contracts;
using LeadTracker.Ingress;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
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
    public void A_delivered_or_read_status_proves_the_send_and_keeps_the_message_time_of_its_sent_status(string file, string status)
    {
        // Issue 7: a receipt for our message is outreach (its 'sent' may be lost); it was "not outreach" before.
        var fact = Parse(file).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Message!.Status.Name, Is.EqualTo(status));
            Assert.That(fact.Message.IsOutreach, Is.True);
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
        Assert.That(fact.Message.IsOutreach, Is.False, "a failed send is never outreach");
    }

    [TestCase("delivered", true)]
    [TestCase("read", true)]
    [TestCase("sent", true)]
    [TestCase("failed", false)]
    public void A_meta_status_of_our_message_is_outreach_unless_it_failed(string status, bool outreach)
    {
        var fact = TestEvents.Parse(EventStreams.MetaForward, MetaStatus(status, "1768477802"), ReceivedAt).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Message!.Status.Name, Is.EqualTo(status));
            Assert.That(fact.Message.IsOutreach, Is.EqualTo(outreach));
            Assert.That(fact.Message.OccurredAtMs, Is.EqualTo(1_768_477_802_000));
        });
    }

    // ---- liberal in what a sender may vary ---------------------------------------------------------------------

    [TestCase("1768471200", TestName = "A timestamp as a JSON number is read as Unix seconds")]
    [TestCase("\"1768471200\"", TestName = "A timestamp as a numeric string is read as Unix seconds")]
    [TestCase("\" 1768471200 \"", TestName = "A timestamp with spaces around it is read as Unix seconds")]
    [TestCase("\"1768471200000\"", TestName = "A timestamp in milliseconds is read as milliseconds")]
    [TestCase("1768471200.000", TestName = "A timestamp with a fraction is read to the millisecond")]
    public void A_timestamp_in_any_readable_form_is_the_message_time(string timestamp)
    {
        var json = $$"""{"message":{"id":"w","timestamp":{{timestamp}},"from":"15550100123"},"phone_number_id":"1"}""";
        var fact = TestEvents.Parse("whatsapp.message.received", json, ReceivedAt).Single();
        Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(1_768_471_200_000));
    }

    [TestCase("\"\"")]
    [TestCase("\"  \"")]
    [TestCase("null")]
    public void A_blank_timestamp_is_an_absent_one_and_takes_the_time_the_webhook_was_received(string timestamp)
    {
        var json = $$"""{"message":{"id":"w","timestamp":{{timestamp}},"from":"15550100123"},"phone_number_id":"1"}""";
        var fact = TestEvents.Parse("whatsapp.message.received", json, ReceivedAt).Single();
        Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(ReceivedAt.ToUnixTimeMilliseconds()));
    }

    [Test]
    public void A_meta_status_timestamp_as_a_json_number_is_read()
    {
        var fact = TestEvents.Parse(EventStreams.MetaForward, MetaStatus("delivered", "1768477802", quoted: false), ReceivedAt).Single();
        Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(1_768_477_802_000));
    }

    [TestCase("7", TestName = "A marketing sequence as a JSON number is read")]
    [TestCase("\"7\"", TestName = "A marketing sequence as a numeric string is read")]
    public void A_marketing_sequence_as_a_number_or_a_numeric_string_is_read(string sequence)
    {
        var json = $$"""
            {"contact":{"wa_id":"15550100123"},"marketing_preference":{"status":"stopped","sequence":{{sequence}}},
             "phone_number_id":"1"}
            """;
        var fact = TestEvents.Parse("whatsapp.contact.marketing_preference_changed", json, ReceivedAt).Single();
        Assert.That(fact.Marketing, Is.EqualTo(new MarketingFact("stopped", 7)));
    }

    [Test]
    public void A_wa_id_as_a_json_number_is_the_phone()
    {
        var fact = TestEvents.Parse("whatsapp.message.received",
            """{"message":{"id":"w","from":15550100123},"phone_number_id":"1"}""", ReceivedAt).Single();
        Assert.That(fact.Contact!.PhoneE164, Is.EqualTo("+15550100123"));
    }

    [TestCase("kapso-message-received-text.json")]
    [TestCase("kapso-contact-identity-changed.json")]
    [TestCase("meta-forward-text-message.json")]
    [TestCase("kapso-conversation-created.json")]
    public void A_payload_after_a_utf8_byte_order_mark_parses_as_without_it(string file)
    {
        var fixture = KapsoFixtures.Get(file);
        var type = fixture.EventType.Length > 0 ? fixture.EventType : EventStreams.MetaForward;
        var withMark = TestEvents.Parse(type, "\uFEFF" + fixture.Json, ReceivedAt);
        Assert.That(withMark, Is.EqualTo(TestEvents.Parse(type, fixture.Json, ReceivedAt)));
    }

    // ---- a wrong clock --------------------------------------------------------------------------------------------

    [Test]
    public void A_message_time_in_the_year_2100_is_clamped_to_the_time_it_was_received_and_says_so()
    {
        var year2100 = new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var json = $$"""{"message":{"id":"w","timestamp":"{{year2100}}","from":"15550100123"},"phone_number_id":"1"}""";
        var fact = TestEvents.Parse("whatsapp.message.received", json, ReceivedAt).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(ReceivedAt.ToUnixTimeMilliseconds()));
            Assert.That(fact.Contact!.ObservedAtMs, Is.EqualTo(ReceivedAt.ToUnixTimeMilliseconds()));
            Assert.That(fact.ClampedFromMs, Is.EqualTo(year2100 * 1000));
        });
    }

    [TestCase(-60, false, TestName = "A message time before the receipt is kept")]
    [TestCase(299, false, TestName = "A message time just under five minutes after the receipt is kept (clock skew)")]
    [TestCase(301, true, TestName = "A message time just over five minutes after the receipt is clamped")]
    public void Only_a_time_more_than_five_minutes_after_the_receipt_is_clamped(int secondsAfterReceipt, bool clamped)
    {
        var claimed = ReceivedAt.AddSeconds(secondsAfterReceipt).ToUnixTimeSeconds();
        var json = $$"""{"message":{"id":"w","timestamp":"{{claimed}}","from":"15550100123"},"phone_number_id":"1"}""";
        var fact = TestEvents.Parse("whatsapp.message.received", json, ReceivedAt).Single();
        Assert.That(KapsoEventParser.MaxAheadOfReceipt, Is.EqualTo(TimeSpan.FromMinutes(5)));
        Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(clamped ? ReceivedAt.ToUnixTimeMilliseconds() : claimed * 1000));
        Assert.That(fact.ClampedFromMs, clamped ? Is.EqualTo(claimed * 1000) : Is.Null);
    }

    [Test]
    public void A_future_meta_status_time_and_a_future_contact_update_are_clamped_too()
    {
        var status = TestEvents.Parse(EventStreams.MetaForward, MetaStatus("read", "4102444800"), ReceivedAt).Single();
        var contact = TestEvents.Parse("whatsapp.contact.identity_changed",
            """{"contact":{"wa_id":"15550100123","updated_at":"2100-01-01T00:00:00Z"},"phone_number_id":"1"}""", ReceivedAt).Single();
        Assert.Multiple(() =>
        {
            Assert.That(status.Message!.OccurredAtMs, Is.EqualTo(ReceivedAt.ToUnixTimeMilliseconds()));
            Assert.That(status.ClampedFromMs, Is.EqualTo(4_102_444_800_000));
            Assert.That(contact.Contact!.ObservedAtMs, Is.EqualTo(ReceivedAt.ToUnixTimeMilliseconds()));
            Assert.That(contact.ClampedFromMs, Is.EqualTo(4_102_444_800_000));
        });
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
        Assert.That(() => TestEvents.Parse("whatsapp.message.received", json, ReceivedAt),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.Contains(reason)
                .And.Message.StartsWith("whatsapp.message.received"));

    [Test]
    public void A_huge_value_is_cut_short_in_the_reason()
    {
        var huge = new string('x', 100_000);
        var json = "{\"message\":{\"id\":\"w\",\"from\":\"15550100123\",\"kapso\":{\"direction\":\"" + huge
            + "\"}},\"phone_number_id\":\"1\"}";
        Assert.That(() => TestEvents.Parse("whatsapp.message.received", json, ReceivedAt),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.Contains("(100000 characters)")
                .And.Message.Length.LessThan(300));
    }

    [Test]
    public void A_message_without_a_timestamp_takes_the_time_the_webhook_was_received()
    {
        var fact = TestEvents.Parse("whatsapp.message.received",
            """{"message":{"id":"w","from":"15550100123"},"phone_number_id":"1"}""", ReceivedAt).Single();
        Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(ReceivedAt.ToUnixTimeMilliseconds()));
    }

    [TestCase("+15550100123", "+15550100123")]
    [TestCase("15550100123", "+15550100123")]
    [TestCase("+1 555-010-0123", "+15550100123")]
    [TestCase("+62 823-9250-8490", "+6282392508490")]
    [TestCase("1111111111111", "+1111111111111", TestName = "A wa_id libphonenumber calls impossible is kept")]
    [TestCase("+999 1234567", "+9991234567", TestName = "A number in a country code nobody assigned is kept")]
    [TestCase("1234567", "+1234567", TestName = "Seven digits are kept")]
    [TestCase("123456789012345", "+123456789012345", TestName = "Fifteen digits are kept")]
    [TestCase("1234567890123456", null, TestName = "Sixteen digits are not a phone number")]
    [TestCase("123456", null, TestName = "Six digits are not a phone number")]
    [TestCase("", null, TestName = "An empty phone is an absent one")]
    [TestCase("   ", null, TestName = "A blank phone is an absent one")]
    [TestCase("US.13491208655302741918", null, TestName = "A business-scoped id in a phone field is not a phone number")]
    [TestCase("US.1349120865", null, TestName = "A business-scoped id short enough to pass for a number is not a phone number")]
    [TestCase("123", null)]
    [TestCase("not a number", null)]
    public void Phone_numbers_in_any_kapso_spelling_become_one_e164_key(string raw, string? e164) =>
        Assert.That(LeadPhone.ToE164(raw), Is.EqualTo(e164));

    private static string MetaStatus(string status, string timestamp, bool quoted = true) => $$$"""
        {"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{
          "metadata":{"phone_number_id":"110000000000001"},
          "statuses":[{"id":"wamid.S","status":"{{{status}}}","timestamp":{{{(quoted ? $"\"{timestamp}\"" : timestamp)}}},
                       "recipient_id":"15550100189"}]}}]}]}
        """;

    private static List<LeadEvent> Parse(string file) => Parse(KapsoFixtures.Get(file));

    /// <summary>As the worker sees it: after the ingress split the webhook into events.</summary>
    private static List<LeadEvent> Parse(KapsoFixture fixture) =>
        WebhookBatch.Split(fixture.Body, fixture.Headers.GetValueOrDefault("X-Webhook-Event"),
                fixture.Headers.GetValueOrDefault("X-Webhook-Batch"), null, ReceivedAt)
            .Where(e => e.EventType.Stream != EventStream.Ignored)
            .SelectMany(e => KapsoEventParser.Parse(e.EventType, e.Payload, ReceivedAt))
            .ToList();
}
