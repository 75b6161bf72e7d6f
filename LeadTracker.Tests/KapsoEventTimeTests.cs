using LeadTracker.Worker.Kapso;
using static LeadTracker.Tests.Support.KapsoPayload;

namespace LeadTracker.Tests;

/// <summary>
/// A message's time in every form a sender may write it (docs/kapso.md: Unix seconds as a string; senders vary it),
/// and the forms that are no time at all. Every expected value is written out by hand; the receipt is
/// 2026-02-01T00:00:00Z (1769904000000 ms).
/// </summary>
[TestFixture]
public sealed class KapsoEventTimeTests
{
    [TestCase("\"1768471200.5\"", 1_768_471_200_500L, TestName = "Half a second is 500 ms")]
    [TestCase("\"1768471200.05\"", 1_768_471_200_050L, TestName = "Five hundredths of a second are 50 ms")]
    [TestCase("\"1768471200.1\"", 1_768_471_200_100L, TestName = "A tenth of a second is 100 ms")]
    [TestCase("\"1768471200.123456\"", 1_768_471_200_123L, TestName = "A fraction finer than a millisecond is cut to the millisecond")]
    [TestCase("\"1000000000000\"", 1_000_000_000_000L, TestName = "Thirteen digits are milliseconds (2001-09-09)")]
    [TestCase("\"1768471200123\"", 1_768_471_200_123L, TestName = "Milliseconds keep their milliseconds")]
    [TestCase("\"0\"", 0L, TestName = "Zero is the Unix epoch")]
    public void A_readable_timestamp_is_the_message_time(string timestamp, long expectedMs)
    {
        var fact = Received(timestamp).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(expectedMs));
            Assert.That(fact.Contact!.ObservedAtMs, Is.EqualTo(expectedMs));
            Assert.That(fact.ClampedFromMs, Is.Null);
        });
    }

    [TestCase("\"253402300799\"", 253_402_300_799_000L, TestName = "The last second of year 9999 is a time in seconds, clamped")]
    [TestCase("\"253402300799999\"", 253_402_300_799_999L, TestName = "The last millisecond of year 9999 is a time in milliseconds, clamped")]
    [TestCase("\"1769904300001\"", 1_769_904_300_001L, TestName = "One millisecond more than five minutes after the receipt is clamped")]
    public void A_readable_time_far_after_the_receipt_is_clamped_to_it(string timestamp, long claimedMs)
    {
        var fact = Received(timestamp).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(ReceivedAtMs));
            Assert.That(fact.ClampedFromMs, Is.EqualTo(claimedMs));
        });
    }

    [TestCase("\"1769904300\"", 1_769_904_300_000L, TestName = "Exactly five minutes after the receipt is kept")]
    [TestCase("\"1769904300000\"", 1_769_904_300_000L, TestName = "Exactly five minutes after the receipt in milliseconds is kept")]
    public void A_time_up_to_five_minutes_after_the_receipt_is_kept(string timestamp, long expectedMs)
    {
        var fact = Received(timestamp).Single();
        Assert.That(fact.Message!.OccurredAtMs, Is.EqualTo(expectedMs));
        Assert.That(fact.ClampedFromMs, Is.Null);
    }

    [TestCase("\"999999999999\"", TestName = "Twelve digits beyond year 9999 in seconds are no time")]
    [TestCase("\"253402300800\"", TestName = "The first second after year 9999 is no time")]
    [TestCase("\"253402300800000\"", TestName = "The first millisecond after year 9999 is no time")]
    [TestCase("\"1768471200123.5\"", TestName = "Milliseconds with a fraction are no time")]
    [TestCase("\"1768471200.\"", TestName = "A point with no digits after it is no time")]
    [TestCase("\".5\"", TestName = "A fraction with no whole seconds is no time")]
    [TestCase("\"1768471200.5x\"", TestName = "A fraction with a letter in it is no time")]
    [TestCase("\"1768471200.5.5\"", TestName = "Two points are no time")]
    [TestCase("\"-1768471200\"", TestName = "A negative time is no time")]
    [TestCase("\"+1768471200\"", TestName = "A signed time is no time")]
    [TestCase("\"1,768,471,200\"", TestName = "Grouped digits are no time")]
    [TestCase("\"2026-01-15T10:00:00Z\"", TestName = "An ISO date where Unix seconds are documented is no time")]
    public void A_timestamp_that_is_no_unix_time_is_rejected_with_its_field_and_value(string timestamp) =>
        Assert.That(() => Received(timestamp),
            Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.EqualTo(
                $"whatsapp.message.received: cannot apply: message.timestamp '{timestamp.Trim('"')}' is not a Unix time in seconds"));

    [Test]
    public void A_long_value_that_is_no_time_is_quoted_cut_to_64_characters()
    {
        var value = new string('7', 60) + "abcdefghij";
        Assert.That(() => Received($"\"{value}\""), Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.EqualTo(
            "whatsapp.message.received: cannot apply: message.timestamp '" + new string('7', 60) + "abcd…' (70 characters) is not a Unix time in seconds"));
    }

    [Test]
    public void A_value_of_exactly_64_characters_is_quoted_whole()
    {
        var value = new string('x', 64);
        Assert.That(() => Received($"\"{value}\""), Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.EqualTo(
            $"whatsapp.message.received: cannot apply: message.timestamp '{value}' is not a Unix time in seconds"));
    }

    [Test]
    public void An_unreadable_sent_status_time_is_rejected_with_its_field()
    {
        const string json = """
            {"message":{"id":"wamid.T","timestamp":"1768471503","to":"15550100123",
              "kapso":{"direction":"outbound","status":"delivered","statuses":[{"status":"sent","timestamp":"soon"}]}},
             "phone_number_id":"110000000000001"}
            """;
        Assert.That(() => Parse("whatsapp.message.delivered", json), Throws.TypeOf<InvalidKapsoPayloadException>().With.Message.EqualTo(
            "whatsapp.message.delivered: cannot apply: statuses[].timestamp 'soon' is not a Unix time in seconds"));
    }

    private static IReadOnlyList<Worker.Domain.LeadEvent> Received(string timestamp) => Parse("whatsapp.message.received", $$$"""
        {"message":{"id":"wamid.T","timestamp":{{{timestamp}}},"from":"15550100123",
          "kapso":{"direction":"inbound","status":"received"}},"phone_number_id":"110000000000001"}
        """);
}
