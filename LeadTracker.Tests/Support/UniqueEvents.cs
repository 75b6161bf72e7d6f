using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;

namespace LeadTracker.Tests.Support;

/// <summary>One generated inbound message: its WhatsApp id, the lead who wrote it, and the signed body.</summary>
internal sealed record UniqueEvent(string Wamid, string Phone, string IdempotencyKey, byte[] Body)
{
    public const string EventType = "whatsapp.message.received";

    /// <summary>A signed POST exactly as Kapso sends a single (unbuffered) v2 event.</summary>
    public HttpRequestMessage ToRequest() => UniqueEvents.Request(Body, EventType, IdempotencyKey);

    public override string ToString() => Wamid;
}

/// <summary>
/// Realistic, never-repeating Kapso v2 <c>whatsapp.message.received</c> bodies, the shape of
/// <c>Fixtures/Kapso/kapso-message-received-text.json</c>: a unique wamid per event, leads spread over a fixed set
/// of phone numbers on workspace <see cref="PhoneNumberId"/>, message times moving forward a second at a time.
/// </summary>
internal sealed class UniqueEvents
{
    public const string PhoneNumberId = "110000000000001";

    private static readonly string[] Texts =
    [
        "Hi! Is the 2-bedroom apartment on Elm St still available?",
        "Can I book a viewing for Saturday morning?",
        "What is the monthly rent including utilities?",
        "Are pets allowed? I have a small dog.",
        "Thanks, I'll send the documents tonight.",
        "Is parking included?",
    ];

    // 2026-01-15T10:00:00Z, the fixture's time.
    private const long FirstSecond = 1_768_471_200;

    private readonly int _contacts;
    private readonly string _run;
    private int _next;

    /// <param name="contacts">How many distinct leads the events are spread over.</param>
    public UniqueEvents(int contacts = 200)
    {
        if (contacts is < 1 or > 10_000) throw new ArgumentOutOfRangeException(nameof(contacts));
        _contacts = contacts;
        // Unique per generator, so two streams in one database never share a wamid.
        _run = Convert.ToHexString(Guid.NewGuid().ToByteArray(), 0, 3);
    }

    public IReadOnlyList<UniqueEvent> Take(int count) => Enumerable.Range(0, count).Select(_ => Next()).ToArray();

    public UniqueEvent Next()
    {
        var n = Interlocked.Increment(ref _next) - 1;
        var phone = "1555010" + (n % _contacts).ToString("D4", CultureInfo.InvariantCulture); // +1 555-010-0000 …
        var stanza = "3EB0" + _run + n.ToString("X10", CultureInfo.InvariantCulture);         // 20 characters, as WhatsApp's
        var wamid = Wamid(phone, stanza);
        var second = FirstSecond + n;
        var at = DateTimeOffset.FromUnixTimeSeconds(second).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var text = Texts[n % Texts.Length];
        var conversationId = new Guid(Hash(phone)).ToString();

        var body = new JsonObject
        {
            ["message"] = new JsonObject
            {
                ["id"] = wamid,
                ["timestamp"] = second.ToString(CultureInfo.InvariantCulture),
                ["type"] = "text",
                ["from"] = phone,
                ["text"] = new JsonObject { ["body"] = text },
                ["kapso"] = new JsonObject
                {
                    ["direction"] = "inbound",
                    ["status"] = "received",
                    ["processing_status"] = "pending",
                    ["origin"] = "cloud_api",
                    ["has_media"] = false,
                    ["content"] = text,
                },
            },
            ["conversation"] = new JsonObject
            {
                ["id"] = conversationId,
                ["phone_number"] = "+" + phone,
                ["status"] = "active",
                ["last_active_at"] = at,
                ["created_at"] = at,
                ["updated_at"] = at,
                ["metadata"] = new JsonObject(),
                ["phone_number_id"] = PhoneNumberId,
                ["kapso"] = new JsonObject
                {
                    ["contact_name"] = "Lead " + phone[^4..],
                    ["messages_count"] = n / _contacts + 1,
                    ["last_message_id"] = wamid,
                    ["last_message_type"] = "text",
                    ["last_message_timestamp"] = at,
                    ["last_message_text"] = text,
                    ["last_inbound_at"] = at,
                    ["last_outbound_at"] = null,
                },
            },
            ["is_new_conversation"] = n < _contacts,
            ["phone_number_id"] = PhoneNumberId,
        };

        return new UniqueEvent(wamid, "+" + phone, Guid.NewGuid().ToString(), Encoding.UTF8.GetBytes(body.ToJsonString()));
    }

