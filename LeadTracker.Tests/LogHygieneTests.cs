using System.Text.RegularExpressions;
using System.Text;
using LeadTracker.Contracts;
using LeadTracker.Ingress;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Consumers;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Tests;

/// <summary>
/// What the logs may hold: never the webhook secret (nor a valid signature the ingress computed for a rejected
/// body, which would be a forgery oracle), and never a lead's full phone number: phones are masked to their last
/// four digits. Every log line is captured at Trace level, with its structured values and exception text, while
/// every fixture goes through the ingress and the worker, next to rejected and poisoned requests.
/// </summary>
[TestFixture]
public sealed class LogHygieneTests
{
    /// <summary>The fixtures' leads (Fixtures/Kapso): Maria, Daniel, Aisha, Tomás.</summary>
    private static readonly string[] LeadPhones = ["+15550100123", "+15550100145", "+15550100167", "+15550100189"];

    private static readonly DateTimeOffset ReceivedAt = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task The_ingress_logs_neither_the_secret_nor_a_lead_phone_number()
    {
        using var ingress = new IngressFactory();
        using var http = ingress.CreateClient();

        foreach (var fixture in KapsoFixtures.All)
        {
            using var response = await http.SendAsync(KapsoFixtures.Request(fixture));
            Assert.That((int)response.StatusCode, Is.EqualTo(200), fixture.File);
        }

        var text = KapsoFixtures.Get("kapso-message-received-text.json");
        var rejectedBody = Encoding.UTF8.GetBytes(text.Json.Replace("Maria", "Mallory", StringComparison.Ordinal));
        var oracle = KapsoFixtures.Sign(rejectedBody);
        var unknownType = text with { Headers = new Dictionary<string, string>(text.Headers) { ["X-Webhook-Event"] = "whatsapp.meta_business_agent.handover" } };
        HttpRequestMessage[] hostile =
        [
            KapsoFixtures.Request(text, text.Body, secret: "not_the_secret"),
            WithSignature(KapsoFixtures.Request(text, rejectedBody), text.Headers["X-Webhook-Signature"]),
            WithSignature(KapsoFixtures.Request(text, rejectedBody), oracle.ToUpperInvariant()[..63]),
            KapsoFixtures.Request(text, "{\"from\":\"+15550100123\",\"broken\": "u8.ToArray()),
            KapsoFixtures.Request(text, Encoding.UTF8.GetBytes("[\"+15550100145\"]")),
            KapsoFixtures.Request(text, new byte[1024 * 1024 + 1]),
            KapsoFixtures.Request(unknownType, text.Body),
        ];
        foreach (var request in hostile)
        {
            using (request)
            using (await http.SendAsync(request))
            {
            }
        }

        var logs = ingress.Logs.Logs;
        TestContext.Out.WriteLine($"{logs.Count} ingress log lines captured");
        Assert.Multiple(() =>
        {
            Assert.That(logs.Count(l => l.EventId.Id == 4201), Is.EqualTo(1),
                "the three bad signatures from one address: one line a minute, with the count");
            AssertClean(logs, KapsoFixtures.Secret, oracle);
        });
    }

