using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// <see cref="SyncLineTally"/>, which the fault tests use to count applications: over lines the real applier
/// writes, and over captured console text with an event applied twice planted in it.
/// </summary>
[TestFixture]
public sealed class SyncLineTallyTests
{
    // The worker's console line (appsettings.json: simple formatter, single line, UTC timestamp).
    private const string Prefix = "2026-12-07T15:43:36.123Z info: LeadTracker.Worker.Consumers.LeadEventApplier[2000] ";

    [Test]
    public async Task The_real_applier_lines_of_a_status_story_delivered_twice_count_each_status_once_and_the_repeats_as_redelivered()
    {
        var lines = await LeadEventApplierTests.SyncLinesOfAStatusStoryDeliveredTwiceAsync();

        var tally = SyncLineTally.Of(lines.Select(l => Prefix + l));

        Assert.Multiple(() =>
        {
            Assert.That(tally.Lines, Is.EqualTo(6), "one line per event");
            Assert.That(tally.Applications.Keys.Select(k => k.Status), Is.EquivalentTo(new[] { "sent", "delivered", "read" }));
            Assert.That(tally.Applications.Values, Has.All.EqualTo(1));
            Assert.That(tally.Reapplied, Is.Empty);
            Assert.That(tally.Redelivered, Has.Count.EqualTo(1), "the three repeats are of one message");
        });
    }

    [Test]
    public void A_second_inserted_line_for_one_message_id_is_a_double_application()
    {
        var tally = SyncLineTally.Of(Captured(
            "inbound message wamid.A= Inserted (whatsapp.message.received, status received) trace 01",
            "inbound message wamid.B= Inserted (whatsapp.message.received, status received) trace 02",
            "inbound message wamid.A= Unchanged (whatsapp.message.received, status received) trace 03",
            "inbound message wamid.A= Inserted (whatsapp.message.received, status received) trace 04"));

        Assert.That(tally.Lines, Is.EqualTo(4));
        Assert.That(tally.Reapplied, Is.EqualTo(new[] { "wamid.A= received x2" }));
        Assert.That(tally.Redelivered, Is.EqualTo(new[] { "wamid.A=" }));
    }

    [Test]
    public void A_status_updated_twice_to_the_same_status_is_a_double_application_a_later_status_is_not()
    {
        var tally = SyncLineTally.Of(Captured(
            "outbound message wamid.C Inserted (whatsapp.message.sent, status sent) trace 01",
            "outbound message wamid.C Updated (whatsapp.message.delivered, status delivered) trace 02",
            "outbound message wamid.C Updated (whatsapp.message.read, status read) trace 03",
            "outbound message wamid.C Updated (whatsapp.message.delivered via reconcile, status delivered)"));

        Assert.That(tally.Reapplied, Is.EqualTo(new[] { "wamid.C delivered x2" }));
    }

    [Test]
    public void Contact_lines_and_other_lines_are_not_counted_and_a_clean_log_has_nothing_reapplied()
    {
        var tally = SyncLineTally.Of(Captured(
            "contact +1555****123 updated (whatsapp.contact.updated) trace 01",
            "outbound message wamid.D Inserted (whatsapp.message.sent, status sent) trace 02",
            "outbound message wamid.D Updated (whatsapp.message.delivered, status delivered) trace 03")
            .Append("2026-12-07T15:43:37.000Z info: MassTransit[0] Bus started: rabbitmq://localhost/"));

        Assert.That(tally.Lines, Is.EqualTo(2));
        Assert.That(tally.Reapplied, Is.Empty);
        Assert.That(tally.Redelivered, Is.Empty);
    }

    private static IEnumerable<string> Captured(params string[] messages) => messages.Select(m => Prefix + "[Kapso Sync] " + m);
}