    /// <summary>A body for an arbitrary event type (a poison event, say), signed with the test secret.</summary>
    public static HttpRequestMessage Request(byte[] body, string eventType, string idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/kapso") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("X-Webhook-Event", eventType);
        request.Headers.TryAddWithoutValidation("X-Webhook-Payload-Version", "v2");
        request.Headers.TryAddWithoutValidation("X-Idempotency-Key", idempotencyKey);
        request.Headers.TryAddWithoutValidation("X-Webhook-Signature", KapsoFixtures.Sign(body));
        return request;
    }

    /// <summary>
    /// Starts posting <paramref name="events"/> through the ingress, <paramref name="concurrency"/> at a time, in
    /// order of the list; returns at once. The <see cref="WebhookDelivery"/> records every answer as it comes.
    /// </summary>
    /// <param name="perSecond">Paced like real traffic: event i is not sent before i / perSecond seconds;
    /// null sends as fast as the ingress answers.</param>
    public static WebhookDelivery Send(HttpClient http, IReadOnlyList<UniqueEvent> events, int concurrency = 16,
        int? perSecond = null)
    {
        var delivery = new WebhookDelivery(events);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var started = -1;
        delivery.Completion = Task.Run(() => Parallel.ForEachAsync(events,
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (e, token) =>
            {
                var due = TimeSpan.FromSeconds((double)Interlocked.Increment(ref started) / (perSecond ?? int.MaxValue));
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, token);
                try
                {
                    using var request = e.ToRequest();
                    using var response = await http.SendAsync(request, token);
                    var outcome = response.IsSuccessStatusCode ? OutcomeOf(await response.Content.ReadAsStringAsync(token)) : null;
                    delivery.Record(e, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), response.IsSuccessStatusCode, outcome);
                }
                catch (Exception x) when (x is HttpRequestException or TaskCanceledException)
                {
                    delivery.Record(e, x.GetType().Name, accepted: false);
                }
            }));
        return delivery;
    }

    /// <summary>The ingress says how it kept an accepted event: <c>{"accepted":1,…,"outcome":"published"|"spooled"}</c>.</summary>
    private static string OutcomeOf(string answer)
    {
        try
        {
            using var json = JsonDocument.Parse(answer);
            return json.RootElement.TryGetProperty("outcome", out var outcome) ? outcome.GetString() ?? "?" : "?";
        }
        catch (JsonException)
        {
            return "?";
        }
    }

    // WhatsApp's wamid is base64 of a small protobuf: the counterpart's number and the message's stanza id.
    private static string Wamid(string phone, string stanza)
    {
        var bytes = new List<byte> { 0x1C, 0x18, (byte)phone.Length };
        bytes.AddRange(Encoding.ASCII.GetBytes(phone));
        bytes.AddRange([0x15, 0x02, 0x00, 0x12, 0x18, (byte)stanza.Length]);
        bytes.AddRange(Encoding.ASCII.GetBytes(stanza));
        bytes.Add(0x00);
        return "wamid." + Convert.ToBase64String(bytes.ToArray());
    }

    // One conversation per lead, the same id every time.
    private static ReadOnlySpan<byte> Hash(string text) => System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16);
}

/// <summary>A stream of webhooks in flight, and what the ingress answered for each (thread-safe, live).</summary>
internal sealed class WebhookDelivery(IReadOnlyList<UniqueEvent> events)
{
    private readonly ConcurrentDictionary<string, UniqueEvent> _accepted = new();
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly ConcurrentDictionary<string, int> _outcomes = new();
    private int _completed;

    public IReadOnlyList<UniqueEvent> Events { get; } = events;

    /// <summary>Answered so far (any status, or a transport error).</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Answered 2xx: the ingress promised not to lose these.</summary>
    public IReadOnlyCollection<UniqueEvent> Accepted => _accepted.Values.ToArray();

    /// <summary>How many got each answer: "200", "503", "HttpRequestException", ….</summary>
    public IReadOnlyDictionary<string, int> Answers => _answers;

    /// <summary>How the ingress kept the accepted ones: "published" (RabbitMQ confirmed) or "spooled".</summary>
    public IReadOnlyDictionary<string, int> Outcomes => _outcomes;

    public Task Completion { get; internal set; } = Task.CompletedTask;

    public string AnswerSummary => Summary(_answers);

