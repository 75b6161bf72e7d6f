using LeadTracker.Worker.Domain;

namespace LeadTracker.Tests;

/// <summary>
/// The status names the store writes and the order they rank in, written out by hand; and the reply-window code
/// read only as a whole code (survivors of the Domain mutation run, docs/testing.md).
/// </summary>
[TestFixture]
public sealed class MessageStatusTests
{
    [Test]
    public void Every_named_status_parses_to_itself_in_the_order_sent_delivered_read_played_failed()
    {
        string[] order = ["sent", "delivered", "read", "played", "failed"];
        var parsed = order.Select(MessageStatus.Parse).ToList();

        Assert.That(parsed.Select(s => s?.Name), Is.EqualTo(order));
        Assert.That(parsed.Select(s => s!.Rank), Is.Ordered.Ascending.And.Unique);
        Assert.That(MessageStatus.Parse("ringing"), Is.Null);
    }

    [TestCase("131047", false, TestName = "The bare code 131047 with no text after it does not ask for a template")]
    [TestCase("131047 Re-engagement message", true, TestName = "Code 131047 and its text ask for a template")]
    [TestCase("1310470 other", false, TestName = "A longer code that starts with 131047 does not ask for a template")]
    public void A_failed_send_needs_a_template_only_for_the_whole_code_131047(string error, bool needsTemplate)
    {
        var fact = new MessageFact
        {
            Wamid = "wamid.template",
            Direction = Direction.Outbound,
            Status = MessageStatus.Failed,
            Error = error,
            OccurredAtMs = 1_768_471_200_000,
        };

        Assert.That(fact.NeedsTemplate, Is.EqualTo(needsTemplate));
    }
}
