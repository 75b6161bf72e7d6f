using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;
using static LeadTracker.Tests.Support.KapsoPayload;

namespace LeadTracker.Tests;

/// <summary>
/// What each field of a Kapso v2 message body means for the lead (docs/kapso.md, "v2 message body"; the shapes of the
/// fixtures), and what stands in for a field that is missing: "any field may be missing". Expected values are
/// written out by hand.
/// </summary>
[TestFixture]
public sealed class KapsoMessagePayloadTests
{
    private const string Business = "110000000000001";

    [Test]
    public void An_inbound_message_carries_its_id_type_time_body_and_business_number()
    {
        var fact = Parse("whatsapp.message.received", Inbound("""
            "id":"wamid.IN","timestamp":"1768471200","type":"text","from":"15550100123","text":{"body":"Is it available?"}
            """)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.EventType, Is.EqualTo("whatsapp.message.received"));
            Assert.That(fact.PhoneNumberId, Is.EqualTo(Business));
            Assert.That(fact.ReceivedAtMs, Is.EqualTo(1_769_904_000_000));
            Assert.That(fact.ClampedFromMs, Is.Null);
            Assert.That(fact.Marketing, Is.Null);
            Assert.That(fact.Message!.Wamid, Is.EqualTo("wamid.IN"));
            Assert.That(fact.Message.Direction, Is.EqualTo(Direction.Inbound));
            Assert.That(fact.Message.Type, Is.EqualTo("text"));
            Assert.That(fact.Message.Body, Is.EqualTo("Is it available?"));
            Assert.That(fact.Message.Status, Is.EqualTo(MessageStatus.Received));
            Assert.That(fact.Message.Error, Is.Null);
            Assert.That(fact.Message.OccurredAtMs, Is.EqualTo(1_768_471_200_000));
            Assert.That(fact.Message.IsOutreach, Is.False);
            Assert.That(fact.Contact!.PhoneE164, Is.EqualTo("+15550100123"));
            Assert.That(fact.Contact.WaId, Is.EqualTo("15550100123"));
            Assert.That(fact.Contact.ObservedAtMs, Is.EqualTo(1_768_471_200_000));
            Assert.That(fact.Contact.PreviousBsuid, Is.Null);
        });
    }

    // ---- the lead's phone: the first usable one -------------------------------------------------------------------

    [TestCase("""
        "from":"15550100123","to":"15550100999","kapso":{"direction":"inbound","status":"received","phone_number":"15550100177"}},
        "conversation":{"phone_number":"+15550100145"
        """, "+15550100123", TestName = "An inbound lead is its sender, not the conversation's or the addressee's number")]
    [TestCase("""
        "from":"not a number","kapso":{"direction":"inbound","status":"received","phone_number":"15550100177"}},
        "conversation":{"phone_number":"+15550100145"
        """, "+15550100145", TestName = "An inbound sender that is no phone number falls back to the conversation's number")]
    [TestCase("""
        "from":"  ","kapso":{"direction":"inbound","status":"received","phone_number":"15550100177"}},
        "conversation":{"phone_number":""
        """, "+15550100177", TestName = "An inbound message with a blank sender and conversation number falls back to kapso.phone_number")]
    public void An_inbound_lead_is_found_by_the_first_usable_phone(string fields, string phone)
    {
        var json = $$$"""{"message":{"id":"wamid.P","timestamp":"1768471200",{{{fields}}}},"phone_number_id":"{{{Business}}}"}""";
        Assert.That(Parse("whatsapp.message.received", json).Single().Contact!.PhoneE164, Is.EqualTo(phone));
    }

    [TestCase("""
        "from":"15550100999","to":"15550100123","kapso":{"direction":"outbound","status":"sent","phone_number":"15550100177",
          "statuses":[{"status":"sent","timestamp":"1768471200","recipient_id":"15550100189"}]}},
        "conversation":{"phone_number":"+15550100145"
        """, "+15550100123", TestName = "An outbound lead is its addressee, not the business that sent it")]
    [TestCase("""
        "from":"15550100999","kapso":{"direction":"outbound","status":"sent","phone_number":"15550100177",
          "statuses":[{"status":"sent","timestamp":"1768471200","recipient_id":"15550100189"}]}},
        "conversation":{"phone_number":"+15550100145"
        """, "+15550100145", TestName = "An outbound message without an addressee goes to the conversation's number")]
    [TestCase("""
        "kapso":{"direction":"outbound","status":"sent","phone_number":"15550100177",
          "statuses":[{"status":"sent","timestamp":"1768471200","recipient_id":"15550100189"}]}},
        "conversation":{"id":"c"
        """, "+15550100177", TestName = "An outbound message without addressee or conversation number goes to kapso.phone_number")]
    [TestCase("""
        "kapso":{"direction":"outbound","status":"sent",
          "statuses":[{"status":"sent","timestamp":"1768471200"},{"status":"sent","timestamp":"1768471200","recipient_id":"15550100189"}]}},
        "conversation":{"id":"c"
        """, "+15550100189", TestName = "An outbound message that names its lead only in a status goes to that recipient")]
    public void An_outbound_lead_is_found_by_the_first_usable_phone(string fields, string phone)
    {
        var json = $$$"""{"message":{"id":"wamid.P","timestamp":"1768471200",{{{fields}}}},"phone_number_id":"{{{Business}}}"}""";
        Assert.That(Parse("whatsapp.message.sent", json).Single().Contact!.PhoneE164, Is.EqualTo(phone));
    }

    // ---- the lead's business-scoped user id ------------------------------------------------------------------------

    [TestCase("\"from_user_id\":\"US.1\"", "\"business_scoped_user_id\":\"US.2\"", "US.1", TestName = "An inbound sender's own BSUID comes first")]
    [TestCase("\"from_user_id\":\" \"", "\"business_scoped_user_id\":\"US.2\"", "US.2", TestName = "A blank sender BSUID falls back to the conversation's")]
    [TestCase("\"type\":\"text\"", "\"id\":\"c\"", null, TestName = "An inbound message without any BSUID has none")]
    public void An_inbound_bsuid_is_the_senders_else_the_conversations(string messageField, string conversationField, string? bsuid)
    {
        var json = $$$"""
            {"message":{"id":"wamid.B","timestamp":"1768471200","from":"15550100123",{{{messageField}}},
              "kapso":{"direction":"inbound","status":"received","statuses":[{"status":"sent","recipient_user_id":"US.3"}]}},
             "conversation":{{{{conversationField}}}},"phone_number_id":"{{{Business}}}"}
            """;
        Assert.That(Parse("whatsapp.message.received", json).Single().Contact!.Bsuid, Is.EqualTo(bsuid));
    }

    [TestCase("\"business_scoped_user_id\":\"US.2\"", "US.2", TestName = "An outbound lead's BSUID is the conversation's, not the business's own")]
    [TestCase("\"business_scoped_user_id\":\"\"", "US.3", TestName = "Without a conversation BSUID an outbound lead's is its status recipient's")]
    public void An_outbound_bsuid_is_the_conversations_else_the_status_recipients(string conversationField, string bsuid)
    {
        var json = $$$"""
            {"message":{"id":"wamid.B","timestamp":"1768471200","to":"15550100123","from_user_id":"US.BUSINESS",
              "kapso":{"direction":"outbound","status":"sent",
                "statuses":[{"status":"sent","timestamp":"1768471200"},{"status":"delivered","recipient_user_id":"US.3"}]}},
             "conversation":{{{{conversationField}}}},"phone_number_id":"{{{Business}}}"}
            """;
        Assert.That(Parse("whatsapp.message.sent", json).Single().Contact!.Bsuid, Is.EqualTo(bsuid));
    }

    [Test]
    public void A_message_that_names_its_lead_only_by_bsuid_is_applied_without_a_phone()
    {
        var json = $$$"""
            {"message":{"id":"wamid.B","timestamp":"1768471200","from_user_id":"US.1",
              "kapso":{"direction":"inbound","status":"received"}},"phone_number_id":"{{{Business}}}"}
            """;
        var contact = Parse("whatsapp.message.received", json).Single().Contact!;
        Assert.That((contact.PhoneE164, contact.WaId, contact.Bsuid), Is.EqualTo(((string?)null, (string?)null, "US.1")));
    }

    // ---- profile name and username --------------------------------------------------------------------------------

    [TestCase("\"A\"", "\"B\"", "\"C\"", "A", TestName = "The conversation's kapso.contact_name comes first")]
    [TestCase("\" \"", "\"B\"", "\"C\"", "B", TestName = "Then the message's kapso.contact_name")]
    [TestCase("null", "\"\"", "\"C\"", "C", TestName = "Then the conversation's contact_name")]
    [TestCase("null", "null", "\"\"", null, TestName = "Blank names are no name")]
    public void A_message_names_its_lead_by_the_first_present_name(string conversationKapso, string messageKapso, string conversation, string? name)
    {
        var json = $$$"""
            {"message":{"id":"wamid.N","timestamp":"1768471200","from":"15550100123",
              "kapso":{"direction":"inbound","status":"received","contact_name":{{{messageKapso}}}}},
             "conversation":{"contact_name":{{{conversation}}},"kapso":{"contact_name":{{{conversationKapso}}}}},
             "phone_number_id":"{{{Business}}}"}
            """;
        Assert.That(Parse("whatsapp.message.received", json).Single().Contact!.ProfileName, Is.EqualTo(name));
    }

    [TestCase("sent", "Maria Lopez", TestName = "A sent message carries the lead's name")]
    [TestCase("delivered", null, TestName = "A delivered receipt carries no name")]
    [TestCase("read", null, TestName = "A read receipt carries no name")]
    [TestCase("failed", null, TestName = "A failed receipt carries no name")]
    public void Only_a_message_itself_carries_the_leads_profile_name(string status, string? name)
    {
        var json = $$$"""
            {"message":{"id":"wamid.N","timestamp":"1768471200","to":"15550100123",
              "kapso":{"direction":"outbound","status":"{{{status}}}","contact_name":"Maria Lopez",
                "statuses":[{"status":"sent","timestamp":"1768471200"}]}},
             "conversation":{"contact_name":"Maria Lopez","kapso":{"contact_name":"Maria Lopez"}},"phone_number_id":"{{{Business}}}"}
            """;
        Assert.That(Parse("whatsapp.message." + status, json).Single().Contact!.ProfileName, Is.EqualTo(name));
    }

    [TestCase("\"@maria\"", "\"@conv\"", "@maria", TestName = "The message's username comes first")]
    [TestCase("\"  \"", "\"@conv\"", "@conv", TestName = "A blank message username falls back to the conversation's")]
    [TestCase("null", "\" \"", null, TestName = "Blank usernames are no username")]
    public void A_message_names_its_leads_username(string message, string conversation, string? username)
    {
        var json = $$$"""
            {"message":{"id":"wamid.U","timestamp":"1768471200","from":"15550100123","username":{{{message}}},
              "kapso":{"direction":"inbound","status":"received"}},
             "conversation":{"username":{{{conversation}}}},"phone_number_id":"{{{Business}}}"}
            """;
        Assert.That(Parse("whatsapp.message.received", json).Single().Contact!.Username, Is.EqualTo(username));
    }

    // ---- body -----------------------------------------------------------------------------------------------------

    [TestCase("\"text\":{\"body\":\"typed\"},\"kapso\":{\"content\":\"content\"}", "typed", TestName = "A text's body is the body")]
    [TestCase("\"image\":{\"caption\":\"photo\"},\"kapso\":{\"content\":\"content\"}", "photo", TestName = "An image's caption is the body")]
    [TestCase("\"video\":{\"caption\":\"clip\"},\"kapso\":{\"content\":\"content\"}", "clip", TestName = "A video's caption is the body")]
    [TestCase("\"document\":{\"caption\":\"plan\"},\"kapso\":{\"content\":\"content\"}", "plan", TestName = "A document's caption is the body")]
    [TestCase("\"type\":\"audio\",\"kapso\":{\"content\":\"transcript\"}", "transcript", TestName = "Without text or caption kapso.content is the body")]
    [TestCase("\"type\":\"sticker\"", null, TestName = "A message with nothing to read has no body")]
    public void A_messages_body_is_what_was_written(string fields, string? body)
    {
        var json = $$$"""{"message":{"id":"wamid.T","timestamp":"1768471200","from":"15550100123",{{{fields}}}},"phone_number_id":"{{{Business}}}"}""";
        Assert.That(Parse("whatsapp.message.received", json).Single().Message!.Body, Is.EqualTo(body));
    }

    [TestCase("\"text\":{\"body\":\"typed\"},\"image\":{\"caption\":\"photo\"},\"video\":{\"caption\":\"clip\"},\"document\":{\"caption\":\"plan\"}", "typed",
        TestName = "A text's body comes before any caption")]
    [TestCase("\"image\":{\"caption\":\"photo\"},\"video\":{\"caption\":\"clip\"},\"document\":{\"caption\":\"plan\"}", "photo",
        TestName = "An image's caption comes before a video's or a document's")]
    [TestCase("\"video\":{\"caption\":\"clip\"},\"document\":{\"caption\":\"plan\"}", "clip",
        TestName = "A video's caption comes before a document's")]
    public void A_message_with_more_than_one_readable_part_reads_the_text_then_image_video_document(string fields, string body)
    {
        var json = $$$"""{"message":{"id":"wamid.T","timestamp":"1768471200","from":"15550100123",{{{fields}}}},"phone_number_id":"{{{Business}}}"}""";
        Assert.That(Parse("whatsapp.message.received", json).Single().Message!.Body, Is.EqualTo(body));
    }

    [Test]
    public void A_sent_message_without_a_kapso_block_is_outbound_to_its_addressee()
    {
        var json = $$$"""
            {"message":{"id":"wamid.O","timestamp":"1768471500","from":"15550100999","to":"15550100123"},"phone_number_id":"{{{Business}}}"}
            """;
        var fact = Parse("whatsapp.message.sent", json).Single();
        Assert.That((fact.Message!.Direction, fact.Message.IsOutreach, fact.Contact!.PhoneE164),
            Is.EqualTo((Direction.Outbound, true, "+15550100123")));
    }

    [Test]
    public void A_direction_of_exactly_64_characters_is_quoted_whole_in_the_reason()
    {
        var direction = new string('d', 64);
        var json = $$$"""
            {"message":{"id":"w","from":"15550100123","kapso":{"direction":"{{{direction}}}"}},"phone_number_id":"1"}
            """;
        Assert.That(() => Parse("whatsapp.message.received", json), Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.EqualTo(
            $"whatsapp.message.received: cannot apply: message.kapso.direction '{direction}' is not inbound or outbound"));
    }

    // ---- time -----------------------------------------------------------------------------------------------------

    [Test]
    public void An_outbound_message_without_statuses_happened_at_its_own_timestamp()
    {
        var json = $$$"""
            {"message":{"id":"wamid.T","timestamp":"1768471500","to":"15550100123","kapso":{"direction":"outbound","status":"sent"}},
             "phone_number_id":"{{{Business}}}"}
            """;
        var fact = Parse("whatsapp.message.sent", json).Single();
        Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(1_768_471_500_000));
        Assert.That(fact.Contact!.ObservedAtMs, Is.EqualTo(1_768_471_500_000));
    }

    [Test]
    public void An_outbound_message_happened_when_its_sent_status_says_not_at_a_later_status()
    {
        var json = $$$"""
            {"message":{"id":"wamid.T","timestamp":"1768471509","to":"15550100123","kapso":{"direction":"outbound","status":"read",
              "statuses":[{"status":"delivered","timestamp":"1768471503"},{"status":"sent","timestamp":"1768471500"},
                          {"status":"sent","timestamp":"1768471501"},{"status":"read","timestamp":"1768471509"}]}},
             "phone_number_id":"{{{Business}}}"}
            """;
        var fact = Parse("whatsapp.message.read", json).Single();
        Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(1_768_471_500_000), "the first sent status");
        Assert.That(fact.Contact!.ObservedAtMs, Is.EqualTo(1_768_471_500_000));
    }

    [Test]
    public void An_inbound_message_happened_at_its_own_timestamp_whatever_statuses_it_lists()
    {
        var json = $$$"""
            {"message":{"id":"wamid.T","timestamp":"1768471200","from":"15550100123","kapso":{"direction":"inbound","status":"received",
              "statuses":[{"status":"sent","timestamp":"1768470000"}]}},
             "phone_number_id":"{{{Business}}}"}
            """;
        Assert.That(Parse("whatsapp.message.received", json).Single().Message!.OccurredAtMs, Is.EqualTo(1_768_471_200_000));
    }

    // ---- failure --------------------------------------------------------------------------------------------------

    [Test]
    public void A_failed_message_carries_code_title_and_message_of_meta_error()
    {
        var fact = FailedWith("""
            [{"status":"sent","timestamp":"1768651200"},
             {"status":"failed","timestamp":"1768651202","errors":[{"code":131047,"title":"Re-engagement message",
               "message":"More than 24 hours have passed since the recipient last replied to the sender number."}]}]
            """);
        Assert.Multiple(() =>
        {
            Assert.That(fact.Message!.Error, Is.EqualTo(
                "131047 Re-engagement message: More than 24 hours have passed since the recipient last replied to the sender number."));
            Assert.That(fact.Message.NeedsTemplate, Is.True);
            Assert.That(fact.Message.Status, Is.EqualTo(MessageStatus.Failed));
            Assert.That(fact.Message.IsOutreach, Is.False);
            Assert.That(fact.Message.Direction, Is.EqualTo(Direction.Outbound));
            Assert.That(fact.Message.OccurredAtMs, Is.EqualTo(1_768_651_200_000), "the sent status time");
        });
    }

    [Test]
    public void A_failure_reported_twice_carries_the_latest_error_and_an_empty_list_is_no_error()
    {
        var fact = FailedWith("""
            [{"status":"failed","errors":[{"code":131026,"title":"Message undeliverable","message":"first"}]},
             {"status":"failed","errors":[{"code":131047,"title":"Re-engagement message","message":"second"}]},
             {"status":"failed","errors":[]}]
            """);
        Assert.That(fact.Message!.Error, Is.EqualTo("131047 Re-engagement message: second"));
    }

    [Test]
    public void An_error_without_a_code_reads_as_its_title_and_message()
    {
        var fact = FailedWith("""[{"status":"failed","errors":[{"title":"Rate limit hit","message":"try later"}]}]""");
        Assert.That(fact.Message!.Error, Is.EqualTo("Rate limit hit: try later"));
    }

    [Test]
    public void A_failed_message_without_errors_has_no_error()
    {
        var fact = FailedWith("""[{"status":"failed","timestamp":"1768651202"}]""");
        Assert.That(fact.Message!.Error, Is.Null);
        Assert.That(fact.Message.Status, Is.EqualTo(MessageStatus.Failed));
    }

    [TestCase("sent")]
    [TestCase("delivered")]
    [TestCase("read")]
    public void A_message_that_did_not_fail_carries_no_error_whatever_its_statuses_list(string status)
    {
        var json = $$$"""
            {"message":{"id":"wamid.F","timestamp":"1768651202","to":"15550100145","kapso":{"direction":"outbound","status":"{{{status}}}",
              "statuses":[{"status":"sent","timestamp":"1768651200","errors":[{"code":131047,"title":"Re-engagement message","message":"m"}]}]}},
             "phone_number_id":"{{{Business}}}"}
            """;
        var fact = Parse("whatsapp.message." + status, json).Single();
        Assert.That(fact.Message!.Error, Is.Null);
        Assert.That(fact.Message.IsOutreach, Is.True);
    }

    // ---- the ad a lead came from ----------------------------------------------------------------------------------

    [Test]
    public void An_inbound_referral_names_the_ad_with_its_fields_trimmed()
    {
        var fact = Parse("whatsapp.message.received", WithReferral("inbound", """
            {"source_url":" https://fb.me/ad ","source_id":" 120226305854810726 ","source_type":" ad ","headline":" Chat with us ",
             "body":" Summer succulents ","media_type":" image ","image_url":" https://img/1 ","thumbnail_url":"https://thumb/1",
             "ctwa_clid":" Aff-1 "}
            """)).Single();
        Assert.That(fact.Message!.Referral, Is.EqualTo(new LeadSource
        {
            Type = "ad",
            Id = "120226305854810726",
            Url = "https://fb.me/ad",
            Headline = "Chat with us",
            Body = "Summer succulents",
            MediaType = "image",
            ImageUrl = "https://img/1",
            CtwaClid = "Aff-1",
        }));
    }

    [Test]
    public void A_referral_with_a_video_takes_its_thumbnail_as_the_image_and_blank_fields_are_absent()
    {
        var fact = Parse("whatsapp.message.received", WithReferral("inbound", """
            {"source_url":"https://fb.me/v","source_type":"ad","headline":"  ","media_type":"video","image_url":" ",
             "thumbnail_url":" https://thumb/2 "}
            """)).Single();
        Assert.That(fact.Message!.Referral, Is.EqualTo(new LeadSource
        {
            Type = "ad",
            Url = "https://fb.me/v",
            MediaType = "video",
            ImageUrl = "https://thumb/2",
        }));
    }

    [TestCase("""{"source_id":"120226305854810726"}""", TestName = "A referral with an ad id and no link names the ad")]
    [TestCase("""{"source_id":120226305854810726}""", TestName = "An ad id as a JSON number names the ad")]
    public void A_referral_with_an_id_only_names_the_ad(string referral)
    {
        var fact = Parse("whatsapp.message.received", WithReferral("inbound", referral)).Single();
        Assert.That(fact.Message!.Referral, Is.EqualTo(new LeadSource { Id = "120226305854810726" }));
    }

    [TestCase("""{"source_type":"ad","headline":"Chat with us"}""", TestName = "A referral with neither ad id nor link names nothing")]
    [TestCase("""{"source_id":" ","source_url":""}""", TestName = "A referral with a blank ad id and link names nothing")]
    public void A_referral_that_names_no_ad_is_no_source(string referral) =>
        Assert.That(Parse("whatsapp.message.received", WithReferral("inbound", referral)).Single().Message!.Referral, Is.Null);

    [Test]
    public void An_outbound_message_has_no_source_even_with_a_referral() =>
        Assert.That(Parse("whatsapp.message.sent", WithReferral("outbound", """{"source_id":"1","source_url":"https://fb.me/x"}"""))
            .Single().Message!.Referral, Is.Null);

    // ---- what can never apply -------------------------------------------------------------------------------------

    [TestCase("""{"message":{"id":" ","from":"15550100123"},"phone_number_id":"1"}""", "message.id is missing")]
    [TestCase("""{"message":{"id":"w","from":"15550100123"},"phone_number_id":"  "}""", "phone_number_id is missing")]
    [TestCase("""{"message":{"id":"w","from":"not a phone","from_user_id":" "},"conversation":{"phone_number":"x"},"phone_number_id":"1"}""",
        "it names no contact: no usable phone number and no business-scoped user id")]
    public void A_message_without_id_business_or_lead_is_rejected_with_the_missing_piece(string json, string reason) =>
        Assert.That(() => Parse("whatsapp.message.received", json), Throws.TypeOf<InvalidKapsoPayloadException>()
            .With.Message.EqualTo("whatsapp.message.received: cannot apply: " + reason));

    private static string Inbound(string messageFields) =>
        $$$"""{"message":{{{{messageFields}}}},"phone_number_id":"{{{Business}}}"}""";

    private static LeadEvent FailedWith(string statuses) => Parse("whatsapp.message.failed", $$$"""
        {"message":{"id":"wamid.F","timestamp":"1768651202","to":"15550100145",
          "kapso":{"direction":"outbound","status":"failed","statuses":{{{statuses}}}}},
         "phone_number_id":"{{{Business}}}"}
        """).Single();

    private static string WithReferral(string direction, string referral) => $$$"""
        {"message":{"id":"wamid.R","timestamp":"1768492800","from":"15550100177","to":"15550100177","referral":{{{referral}}},
          "kapso":{"direction":"{{{direction}}}","status":"{{{(direction == "inbound" ? "received" : "sent")}}}"}},
         "phone_number_id":"{{{Business}}}"}
        """;
}