    public string OutcomeSummary => Summary(_outcomes);

    /// <summary>Several finished streams counted as one.</summary>
    public static WebhookDelivery Combine(params WebhookDelivery[] deliveries)
    {
        var all = new WebhookDelivery(deliveries.SelectMany(d => d.Events).ToArray());
        foreach (var d in deliveries)
        {
            foreach (var e in d.Accepted) all._accepted[e.Wamid] = e;
            foreach (var (answer, n) in d.Answers) all._answers.AddOrUpdate(answer, n, (_, m) => m + n);
            foreach (var (outcome, n) in d.Outcomes) all._outcomes.AddOrUpdate(outcome, n, (_, m) => m + n);
            Interlocked.Add(ref all._completed, d.Completed);
        }

        return all;
    }

    internal void Record(UniqueEvent e, string answer, bool accepted, string? outcome = null)
    {
        if (accepted) _accepted[e.Wamid] = e;
        _answers.AddOrUpdate(answer, 1, (_, n) => n + 1);
        if (outcome is not null) _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _completed);
    }

    /// <summary>Waits until at least <paramref name="count"/> webhooks are answered (or all of them are).</summary>
    public async Task WaitForAnswersAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Completed < Math.Min(count, Events.Count))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"only {Completed} of {count} webhooks answered within {timeout} ({AnswerSummary})");
            if (Completion.IsFaulted) await Completion;
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until every webhook is answered.</summary>
    public async Task FinishAsync(TimeSpan timeout)
    {
        try
        {
            await Completion.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"only {Completed} of {Events.Count} webhooks answered within {timeout} ({AnswerSummary})");
        }
    }
    private static string Summary(ConcurrentDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}×{a.Value}"));
}

/// <summary>
/// What was accepted against what is in SQLite. Lost: answered 2xx but absent from <c>messages</c>. Doubled: more rows
/// than unique message ids (the UNIQUE index makes that 0 by construction), plus rows this stream never sent, plus
/// leads split into more than one contact.
/// </summary>
internal sealed record FaultTally(string Fault, int Events, int Accepted, int Stored, int Lost, int Doubled,
    long Rows, long DistinctWamids, long Contacts, int DistinctPhones, long MisdatedContacts)
{
    public string Line => $"[fault] {Fault}: events={Events} accepted={Accepted} stored={Stored} lost={Lost} doubled={Doubled}";

    public static FaultTally Take(string fault, LeadTrackerSystem system, WebhookDelivery delivery)
    {
        var sent = delivery.Events.ToDictionary(e => e.Wamid);
        var accepted = delivery.Accepted.Select(e => e.Wamid).ToHashSet(StringComparer.Ordinal);

        using var db = system.OpenDatabase();
        var rows = db.ExecuteScalar<long>("SELECT COUNT(*) FROM messages");
        var distinct = db.ExecuteScalar<long>("SELECT COUNT(DISTINCT wamid) FROM messages");
        var wamids = db.Query<string>("SELECT wamid FROM messages").ToHashSet(StringComparer.Ordinal);
        var contacts = db.ExecuteScalar<long>("SELECT COUNT(*) FROM contacts");
        // Redeliveries and replays must not move a lead's times: each is its newest stored inbound message's.
        var misdated = db.ExecuteScalar<long>("""
            SELECT COUNT(*) FROM contacts c
            WHERE c.last_inbound_at IS NOT (SELECT MAX(m.occurred_at) FROM messages m
                                            WHERE m.contact_id = c.id AND m.direction = 'inbound')
            """);

        var stored = wamids.Count(sent.ContainsKey);
        var lost = accepted.Count(w => !wamids.Contains(w));
        var strangers = wamids.Count(w => !sent.ContainsKey(w));
        var phones = wamids.Where(sent.ContainsKey).Select(w => sent[w].Phone).Distinct(StringComparer.Ordinal).Count();
        var split = (int)Math.Max(0, contacts - phones);
        var doubled = (int)(rows - distinct) + strangers + split;

        return new FaultTally(fault, sent.Count, accepted.Count, stored, lost, doubled, rows, distinct, contacts, phones, misdated);
    }

    public FaultTally Print()
    {
        TestContext.Out.WriteLine(Line);
        TestContext.Out.WriteLine($"        rows={Rows} distinct-wamids={DistinctWamids} contacts={Contacts} distinct-phones={DistinctPhones} " +
                                  $"misdated-contacts={MisdatedContacts}");
        return this;
    }
}
