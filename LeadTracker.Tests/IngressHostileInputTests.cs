using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// The ingress endpoint against hostile and malformed requests (WebApplicationFactory, MassTransit's in-memory test
/// harness instead of RabbitMQ), once on the in-memory TestServer and once over a real socket to Kestrel with its
/// own limits. Each input gets its documented status (docs/operations.md, "What the ingress answers"), a rejected request sends
/// nothing and spools nothing, and the process stays healthy after each one.
/// </summary>
[TestFixture(false, TestName = "in memory")]
[TestFixture(true, TestName = "over Kestrel")]
[NonParallelizable]
public sealed class IngressHostileInputTests(bool kestrel)
{
    private const string Received = "whatsapp.message.received";
    private const int MiB = 1024 * 1024;
    private const string Webhooks = "leadtracker.ingress.webhooks";

    private IngressFactory _ingress = null!;
    private HttpClient _http = null!;
    private int _messagesBefore;
    private Dictionary<string, long> _webhooksBefore = [];

    [OneTimeSetUp]
    public void StartIngress()
    {
        _ingress = new IngressFactory(kestrel);
        _http = _ingress.CreateClient();
    }

    [OneTimeTearDown]
    public void StopIngress()
    {
        _http.Dispose();
        _ingress.Dispose();
    }

    [SetUp]
    public void CountMessagesSoFar()
    {
        _messagesBefore = _ingress.MessagesOut;
        _webhooksBefore = _ingress.MeasuredByTags(Webhooks);
    }

