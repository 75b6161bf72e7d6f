using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;
using static LeadTracker.Tests.Support.KapsoPayload;

namespace LeadTracker.Tests;

/// <summary>
/// What a raw Meta forward means for leads (docs/kapso.md: Meta's envelope, entry[].changes[].value with metadata,
/// contacts, messages or statuses; the meta-forward fixtures). Expected values are written out by hand.
/// </summary>
[TestFixture]
public sealed class MetaForwardPayloadTests
{
    private const string MetaForward = "meta.whatsapp_business_account";

    [Test]
    public void Each_message_is_named_by_the_contact_whose_wa_id_is_its_sender()
    {
        var facts = Forward("""
            "contacts":[{"profile":{"name":"Someone Else"},"wa_id":"15550100145","user_id":"US.145"},
                        {"profile":{"name":"Tomás Pérez"},"wa_id":"+1 555 010 0189","user_id":"US.189"}],
            "messages":[{"from":"15550100189","id":"wamid.M1","timestamp":"1768477500","type":"text","username":"@tomas",
                         "text":{"body":"Hola"}},
                        {"from":"15550100145","id":"wamid.M2","timestamp":"1768477501","type":"image","image":{"caption":"plano"}}]
            """);
        Assert.That(facts, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(facts[0].EventType, Is.EqualTo("whatsapp.message.received"));
            Assert.That(facts[0].PhoneNumberId, Is.EqualTo("110000000000001"));
            Assert.That(facts[0].ReceivedAtMs, Is.EqualTo(1_769_904_000_000));
            Assert.That(facts[0].ClampedFromMs, Is.Null);
            Assert.That(facts[0].Contact, Is.EqualTo(new ContactFact
            {
                PhoneE164 = "+15550100189",
                WaId = "15550100189",
                Bsuid = "US.189",
                Username = "@tomas",
                ProfileName = "Tomás Pérez",
                ObservedAtMs = 1_768_477_500_000,
            }));
            Assert.That(facts[0].Message, Is.EqualTo(new MessageFact
            {
                Wamid = "wamid.M1",
                Direction = Direction.Inbound,
                Type = "text",
                Body = "Hola",
                Status = MessageStatus.Received,
                OccurredAtMs = 1_768_477_500_000,
            }));
            Assert.That((facts[1].Contact!.PhoneE164, facts[1].Contact!.Bsuid, facts[1].Contact!.ProfileName),
                Is.EqualTo(("+15550100145", "US.145", "Someone Else")));
            Assert.That((facts[1].Message!.Wamid, facts[1].Message!.Body, facts[1].Message!.OccurredAtMs),
                Is.EqualTo(("wamid.M2", "plano", 1_768_477_501_000L)));
        });
    }

    [Test]
    public void A_message_whose_sender_matches_no_contact_takes_the_first_contacts_name_and_bsuid_but_keeps_its_sender()
    {
        var fact = Forward("""
            "contacts":[{"profile":{"name":"First"},"wa_id":"15550100145","user_id":"US.145"},{"profile":{"name":"Second"},"wa_id":"15550100177"}],
            "messages":[{"from":"15550100189","id":"wamid.M","timestamp":"1768477500"}]
            """).Single();
        Assert.That((fact.Contact!.PhoneE164, fact.Contact.Bsuid, fact.Contact.ProfileName), Is.EqualTo(("+15550100189", "US.145", "First")));
    }

    [Test]
    public void A_message_without_a_usable_sender_is_the_first_contacts_with_the_senders_own_bsuid()
    {
        var fact = Forward("""
            "contacts":[{"profile":{"name":"First"},"wa_id":"15550100145","user_id":"US.145"}],
            "messages":[{"from":"nobody","from_user_id":"US.OWN","id":"wamid.M","timestamp":"1768477500"}]
            """).Single();
        Assert.That((fact.Contact!.PhoneE164, fact.Contact.Bsuid, fact.Contact.ProfileName), Is.EqualTo(("+15550100145", "US.OWN", "First")));
    }

    [Test]
    public void A_message_without_contacts_is_its_sender_without_a_name()
    {
        var fact = Forward("""
            "messages":[{"from":"15550100189","id":"wamid.M","referral":{"source_id":"42","source_type":"ad"}}]
            """).Single();
        Assert.Multiple(() =>
        {
            Assert.That((fact.Contact!.PhoneE164, fact.Contact.Bsuid, fact.Contact.ProfileName), Is.EqualTo(("+15550100189", (string?)null, (string?)null)));
            Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(1_769_904_000_000), "no timestamp: the receipt");
            Assert.That(fact.Message.Referral, Is.EqualTo(new LeadSource { Id = "42", Type = "ad" }));
        });
    }

    [TestCase("sent")]
    [TestCase("delivered")]
    [TestCase("read")]
    [TestCase("played")]
    public void A_status_is_outreach_to_its_recipient_at_its_own_time(string status)
    {
        var fact = Forward($$$"""
            "statuses":[{"id":"wamid.S","status":"{{{status}}}","timestamp":"1768477802","recipient_id":"15550100189",
                         "recipient_user_id":"US.189","errors":[{"code":1,"title":"t","message":"m"}]}]
            """).Single();
        Assert.Multiple(() =>
        {
            // Meta's "played" (a voice message listened to) has no row of its own in the event table: it is logged as a read.
            Assert.That(fact.EventType, Is.EqualTo("whatsapp.message." + (status == "played" ? "read" : status)));
            Assert.That(fact.PhoneNumberId, Is.EqualTo("110000000000001"));
            Assert.That(fact.ReceivedAtMs, Is.EqualTo(1_769_904_000_000));
            Assert.That(fact.Contact, Is.EqualTo(new ContactFact
            {
                PhoneE164 = "+15550100189",
                WaId = "15550100189",
                Bsuid = "US.189",
                ObservedAtMs = 1_768_477_802_000,
            }));
            Assert.That(fact.Message!.Wamid, Is.EqualTo("wamid.S"));
            Assert.That(fact.Message.Direction, Is.EqualTo(Direction.Outbound));
            Assert.That(fact.Message.Status.Name, Is.EqualTo(status));
            Assert.That(fact.Message.Error, Is.Null, "only a failure carries its error");
            Assert.That(fact.Message.IsOutreach, Is.True);
            Assert.That(fact.Message.OccurredAtMs, Is.EqualTo(1_768_477_802_000));
        });
    }

    [Test]
    public void A_failed_status_carries_its_error_and_is_no_outreach()
    {
        var fact = Forward("""
            "statuses":[{"id":"wamid.S","status":"failed","timestamp":"1768477802","recipient_id":"15550100189",
                         "errors":[{"code":131047,"title":"Re-engagement message","message":"24 hours"}]}]
            """).Single();
        Assert.That((fact.Message!.Status, fact.Message.Error, fact.Message.IsOutreach),
            Is.EqualTo((MessageStatus.Failed, "131047 Re-engagement message: 24 hours", false)));
    }

    [Test]
    public void A_status_without_a_timestamp_takes_the_receipt_and_an_unknown_status_changes_nothing()
    {
        var facts = Forward("""
            "statuses":[{"id":"wamid.U","status":"deleted","timestamp":"1768477802","recipient_id":"15550100189"},
                        {"id":"wamid.S","status":"read","recipient_id":"15550100189"}]
            """);
        Assert.That(facts.Select(f => (f.Message!.Wamid, f.Message.OccurredAtMs)), Is.EqualTo(new[] { ("wamid.S", 1_769_904_000_000L) }));
    }

    [Test]
    public void Every_messages_change_of_every_entry_counts_and_other_fields_and_empty_items_do_not()
    {
        var facts = Parse(MetaForward, """
            {"object":"whatsapp_business_account","entry":[null,
              {"changes":[{"field":"account_update","value":{"metadata":{"phone_number_id":"9"},
                             "messages":[{"from":"15550100111","id":"wamid.IGNORED"}]}},
                          {"field":"messages"},
                          null,
                          {"field":"messages","value":{"metadata":{"phone_number_id":"110000000000001"},
                             "contacts":[null,{"profile":{"name":"Ana"},"wa_id":"15550100123"}],
                             "messages":[null,{"from":"15550100123","id":"wamid.A","timestamp":"1768477500"}]}}]},
              {"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"110000000000002"},
                             "statuses":[null,{"id":"wamid.B","status":"delivered","timestamp":"1768477600","recipient_id":"15550100145"}]}}]},
              {"changes":null}]}
            """);
        Assert.That(facts.Select(f => (f.PhoneNumberId, f.Message!.Wamid, f.Contact!.PhoneE164, f.Contact.ProfileName)), Is.EqualTo(new[]
        {
            ("110000000000001", "wamid.A", "+15550100123", "Ana"),
            ("110000000000002", "wamid.B", "+15550100145", (string?)null),
        }));
    }

    [TestCase("""{"object":"page","entry":[]}""", "object 'page' is not whatsapp_business_account", TestName = "A forward of another object is rejected")]
    [TestCase("""{"entry":[]}""", "object null is not whatsapp_business_account", TestName = "A forward that names no object is rejected")]
    [TestCase("""{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{},"messages":[]}}]}]}""",
        "metadata.phone_number_id is missing", TestName = "A change without the business number is rejected")]
    [TestCase("""{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"15550100123","id":" "}]}}]}]}""",
        "messages[].id is missing", TestName = "A message without its id is rejected")]
    [TestCase("""{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"statuses":[{"status":"read","recipient_id":"15550100123"}]}}]}]}""",
        "statuses[].id is missing", TestName = "A status without its message id is rejected")]
    [TestCase("""{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"from":"15550100123","id":"w","timestamp":"soon"}]}}]}]}""",
        "messages[].timestamp 'soon' is not a Unix time in seconds", TestName = "A message time that is no time is rejected")]
    [TestCase("""{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"statuses":[{"id":"w","status":"read","timestamp":"soon","recipient_id":"15550100123"}]}}]}]}""",
        "statuses[].timestamp 'soon' is not a Unix time in seconds", TestName = "A status time that is no time is rejected")]
    public void A_forward_that_can_never_apply_is_rejected_with_its_reason(string json, string reason) =>
        Assert.That(() => Parse(MetaForward, json), Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.EndsWith(reason));

    private static IReadOnlyList<LeadEvent> Forward(string value) => Parse(MetaForward, $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"210000000000001","changes":[{"field":"messages","value":{
          "messaging_product":"whatsapp","metadata":{"phone_number_id":"110000000000001"},{{{value}}}}}]}]}
        """);
}
