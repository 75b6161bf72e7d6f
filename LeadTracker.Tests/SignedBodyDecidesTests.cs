using LeadTracker.Contracts;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Consumers;
using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Tests;

/// <summary>
/// Issue 17, item 1: Kapso signs the body, not <c>X-Webhook-Event</c>. Every signed fixture is replayed under every
/// other event type header through the ingress (in memory, its real endpoint) and the worker's own parse and write
/// path into a real SQLite file: no row changes, nothing is rejected, and the header never becomes a label.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SignedBodyDecidesTests
{
    /// <summary>Every type the ingress knows, and one Kapso refuses to create (docs/kapso.md): a header can say anything.</summary>
    private static readonly string[] Headers = [.. KapsoEventTypes.Known.Keys.Order(StringComparer.Ordinal), "whatsapp.message.status_updated"];

    private IngressFactory _ingress = null!;
    private HttpClient _http = null!;
    private List<IKapsoEvent> _genuine = null!;
    private TempDatabase _genuineDb = null!;
    private string _genuineRows = null!;

    public static IEnumerable<TestCaseData> Replays() =>
        from fixture in KapsoFixtures.All
        from header in Headers
        where header != fixture.EventType
        select new TestCaseData(fixture.File, header).SetName($"{fixture.File} replayed as {header} changes no row");

    [OneTimeSetUp]
    public async Task Apply_every_fixture_once_as_kapso_sent_it()
    {
        _ingress = new IngressFactory();
        _http = _ingress.CreateClient();
        _genuine = [];
        foreach (var fixture in KapsoFixtures.All)
            _genuine.AddRange(await PostAsync(KapsoFixtures.Request(fixture), "genuine-" + fixture.File));

        _genuineDb = new TempDatabase();
        _genuineRows = await RowsAfterAsync(_genuineDb, _genuine);
        Assert.That(_genuineRows, Does.Contain("+15550100123|"), "the fixtures made Maria a lead");
    }

    [OneTimeTearDown]
    public void StopIngress()
    {
        _http.Dispose();
        _ingress.Dispose();
        _genuineDb.Dispose();
    }

    [TestCaseSource(nameof(Replays))]
    public async Task A_replay_under_another_event_header_changes_no_row(string file, string header)
    {
        var fixture = KapsoFixtures.Get(file);
        using var request = KapsoFixtures.Request(fixture);
        request.Headers.Remove("X-Webhook-Event");
        request.Headers.TryAddWithoutValidation("X-Webhook-Event", header);
        var replayed = await PostAsync(request, $"replay-{file}-{header}");

        using var db = new TempDatabase(copyOf: _genuineDb.FilePath);
        var rows = await RowsAfterAsync(db, replayed);

        Assert.Multiple(() =>
        {
            Assert.That(rows, Is.EqualTo(_genuineRows), "the replay changed a row");
            Assert.That(replayed.Select(e => e.EventType),
                Is.EqualTo(_genuine.Where(e => e.IdempotencyKey!.StartsWith("genuine-" + file, StringComparison.Ordinal)).Select(e => e.EventType)),
                "the events are what the body says, whatever the header");
            if (!KapsoEventTypes.Known.ContainsKey(header))
            {
                Assert.That(_ingress.Metrics.Select(m => m.Tags).Where(t => t.Contains(header, StringComparison.Ordinal)), Is.Empty,
                    "an unknown header never becomes a label");
            }
        });
    }

    [Test]
    public async Task A_header_that_disagrees_with_the_body_is_counted_and_logged_at_most_once_a_minute()
    {
        var sent = KapsoFixtures.Get("kapso-message-sent.json");
        var before = _ingress.Measured("leadtracker.ingress.event_header_mismatches", "event_type=whatsapp.message.sent,header=whatsapp.message.failed");
        for (var i = 0; i < 3; i++)
        {
            using var request = KapsoFixtures.Request(sent);
            request.Headers.Remove("X-Webhook-Event");
            request.Headers.TryAddWithoutValidation("X-Webhook-Event", "whatsapp.message.failed");
            using var response = await _http.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.EqualTo(200), "ignored with a counted warning, not refused");
        }

        Assert.Multiple(() =>
        {
            Assert.That(_ingress.Measured("leadtracker.ingress.event_header_mismatches", "event_type=whatsapp.message.sent,header=whatsapp.message.failed") - before,
                Is.EqualTo(3));
            Assert.That(_ingress.Logs.Logs.Count(l => l.EventId.Id == 4204), Is.LessThanOrEqualTo(1), "one line a minute, however many replays");
        });
    }

    [Test]
    public async Task A_batch_takes_its_signed_type_not_the_header()
    {
        var batch = KapsoFixtures.Get("kapso-batch-message-received-3.json");
        using var request = KapsoFixtures.Request(batch);
        request.Headers.Remove("X-Webhook-Event");
        request.Headers.TryAddWithoutValidation("X-Webhook-Event", "whatsapp.contact.identity_changed");
        var events = await PostAsync(request, "batch-under-contact-header");

        Assert.That(events.Select(e => (e.GetType().Name, e.EventType.Name)),
            Is.EqualTo(Enumerable.Repeat(("KapsoMessageEvent", "whatsapp.message.received"), 3)));
    }

    /// <summary>Posts, expects 200, and returns what the ingress sent for it (its items under the given key).</summary>
    private async Task<List<IKapsoEvent>> PostAsync(HttpRequestMessage request, string key)
    {
        request.Headers.Remove("X-Idempotency-Key");
        request.Headers.TryAddWithoutValidation("X-Idempotency-Key", key);
        using (request)
        using (var response = await _http.SendAsync(request))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        }

        bool Mine(IKapsoEvent e) => e.IdempotencyKey == key || e.IdempotencyKey?.StartsWith(key + "#", StringComparison.Ordinal) == true;
        return [.. _ingress.MessageEventsSent.Where(Mine), .. _ingress.ContactEventsSent.Where(Mine)];
    }

    /// <summary>The events applied one by one on their own stream's consumer path; none may be rejected.</summary>
    private static async Task<string> RowsAfterAsync(TempDatabase db, IEnumerable<IKapsoEvent> events)
    {
        using (var store = new LeadStore(db.Connections, NullLogger<LeadStore>.Instance))
        await using (var writer = new LeadWriter(store, NullLogger<LeadWriter>.Instance))
        {
            var applier = new LeadEventApplier(writer, NullLogger<LeadEventApplier>.Instance);
            foreach (var e in events)
            {
                var apply = e switch
                {
                    KapsoMessageEvent m => applier.ApplyOneAsync(m, EventStream.Message),
                    KapsoContactEvent c => applier.ApplyOneAsync(c, EventStream.Contact),
                    _ => throw new InvalidOperationException(e.GetType().Name),
                };
                Assert.That(async () => await apply, Throws.Nothing, $"{e.EventType} {e.IdempotencyKey} rejected");
            }
        }

        using var connection = db.Connections.Open();
        var rows = LeadRows.Snapshot(connection);
        connection.Close();
        // Every connection closed: SQLite folds its write-ahead log into the file, which the replays then copy.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return rows;
    }
}