    [TearDown]
    public async Task The_process_is_still_alive()
    {
        using var live = await _http.GetAsync("/health/live");
        Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK), "/health/live after " + TestContext.CurrentContext.Test.Name);
    }

    private static byte[] Text => KapsoFixtures.Get("kapso-message-received-text.min.json").Body;

    // ---- signature ------------------------------------------------------------------------------------------

    [Test]
    public async Task A_missing_signature_is_401() =>
        await AssertRejectedAsync(await PostAsync(Text, signature: null), 401, "signature missing");

    [Test]
    public async Task An_empty_signature_is_401() =>
        await AssertRejectedAsync(await PostAsync(Text, signature: ""), 401, "signature missing");

    [Test]
    public async Task A_short_signature_is_401() =>
        await AssertRejectedAsync(await PostAsync(Text, KapsoFixtures.Sign(Text)[..63]), 401, "signature malformed");

    [Test]
    public async Task A_signature_with_a_character_too_many_is_401() =>
        await AssertRejectedAsync(await PostAsync(Text, KapsoFixtures.Sign(Text) + "0"), 401, "signature malformed");

    [Test]
    public async Task A_non_hex_signature_of_the_right_length_is_401() =>
        await AssertRejectedAsync(await PostAsync(Text, "zz" + KapsoFixtures.Sign(Text)[2..]), 401, "signature malformed");

    [Test]
    public async Task A_base64_signature_of_the_right_hmac_is_401()
    {
        // Kapso signs in lowercase hex only (docs/kapso.md): a verifier that accepts base64 is wrong.
        var base64 = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(KapsoFixtures.Secret), Text));
        await AssertRejectedAsync(await PostAsync(Text, base64), 401, "signature malformed");
    }

    [Test]
    public async Task A_meta_style_sha256_prefixed_signature_is_401() =>
        await AssertRejectedAsync(await PostAsync(Text, "sha256=" + KapsoFixtures.Sign(Text)), 401, "signature malformed");

    [Test]
    public async Task A_valid_signature_of_another_body_is_401() =>
        await AssertRejectedAsync(await PostAsync(Text, KapsoFixtures.Sign("{}"u8.ToArray())), 401, "signature mismatch");

    [Test]
    public async Task A_signature_made_with_another_secret_is_401() =>
        await AssertRejectedAsync(await PostAsync(Text, KapsoFixtures.Sign(Text, "not_the_secret")), 401, "signature mismatch");

    [Test]
    public async Task The_right_hmac_in_uppercase_hex_is_accepted()
    {
        // Decision: hex is case-insensitive (Convert.FromHexString). Kapso sends lowercase, but an uppercase
        // rendering carries the same 32 bytes: whoever can produce it knows the HMAC, so refusing it protects
        // nothing and would only turn a harmless proxy rewrite into lost leads.
        using var response = await PostAsync(Text, KapsoFixtures.Sign(Text).ToUpperInvariant());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_ingress.MessagesOut - _messagesBefore, Is.EqualTo(1));
    }

    // ---- body size ------------------------------------------------------------------------------------------

    [Test]
    public async Task An_empty_body_with_the_valid_signature_of_nothing_is_400() =>
        await AssertRejectedAsync(await PostAsync([], KapsoFixtures.Sign([])), 400, "not a JSON object");

    [Test]
    public async Task An_empty_unsigned_body_is_401() =>
        await AssertRejectedAsync(await PostAsync([], signature: null), 401, "signature missing");

    [Test]
    public async Task A_valid_json_object_of_exactly_one_mib_is_accepted_and_relayed_byte_for_byte()
    {
        var body = PaddedTo(MiB);
        await AssertRelayedOnceAsync(body, "one-mib", relayed: body, "the exact bytes that were signed");
    }

    [Test]
    public async Task One_byte_over_one_mib_is_413_even_when_signed_and_valid() =>
        await AssertRejectedAsync(await PostAsync(PaddedTo(MiB + 1), KapsoFixtures.Sign(PaddedTo(MiB + 1))), 413, "body over");

    [TestCase(true, TestName = "Ten MiB announced by Content-Length is 413 without reading the body")]
    [TestCase(false, TestName = "Ten MiB chunked without Content-Length is 413 after reading no more than the cap plus one")]
    public async Task Ten_mib_is_413_and_the_ingress_never_holds_more_than_the_cap(bool announceLength)
    {
        var key = Guid.NewGuid().ToString();
        var (status, problem, clientSent) = kestrel
            ? await RawPostAsync(10L * MiB, announceLength, key)
            : await PostThroughTestServerAsync(10L * MiB, announceLength, key);

        TestContext.Out.WriteLine($"10 MiB {(announceLength ? "announced" : "chunked")}: the ingress read {_ingress.BodyBytesRead(key):N0} " +
            $"bytes; the client sent {clientSent:N0} before its answer");
        AssertRejected(status, problem, 413, "body over");
        Assert.That(_ingress.BodyBytesRead(key), announceLength ? Is.Zero : Is.LessThanOrEqualTo(MiB + 1),
            announceLength ? "refused on its Content-Length alone" : "reading stops one byte past the cap");
    }

    // ---- malformed JSON ---------------------------------------------------------------------------------------

    [Test]
    public async Task Invalid_utf8_is_400()
    {
        // 0xC3 0x28 is an invalid two-byte sequence; 0xFF never occurs in UTF-8.
        var body = Concat("{\"message\":{\"id\":\"wamid.X\",\"text\":{\"body\":\""u8, [0xC3, 0x28, 0xFF], "\"}},\"phone_number_id\":\"1\"}"u8);
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 400, "not a JSON object");
    }

    [Test]
    public async Task A_utf8_byte_order_mark_before_the_body_is_200_and_the_body_after_it_is_relayed()
    {
        // Issue 7: this was a 400, which Kapso retries and then drops. The signature covers the bytes as received.
        var body = Concat([0xEF, 0xBB, 0xBF], Text, []);
        await AssertRelayedOnceAsync(body, "with-bom", relayed: Text, "the signed bytes after the mark");
    }

    [Test]
    public async Task A_byte_order_mark_added_after_signing_is_401_the_signature_covers_the_bytes_as_received()
    {
        var body = Concat([0xEF, 0xBB, 0xBF], Text, []);
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(Text)), 401, "signature mismatch");
    }

    [Test]
    public async Task A_byte_order_mark_before_something_that_is_not_json_is_still_400()
    {
        var body = Concat([0xEF, 0xBB, 0xBF], "[]"u8, []);
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 400, "not a JSON object");
    }

    [Test]
    public async Task Invalid_utf8_inside_a_batch_item_is_400()
    {
        var body = Concat("{\"type\":\"whatsapp.message.received\",\"batch\":true,\"data\":[{\"a\":\""u8, [0xED, 0xA0, 0x80], "\"}]}"u8);
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 400, "not a JSON object");
    }

    [Test]
    public async Task Json_nested_ten_thousand_levels_deep_is_400()
    {
        var body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "{}" + new string('}', 10_000));
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 400, "depth");
    }

    [Test]
    public async Task Json_nested_one_level_deeper_than_the_limit_of_64_is_400()
    {
        var body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 64)) + "{}" + new string('}', 64));
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 400, "depth");
    }

    [TestCase("[]")]
    [TestCase("[{\"message\":{}}]")]
    [TestCase("42")]
    [TestCase("\"a string\"")]
    [TestCase("null")]
    [TestCase("true")]
    public async Task A_json_root_that_is_not_an_object_is_400(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 400, "not a JSON object");
    }

    [TestCase("{\"message\": ", TestName = "Truncated JSON is 400")]
    [TestCase("{} {}", TestName = "Two JSON objects back to back are 400")]
    [TestCase("{\"a\":1,}", TestName = "A trailing comma is 400")]
    [TestCase("{'a':1}", TestName = "Single-quoted JSON is 400")]
    [TestCase("{\"a\":NaN}", TestName = "NaN is 400")]
    public async Task Not_quite_json_is_400(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 400, "not a JSON object");
    }

    [TestCase("{\"type\":\"\\ud800\"}", TestName = "An event type that is an escaped lone surrogate is 400")]
    [TestCase("{\"event\":\"\\udc00x\"}", TestName = "An event name that is an escaped lone surrogate is 400")]
    [TestCase("{\"object\":\"\\ud800\"}", TestName = "A Meta object name that is an escaped lone surrogate is 400")]
    [TestCase("{\"batch\":true,\"type\":\"\\ud800\",\"data\":[{}]}", TestName = "A batch type that is an escaped lone surrogate is 400")]
    public async Task A_body_event_type_that_is_not_a_valid_string_is_400(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body), eventType: null), 400, "not a JSON object");
    }

    // ---- batches ------------------------------------------------------------------------------------------------

    [Test]
    public async Task A_batch_of_the_cap_of_one_thousand_tiny_items_is_200_and_every_item_is_sent()
    {
        // The ingress does not look inside items beyond their shape (the worker owns payloads), so 1,000 "{}" are
        // 1,000 events of the batch's signed type; the worker rejects each into lead-message-events_error with its
        // reason. Kapso batches at most 100; MaxEventsPerWebhook (1,000) bounds what one request can cause.
        var body = TinyBatch(1000);
        using var response = await PostAsync(body, KapsoFixtures.Sign(body), idempotencyKey: "batch-1000");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        await WaitUntilQuietAsync();

        var sent = _ingress.MessageEventsSent.Where(e => e.IdempotencyKey?.StartsWith("batch-1000#", StringComparison.Ordinal) == true).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(answer.RootElement.GetProperty("accepted").GetInt32(), Is.EqualTo(1000));
            Assert.That(sent.Select(e => e.IdempotencyKey).Distinct().Count(), Is.EqualTo(1000), "every item, one key each");
            Assert.That(sent.All(e => e.Text() == "{}" && e.EventType.Name == Received));
            Assert.That(_ingress.Measured("leadtracker.ingress.webhook.events", ""), Is.GreaterThanOrEqualTo(1000),
                "the event count of a body is in the ingress metrics");
        });
        CountMessagesSoFar();
    }

    [Test]
    public async Task A_batch_of_one_item_over_the_cap_is_413_and_sends_none_of_its_items()
    {
        var body = TinyBatch(1001);
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 413, "1001 events, more than the 1000 allowed");
    }

    [Test]
    public async Task A_signed_megabyte_of_empty_items_is_413_not_three_hundred_thousand_events()
    {
        var body = TinyBatch(300_000);
        Assert.That(body, Has.Length.LessThan(MiB));
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 413, "more than the 1000 allowed");
    }

    [Test]
    public async Task A_batch_with_one_item_that_is_not_an_object_is_400_and_sends_none_of_its_items()
    {
        var body = Encoding.UTF8.GetBytes("{\"type\":\"whatsapp.message.received\",\"batch\":true,\"data\":[{},{},42,{}]}");
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 400, "batch item 2");
    }

    [TestCase("{\"type\":\"whatsapp.message.received\",\"batch\":true}", TestName = "A batch without data is 400")]
    [TestCase("{\"type\":\"whatsapp.message.received\",\"batch\":true,\"data\":{}}", TestName = "A batch whose data is not an array is 400")]
    public async Task A_batch_without_a_data_array_is_400(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        await AssertRejectedAsync(await PostAsync(body, KapsoFixtures.Sign(body)), 400, "data array");
    }

    // ---- event types --------------------------------------------------------------------------------------------

    // A type outside KapsoEventTypes, over a body whose shape names no event LeadTracker uses: acknowledged, and
    // counted and logged as "other", so invented types add neither metric series nor log values.
    [TestCase("whatsapp.meta_business_agent.handover")]
    [TestCase("contact.deleted")]
    [TestCase("something.nobody.documented")]
    public async Task A_signed_event_of_an_unknown_type_is_200_sends_nothing_and_is_counted_as_other(string eventType)
    {
        var body = "{\"agent\":{\"id\":\"a1\"},\"phone_number_id\":\"110000000000001\"}"u8.ToArray();
        var ignoredBefore = _ingress.Measured("leadtracker.ingress.events", "event_type=other,outcome=ignored");
        using var response = await PostAsync(body, KapsoFixtures.Sign(body), eventType);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a 4xx would make Kapso retry and pause the webhook");
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Multiple(() =>
        {
            Assert.That(answer.RootElement.GetProperty("accepted").GetInt32(), Is.Zero);
            Assert.That(answer.RootElement.GetProperty("ignored").GetInt32(), Is.EqualTo(1));
            Assert.That(_ingress.MessagesOut, Is.EqualTo(_messagesBefore), "nothing sent");
            Assert.That(_ingress.Measured("leadtracker.ingress.events", "event_type=other,outcome=ignored") - ignoredBefore,
                Is.EqualTo(1), "counted in leadtracker.ingress.events");
            Assert.That(_ingress.Metrics.Any(m => m.Tags.Contains(eventType, StringComparison.Ordinal)), Is.False, "never a label");
            Assert.That(_ingress.Logs.Logs.Any(l => l.EventId.Id == 4203 && l.Message.Contains("Acknowledged other", StringComparison.Ordinal)),
                "logged as other");
            Assert.That(_ingress.Logs.Logs.Any(l => l.Message.Contains(eventType, StringComparison.Ordinal)), Is.False, "never a log value");
        });
    }

    [TestCase("whatsapp.message.failed", TestName = "A received message replayed as failed is relayed as received")]
    [TestCase("whatsapp.contact.identity_changed", TestName = "A received message replayed as a contact event stays on the message stream")]
    [TestCase("invented.type", TestName = "A received message under an invented type is relayed as received")]
    public async Task A_header_that_disagrees_with_the_signed_body_is_200_the_body_decides_and_it_is_counted(string eventType)
    {
        var mismatches = _ingress.Metrics.Count(m => m.Instrument == "leadtracker.ingress.event_header_mismatches");
        using var response = await PostAsync(Text, KapsoFixtures.Sign(Text), eventType, idempotencyKey: "mismatch-" + eventType);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var sent = _ingress.MessageEventsSent.Where(e => e.IdempotencyKey == "mismatch-" + eventType).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(sent.Select(e => e.EventType.Name), Is.EqualTo(new[] { Received }), "the signed body decides");
            Assert.That(_ingress.ContactEventsSent.Any(e => e.IdempotencyKey == "mismatch-" + eventType), Is.False);
            Assert.That(_ingress.Metrics.Count(m => m.Instrument == "leadtracker.ingress.event_header_mismatches"), Is.EqualTo(mismatches + 1),
                "counted in leadtracker.ingress.event_header_mismatches");
        });
        _messagesBefore = _ingress.MessagesOut;
    }

    [Test]
    public async Task A_signed_object_without_any_event_type_is_200_and_ignored()
    {
        var body = "{\"hello\":\"world\"}"u8.ToArray();
        using var response = await PostAsync(body, KapsoFixtures.Sign(body), eventType: null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_ingress.MessagesOut, Is.EqualTo(_messagesBefore));
    }

    // ---- content type and method ----------------------------------------------------------------------------

    [TestCase("text/plain")]
    [TestCase("application/x-www-form-urlencoded")]
    [TestCase("multipart/form-data; boundary=x")]
    [TestCase("application/xml")]
    public async Task A_signed_body_with_a_content_type_that_is_not_json_is_415(string contentType) =>
        await AssertRejectedAsync(await PostAsync(Text, KapsoFixtures.Sign(Text), contentType: contentType), 415, "is not JSON");

    [Test]
    public async Task An_unsigned_body_with_a_wrong_content_type_is_401_the_signature_is_checked_first() =>
        await AssertRejectedAsync(await PostAsync(Text, signature: null, contentType: "text/plain"), 401, "signature missing");

    [TestCase(null, TestName = "A body without a content type is accepted")]
    [TestCase("application/json; charset=utf-8", TestName = "application/json with a charset is accepted")]
    [TestCase("APPLICATION/JSON", TestName = "application/json in capitals is accepted")]
    [TestCase("application/vnd.kapso+json", TestName = "A +json media type is accepted")]
    public async Task Json_or_absent_content_types_are_accepted(string? contentType)
    {
        using var response = await PostAsync(Text, KapsoFixtures.Sign(Text), contentType: contentType);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_ingress.MessagesOut - _messagesBefore, Is.EqualTo(1));
    }

    [TestCase("GET")]
    [TestCase("PUT")]
    [TestCase("DELETE")]
    [TestCase("PATCH")]
    public async Task Other_methods_on_the_webhook_are_405(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "/webhooks/kapso");
        using var response = await _http.SendAsync(request);

        Assert.That((int)response.StatusCode, Is.EqualTo(405));
        Assert.That(_ingress.MessagesOut, Is.EqualTo(_messagesBefore));
    }

    // ---- after all of that -------------------------------------------------------------------------------------

    [Test]
    [Order(int.MaxValue)]
    public async Task After_every_hostile_input_the_ingress_is_live_ready_and_still_takes_a_real_webhook()
    {
        using var live = await _http.GetAsync("/health/live");
        using var ready = await _http.GetAsync("/health/ready");
        using var good = await _http.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-message-sent.json")));

        Assert.Multiple(() =>
        {
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(good.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(_ingress.MessagesOut - _messagesBefore, Is.EqualTo(1));
        });
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /// <summary>Until the spool is drained and nothing more is being sent.</summary>
    private async Task WaitUntilQuietAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = -1;
        while (DateTime.UtcNow < deadline)
        {
            var now = _ingress.MessagesOut;
            if (_ingress.Spool.Depth == 0 && now == last) return;
            last = now;
            await Task.Delay(250);
        }

        Assert.Fail($"still sending after 60 s (spool depth {_ingress.Spool.Depth})");
    }

    /// <summary>Signed and posted: 200, and sent once as <paramref name="relayed"/>.</summary>
    private async Task AssertRelayedOnceAsync(byte[] body, string idempotencyKey, byte[] relayed, string why)
    {
        using var response = await PostAsync(body, KapsoFixtures.Sign(body), idempotencyKey: idempotencyKey);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var sent = _ingress.MessageEventsSent.Where(e => e.IdempotencyKey == idempotencyKey).ToList();
        Assert.That(sent, Has.Count.EqualTo(1));
        Assert.That(Encoding.UTF8.GetBytes(sent[0].Text()), Is.EqualTo(relayed), why);
    }

    private async Task AssertRejectedAsync(HttpResponseMessage response, int status, string reason)
    {
        using (response) AssertRejected((int)response.StatusCode, await response.Content.ReadAsStringAsync(), status, reason);
    }

    private void AssertRejected(int actualStatus, string problem, int status, string reason) =>
        Assert.Multiple(() =>
        {
            Assert.That(actualStatus, Is.EqualTo(status), problem);
            Assert.That(problem, Does.Contain(reason), "the problem detail names the reason");
            Assert.That(_ingress.MessagesOut, Is.EqualTo(_messagesBefore), "nothing sent or published");
            Assert.That(_ingress.Spool.Depth, Is.Zero, "nothing spooled");
            // This request's count, not the fixture's: exactly one rejection with its status, and nothing else.
            Assert.That(_ingress.MeasuredSince(Webhooks, _webhooksBefore),
                Is.EqualTo(new Dictionary<string, long> { [$"outcome=rejected,status={status}"] = 1 }),
                "counted once in leadtracker.ingress.webhooks");
        });

    private async Task<(int Status, string Problem, long ClientSent)> PostThroughTestServerAsync(long size, bool announceLength, string key)
    {
        // TestServer buffers a request body on the client side before the app sees it: only the app's reads count here.
        using var content = new GeneratedContent(size, announceLength);
        using var response = await PostAsync(content, signature: new string('0', 64), idempotencyKey: key);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), content.Produced);
    }

    /// <summary>
    /// HTTP/1.1 by hand over a socket to Kestrel: headers, then the body in 16 KiB pieces (plain or chunked) until the
    /// answer arrives. HttpClient cannot show this: it fails with a broken pipe when the server answers and closes
    /// before the body is sent, and never hands over the answer.
    /// </summary>
    private async Task<(int Status, string Problem, long ClientSent)> RawPostAsync(long size, bool announceLength, string key)
    {
        var server = _http.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var head = "POST /webhooks/kapso HTTP/1.1\r\n" +
            $"Host: {server.Authority}\r\nContent-Type: application/json\r\nX-Webhook-Event: {Received}\r\n" +
            $"X-Webhook-Signature: {new string('0', 64)}\r\nX-Idempotency-Key: {key}\r\n" +
            (announceLength ? $"Content-Length: {size}\r\n" : "Transfer-Encoding: chunked\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        var answer = ReadResponseAsync(stream);
        var piece = new byte[16 * 1024];
        piece.AsSpan().Fill((byte)' ');
        long sent = 0;
        try
        {
            while (sent < size && !answer.IsCompleted)
            {
                if (!announceLength) await stream.WriteAsync(Encoding.ASCII.GetBytes($"{piece.Length:x}\r\n"));
                await stream.WriteAsync(piece);
                if (!announceLength) await stream.WriteAsync("\r\n"u8.ToArray());
                sent += piece.Length;
            }

            if (!announceLength && !answer.IsCompleted) await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        }
        catch (IOException)
        {
            // The server answered and closed the connection while we were still sending: what it should do.
        }

        var (status, problem) = await answer.WaitAsync(TimeSpan.FromSeconds(30));
        return (status, problem, sent);
    }

    /// <summary>Reads one HTTP/1.1 response: status and body (Content-Length or chunked, as Kestrel writes it).</summary>
    private static async Task<(int Status, string Body)> ReadResponseAsync(Stream stream)
    {
        var received = new StringBuilder();
        var buffer = new byte[8192];
        while (true)
        {
            var text = received.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var headers = text[..end].Split("\r\n").Skip(1).Select(h => h.Split(':', 2))
                    .Where(h => h.Length == 2).ToDictionary(h => h[0].Trim(), h => h[1].Trim(), StringComparer.OrdinalIgnoreCase);
                var body = text[(end + 4)..];
                var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
                if (headers.TryGetValue("Content-Length", out var length)
                    && body.Length >= int.Parse(length, System.Globalization.CultureInfo.InvariantCulture))
                {
                    return (status, body);
                }

                if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding == "chunked"
                    && body.EndsWith("0\r\n\r\n", StringComparison.Ordinal))
                {
                    return (status, Unchunk(body));
                }
            }

            var read = await stream.ReadAsync(buffer);
            if (read == 0) throw new IOException("the server closed the connection before its answer was complete: " + text);
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
    }

    private static string Unchunk(string body)
    {
        var text = new StringBuilder();
        var at = 0;
        while (true)
        {
            var line = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[at..line], 16);
            if (size == 0) return text.ToString();
            text.Append(body, line + 2, size);
            at = line + 2 + size + 2;
        }
    }

    private Task<HttpResponseMessage> PostAsync(byte[] body, string? signature, string? eventType = Received,
        string? contentType = "application/json", string? idempotencyKey = null)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return PostAsync(content, signature, eventType, idempotencyKey);
    }

    private async Task<HttpResponseMessage> PostAsync(HttpContent content, string? signature, string? eventType = Received,
        string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/kapso") { Content = content };
        if (signature is not null) request.Headers.TryAddWithoutValidation("X-Webhook-Signature", signature);
        if (eventType is not null) request.Headers.TryAddWithoutValidation("X-Webhook-Event", eventType);
        request.Headers.TryAddWithoutValidation("X-Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString());
        return await _http.SendAsync(request);
    }

    /// <summary>The text fixture with a padding field, exactly <paramref name="size"/> bytes of valid JSON.</summary>
    private static byte[] PaddedTo(int size)
    {
        var json = Encoding.UTF8.GetString(Text).TrimEnd();
        var head = json[..^1] + ",\"padding\":\"";
        const string tail = "\"}";
        var body = Encoding.UTF8.GetBytes(head + new string('x', size - Encoding.UTF8.GetByteCount(head) - tail.Length) + tail);
        Assert.That(body, Has.Length.EqualTo(size));
        return body;
    }

    private static byte[] TinyBatch(int items) => Encoding.UTF8.GetBytes(
        "{\"type\":\"whatsapp.message.received\",\"batch\":true,\"data\":[" + string.Join(',', Enumerable.Repeat("{}", items)) + "]}");

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c) => [.. a, .. b, .. c];

    /// <summary>A body produced on demand, counting how much of it the server actually pulled.</summary>
    private sealed class GeneratedContent(long size, bool announceLength) : HttpContent
    {
        private long _produced;

        public long Produced => Interlocked.Read(ref _produced);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[16 * 1024];
            chunk.AsSpan().Fill((byte)' ');
            while (Produced < size)
            {
                var count = (int)Math.Min(chunk.Length, size - Produced);
                await stream.WriteAsync(chunk.AsMemory(0, count));
                Interlocked.Add(ref _produced, count);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = size;
            return announceLength;
        }
    }
}