    [Test]
    public async Task The_worker_logs_no_lead_phone_number_and_masks_it_to_the_last_four_digits()
    {
        using var db = new TempDatabase();
        var logs = new CapturingLoggerProvider();
        using var store = new LeadStore(db.Connections, logs.CreateLogger<LeadStore>());
        await using (var writer = new LeadWriter(store, logs.CreateLogger<LeadWriter>()))
        {
            var applier = new LeadEventApplier(writer, logs.CreateLogger<LeadEventApplier>());
            foreach (var fixture in KapsoFixtures.All)
            {
                foreach (var e in Relayed(fixture))
                    await applier.ApplyOneAsync(e, e.EventType.Stream);
            }

            // Poison: payloads the worker rejects, some carrying a phone where the parser quotes what it found.
            string[] poison =
            [
                "{\"message\":{\"id\":\"wamid.P1\",\"from\":\"+15550100123\",\"kapso\":{\"direction\":\"sideways\"}},\"phone_number_id\":\"110000000000001\"}",
                "{\"message\":{\"id\":\"wamid.P2\",\"from\":\"+15550100145\",\"timestamp\":\"yesterday\"},\"phone_number_id\":\"110000000000001\"}",
                "{\"message\":{\"id\":\"wamid.P3\",\"from\":\"+15550100167\"}}",
                // (A phone as a JSON number is read since issue 7; as an object it still does not match the shape.)
                "{\"message\":{\"id\":\"wamid.P4\",\"from\":{\"number\":15550100189}},\"phone_number_id\":\"110000000000001\"}",
            ];
            foreach (var payload in poison)
            {
                Assert.That(() => Apply(applier, "whatsapp.message.received", payload, ReceivedAt, "poison"),
                    Throws.TypeOf<InvalidKapsoPayloadException>());
            }

            // A busy database: the retry pipeline logs while another connection holds the write lock.
            using (var writeLock = db.HoldWriteLock())
            {
                var busy = Apply(applier, "whatsapp.message.received", KapsoFixtures.Get("kapso-message-received-text.min.json").Json
                    .Replace("wamid.", "wamid.busy", StringComparison.Ordinal), ReceivedAt, "busy");
                // Held until the retry pipeline has logged a busy attempt (the line this part is about), not for a fixed time.
                await logs.WaitForAsync(l => l.EventId.Id == 3001, "a SQLite busy retry");
                writeLock.Release();
                await busy;
            }
        }

        var lines = logs.Logs;
        TestContext.Out.WriteLine($"{lines.Count} worker log lines captured");
        Assert.Multiple(() =>
        {
            Assert.That(lines.Where(l => l.Message.StartsWith("[Kapso Sync]", StringComparison.Ordinal)), Is.Not.Empty);
            Assert.That(lines.Count(l => l.EventId.Id == 2003), Is.EqualTo(4), "each poison payload is logged with its reason");
            Assert.That(lines.Where(l => l.EventId.Id == 3001), Is.Not.Empty, "SQLite busy retries are logged");
            Assert.That(lines.Select(l => l.Message), Has.Some.Contains("contact ********0145 updated"),
                "a contact line shows the last four digits, the rest masked");
            AssertClean(lines);
        });
    }

    [TestCase("+15550100123", "********0123")]
    [TestCase("+447700900123", "*********0123")]
    [TestCase("123", "****")]
    [TestCase(null, "****")]
    public void A_phone_is_masked_to_its_last_four_digits(string? phone, string masked) =>
        Assert.That(LeadPhone.Mask(phone), Is.EqualTo(masked));

    /// <summary>No line holds a secret, nor a lead's national number with or without + - . ( ) or spaces in it.</summary>
    private static void AssertClean(IEnumerable<CapturedLog> logs, params string[] secrets)
    {
        var phones = LeadPhones.Select(p => new Regex(
            string.Join(@"[\s\-.()+]{0,2}", p[^10..].Select(c => c.ToString())), RegexOptions.CultureInvariant)).ToArray();
        foreach (var line in logs)
        {
            foreach (var secret in secrets)
                Assert.That(line.Text, Does.Not.Contain(secret).IgnoreCase, $"a secret in {line.Category} {line.EventId}");
            foreach (var phone in phones)
                Assert.That(phone.IsMatch(line.Text), Is.False, $"a full phone number in {line.Category} {line.EventId}: {line.Text}");
        }
    }

    private static HttpRequestMessage WithSignature(HttpRequestMessage request, string signature)
    {
        request.Headers.Remove("X-Webhook-Signature");
        request.Headers.TryAddWithoutValidation("X-Webhook-Signature", signature);
        return request;
    }

    /// <summary>One event as the worker gets it: a single-event message on its stream's consumer.</summary>
    private static Task Apply(LeadEventApplier applier, string eventType, string payloadJson, DateTimeOffset receivedAt, string? key)
    {
        var e = TestEvents.Of(eventType, payloadJson, receivedAt, key);
        return applier.ApplyOneAsync(e, e.EventType.Stream);
    }

    private static IEnumerable<IKapsoEvent> Relayed(KapsoFixture fixture) => FixtureEvents.Relayed(fixture, ReceivedAt);
}
