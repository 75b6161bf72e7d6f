using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;
using static LeadTracker.Tests.Support.KapsoPayload;

namespace LeadTracker.Tests;

/// <summary>
/// What a contact event's body means for the lead (docs/kapso.md: identity_changed carries the previous BSUID,
/// marketing_preference_changed a growing sequence; the shapes of the fixtures). Expected values are written out by hand.
/// </summary>
[TestFixture]
public sealed class KapsoContactPayloadTests
{
    private const string IdentityChanged = "whatsapp.contact.identity_changed";
    private const string MarketingChanged = "whatsapp.contact.marketing_preference_changed";

    [Test]
    public void An_identity_change_names_the_lead_by_wa_id_before_phone_number_at_its_update_time()
    {
        var fact = Parse(IdentityChanged, """
            {"contact":{"wa_id":"15550100123","phone_number":"+15550100145","business_scoped_user_id":"US.987",
               "username":"@maria","profile_name":"Maria Lopez","updated_at":"2026-01-20T08:15:00Z"},
             "previous":{"business_scoped_user_id":"US.123"},"phone_number_id":"110000000000001"}
            """).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.EventType, Is.EqualTo(IdentityChanged));
            Assert.That(fact.PhoneNumberId, Is.EqualTo("110000000000001"));
            Assert.That(fact.ReceivedAtMs, Is.EqualTo(1_769_904_000_000));
            Assert.That(fact.ClampedFromMs, Is.Null);
            Assert.That(fact.Message, Is.Null);
            Assert.That(fact.Marketing, Is.Null);
            Assert.That(fact.Contact, Is.EqualTo(new ContactFact
            {
                PhoneE164 = "+15550100123",
                WaId = "15550100123",
                Bsuid = "US.987",
                PreviousBsuid = "US.123",
                Username = "@maria",
                ProfileName = "Maria Lopez",
                ObservedAtMs = 1_768_896_900_000,
            }));
        });
    }

    [Test]
    public void A_contact_without_wa_id_is_found_by_its_phone_number_and_without_update_time_at_the_receipt()
    {
        var fact = Parse(IdentityChanged, """
            {"contact":{"wa_id":" ","phone_number":"+1 555-010-0145","business_scoped_user_id":"US.987","username":" ","profile_name":""},
             "phone_number_id":"110000000000001"}
            """).Single();
        Assert.That(fact.Contact, Is.EqualTo(new ContactFact
        {
            PhoneE164 = "+15550100145",
            WaId = "15550100145",
            Bsuid = "US.987",
            ObservedAtMs = 1_769_904_000_000,
        }));
    }

    [Test]
    public void An_identity_change_that_names_only_the_previous_bsuid_still_names_the_lead()
    {
        var fact = Parse(IdentityChanged, """
            {"contact":{"updated_at":"2026-01-20T08:15:00Z"},"previous":{"business_scoped_user_id":"US.123"},"phone_number_id":"1"}
            """).Single();
        Assert.That((fact.Contact!.PhoneE164, fact.Contact.Bsuid, fact.Contact.PreviousBsuid),
            Is.EqualTo(((string?)null, (string?)null, "US.123")));
    }

    [TestCase("stopped", 7L)]
    [TestCase("resumed", 8L)]
    public void A_marketing_preference_carries_its_status_and_sequence_and_no_previous_identity(string status, long sequence)
    {
        var fact = Parse(MarketingChanged, $$$"""
            {"contact":{"wa_id":"15550100145","profile_name":"Daniel Kim","updated_at":"2026-01-18T09:00:00Z"},
             "previous":{"business_scoped_user_id":"US.OLD"},
             "marketing_preference":{"status":"{{{status}}}","sequence":{{{sequence}}}},"phone_number_id":"110000000000001"}
            """).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Marketing, Is.EqualTo(new MarketingFact(status, sequence)));
            Assert.That(fact.Contact!.PreviousBsuid, Is.Null, "only an identity change links a previous BSUID");
            Assert.That(fact.Contact.PhoneE164, Is.EqualTo("+15550100145"));
            Assert.That(fact.Contact.ProfileName, Is.EqualTo("Daniel Kim"));
            Assert.That(fact.Contact.ObservedAtMs, Is.EqualTo(1_768_726_800_000));
        });
    }

    [TestCase("""{"contact":{"wa_id":"15550100145"},"phone_number_id":"1"}""",
        "it has no marketing_preference object", TestName = "A marketing change without its preference is rejected")]
    [TestCase("""{"contact":{"wa_id":"15550100145"},"marketing_preference":{"status":"paused","sequence":1},"phone_number_id":"1"}""",
        "marketing_preference.status 'paused' is not stopped or resumed", TestName = "A marketing status other than stopped or resumed is rejected")]
    [TestCase("""{"contact":{"wa_id":"15550100145"},"marketing_preference":{"sequence":1},"phone_number_id":"1"}""",
        "marketing_preference.status null is not stopped or resumed", TestName = "A marketing change without a status is rejected")]
    [TestCase("""{"contact":{"wa_id":"15550100145"},"marketing_preference":{"status":"stopped"},"phone_number_id":"1"}""",
        "marketing_preference.sequence is missing", TestName = "A marketing change without its sequence is rejected")]
    [TestCase("""{"marketing_preference":{"status":"stopped","sequence":1},"phone_number_id":"1"}""",
        "it has no contact object", TestName = "A marketing change without a contact is rejected")]
    [TestCase("""{"contact":{"wa_id":"15550100145"},"marketing_preference":{"status":"stopped","sequence":1},"phone_number_id":" "}""",
        "phone_number_id is missing", TestName = "A marketing change without the business number is rejected")]
    [TestCase("""{"contact":{"wa_id":"12","username":"@x"},"marketing_preference":{"status":"stopped","sequence":1},"phone_number_id":"1"}""",
        "it names no contact: no usable phone number and no business-scoped user id", TestName = "A marketing change naming no usable phone or BSUID is rejected")]
    public void A_marketing_change_that_can_never_apply_is_rejected_with_its_reason(string json, string reason) =>
        Assert.That(() => Parse(MarketingChanged, json), Throws.TypeOf<InvalidKapsoPayloadException>()
            .With.Message.EqualTo($"{MarketingChanged}: cannot apply: {reason}"));
}
