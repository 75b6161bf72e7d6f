using Dapper;
using LeadTracker.Contracts;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Consumers;
using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Tests;

/// <summary>What the consumers share: parse, write, log. Here: a wrong clock is stored at the receipt, and said so.</summary>
[TestFixture]
public sealed class LeadEventApplierTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 2, 1, 12, 0, 0, TimeSpan.Zero);

    [TestCase(4_102_444_800, TestName = "A message dated 2100 is stored at the time it was received and the clamp is logged as a warning")]
    [TestCase(1_769_947_200, TestName = "A message dated at its receipt is stored at its own time and logs no clamp")]
    public async Task A_message_time_far_after_its_receipt_is_clamped_and_logged(long timestamp)
    {
        using var db = new TempDatabase();
        using var logs = new CapturingLoggerProvider();
        await using (var writer = new LeadWriter(db.Store(), NullLogger<LeadWriter>.Instance))
        {
            await new LeadEventApplier(writer, logs.CreateLogger<LeadEventApplier>()).ApplyOneAsync(new KapsoMessageEvent
            {
                EventType = KapsoEventTypes.Received,
                Payload = TestEvents.Json($$"""{"message":{"id":"wamid.F","timestamp":"{{timestamp}}","from":"15550100123"},"phone_number_id":"1"}"""),
                ReceivedAt = ReceivedAt,
                IdempotencyKey = "k-1",
            }, EventStream.Message);
        }

        var clamped = timestamp * 1000 > ReceivedAt.ToUnixTimeMilliseconds();
        var stored = clamped ? ReceivedAt.ToUnixTimeMilliseconds() : timestamp * 1000;
        using var connection = db.Connections.Open();
        var warnings = logs.Logs.Where(l => l.EventId.Id == 2004).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(connection.QuerySingle<(long, long)>("SELECT occurred_at, (SELECT last_activity_at FROM contacts) FROM messages"),
                Is.EqualTo((stored, stored)));
            Assert.That(warnings, Has.Count.EqualTo(clamped ? 1 : 0));
            Assert.That(warnings.Select(l => l.Level), Is.All.EqualTo(LogLevel.Warning));
            Assert.That(warnings.Select(l => l.Message), Has.All.Contains("2100-01-01T00:00:00").And.All.Contains("wamid.F")
                .And.All.Contains("k-1").And.All.Contains("2026-02-01T12:00:00"));
        });
    }
    /// <summary>
    /// "Nothing doubled" counted as applications, not rows (a <c>wamid</c> is unique, so rows cannot double): our
    /// reply's sent, delivered and read, each delivered twice as Kapso may, log one <c>[Kapso Sync]</c> line per
    /// event; the first of each applies (Inserted, then Updated twice), every redelivery is Unchanged.
    /// </summary>
    [Test]
    public async Task A_redelivered_status_is_logged_as_unchanged_never_applied_a_second_time()
    {
        var lines = await SyncLinesOfAStatusStoryDeliveredTwiceAsync();

        var outcomes = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"message \S+ (\w+) \(").Groups[1].Value).ToList();
        Assert.That(outcomes, Is.EqualTo(new[] { "Inserted", "Updated", "Updated", "Unchanged", "Unchanged", "Unchanged" }),
            string.Join("\n", lines));
    }

    /// <summary>The <c>[Kapso Sync]</c> message lines of our reply's sent, delivered and read, each delivered twice.</summary>
    internal static async Task<IReadOnlyList<string>> SyncLinesOfAStatusStoryDeliveredTwiceAsync()
    {
        string[] story = ["kapso-message-sent.json", "kapso-message-delivered.json", "kapso-message-read.json"];
        using var db = new TempDatabase();
        using var logs = new CapturingLoggerProvider();
        await using (var writer = new LeadWriter(db.Store(), NullLogger<LeadWriter>.Instance))
        {
            var applier = new LeadEventApplier(writer, logs.CreateLogger<LeadEventApplier>());
            var delivery = 0;
            foreach (var file in story.Concat(story))
            {
                var fixture = KapsoFixtures.Get(file);
                await applier.ApplyOneAsync(new KapsoMessageEvent
                {
                    EventType = KapsoEventTypes.Named(fixture.EventType),
                    Payload = TestEvents.Json(fixture.Json),
                    ReceivedAt = ReceivedAt,
                    IdempotencyKey = $"k-{delivery++}",
                }, EventStream.Message);
            }
        }

        return logs.Logs.Where(l => l.EventId.Id == 2000).Select(l => l.Message).ToList();
    }
}
