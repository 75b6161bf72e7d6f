using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LeadTracker.Testing;

/// <summary>
/// Generates unique, signed Kapso v2 webhooks in the shapes of <c>LeadTracker.Tests/Fixtures/Kapso</c> (compact JSON, as sent
/// on the wire): inbound texts, outbound sends, delivered/read receipts for earlier sends, marketing-preference
/// changes and buffered batches of inbound texts, spread over many contacts of one business number.
/// </summary>
public sealed class WebhookGenerator
{
    public const string PhoneNumberId = "110000000000001";

    private static readonly string[] FirstNames =
    [
        "Maria", "Daniel", "Aisha", "Tomás", "Sofia", "Liam", "Chen", "Amara", "Lucas", "Priya", "Noah", "Fatima",
        "Mateo", "Yuki", "Olivia", "Kwame", "Elena", "Omar", "Hannah", "Diego",
    ];

    private static readonly string[] LastNames =
    [
        "Lopez", "Kim", "Rahman", "Pérez", "Rossi", "Murphy", "Wei", "Okafor", "Silva", "Patel", "Cohen", "Haddad",
        "García", "Tanaka", "Smith", "Mensah", "Novak", "Farouk", "Becker", "Ramírez",
    ];

    private static readonly string[] InboundTexts =
    [
        "Hi! Is the 2-bedroom apartment on Elm St still available?",
        "Hello, I saw your ad for the studio downtown",
        "Is parking included?",
        "And are pets allowed? I have a small cat",
        "Could I come by on Saturday morning to see it?",
        "What is the monthly rent including utilities? And how long is the minimum lease term for this one?",
        "Thanks, that works for me 👍",
        "Can you send me more photos of the kitchen and the bathroom please?",
        "Is the deposit refundable if I change my mind before signing?",
        "We are a family of four, would the 3-bedroom on Oak Avenue be better for us?",
    ];

    private static readonly string[] OutboundTexts =
    [
        "Yes, it's available! Would you like to schedule a viewing this week?",
        "Parking is included: one covered spot per unit.",
        "Small pets are welcome with a deposit of $300.",
        "Saturday at 10:00 works. I'll send you the address and the door code the day before.",
        "Rent is $1,850 per month; water and trash are included, electricity is separate.",
        "Here is the brochure with the floor plan and photos of every room.",
    ];

    private readonly string _secret;
    private readonly Random _random;
    private readonly string _runTag;
    private readonly int _phones;
    private readonly Guid[] _conversationIds;
    private readonly Guid[] _contactIds;
    private readonly long _baseUnixSeconds;
    private readonly Queue<SentMessage> _sentWithoutReceipt = new();
    private long _sequence;
    private long _marketingSequence;

    /// <param name="secret">The webhook secret the ingress under test is given.</param>
    /// <param name="phones">How many distinct leads the events are spread over (at most 100,000).</param>
    /// <param name="seed">The same seed gives the same leads and mix; message ids differ in every generator.</param>
    public WebhookGenerator(string secret, int phones, int seed)
    {
        if (phones is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(phones), phones, "1 to 100,000 leads");
        _secret = secret;
        _phones = phones;
        _random = new Random(seed);
        _runTag = Convert.ToHexString(RandomNumberGenerator.GetBytes(6));
        _conversationIds = [.. Enumerable.Range(0, phones).Select(_ => NewGuid())];
        _contactIds = [.. Enumerable.Range(0, phones).Select(_ => NewGuid())];
        _baseUnixSeconds = DateTimeOffset.UtcNow.AddDays(-3).ToUnixTimeSeconds();
        Expectation = new Expectation();
    }

    /// <summary>What the store must hold after every webhook generated so far is applied.</summary>
    public Expectation Expectation { get; }

    /// <summary>The mixed load: per request ~50% received, 25% sent, 15% delivered/read, 5% marketing, 5% batches of 10.</summary>
    public List<Webhook> Mixed(int targetEvents)
    {
        var webhooks = new List<Webhook>(targetEvents);
        var events = 0;
        while (events < targetEvents)
        {
            var webhook = NextMixed(targetEvents - events);
            events += webhook.Events.Count;
            webhooks.Add(webhook);
        }

        return webhooks;
    }

    /// <summary>Exactly <paramref name="requests"/> webhooks of the mixed load (for a run paced in requests per second).</summary>
    public List<Webhook> MixedRequests(int requests)
    {
        var webhooks = new List<Webhook>(requests);
        for (var i = 0; i < requests; i++)
        {
            webhooks.Add(NextMixed(int.MaxValue));
        }

        return webhooks;
    }

    /// <summary>Exactly <paramref name="requests"/> single inbound texts, each from a lead picked at random.</summary>
    public List<Webhook> ReceivedTexts(int requests) =>
        [.. Enumerable.Range(0, requests).Select(_ => Single(Received(PickPhone(), isBatchItem: false)))];

    /// <summary>
    /// Signed webhooks of an event type LeadTracker does not use (row 0, the HTTP limit): the ingress checks the
    /// signature, reads the type, answers 200 and relays nothing. The body is about the size of a received message.
    /// </summary>
    public List<Webhook> Ignored(int requests)
    {
        const string eventType = "whatsapp.phone_number.quality_updated";
        var padding = new string('x', 1_200);
        return [.. Enumerable.Range(0, requests).Select(i =>
        {
            var json = Encoding.UTF8.GetBytes($$"""{"phone_number_id":"{{PhoneNumberId}}","n":{{i}},"note":"{{padding}}"}""");
            return new Webhook(eventType, json, Sign(json), NewGuid().ToString(), 0, [new KapsoEvent(eventType, json)]);
        })];
    }

    /// <summary>Buffered batches of inbound texts only (the backlog load): <paramref name="batchSize"/> events per request.</summary>
    public List<Webhook> Batches(int targetEvents, int batchSize)
    {
        var webhooks = new List<Webhook>((targetEvents / batchSize) + 1);
        for (var events = 0; events < targetEvents; events += batchSize)
        {
            webhooks.Add(ReceivedBatch(Math.Min(batchSize, targetEvents - events)));
        }

        return webhooks;
    }

    private Webhook NextMixed(int remaining)
    {
        var roll = _random.Next(100);
        return roll switch
        {
            < 50 => Single(Received(PickPhone(), isBatchItem: false)),
            < 75 => Single(Sent(PickPhone())),
            < 90 when _sentWithoutReceipt.Count > 0 => Single(Receipt()),
            < 90 => Single(Sent(PickPhone())),
            < 95 => Single(Marketing(PickPhone())),
            _ when remaining >= 10 => ReceivedBatch(10),
            _ => Single(Received(PickPhone(), isBatchItem: false)),
        };
    }

    private int PickPhone() => _random.Next(_phones);

    private Webhook Single(KapsoEvent e)
    {
        Expectation.AddRequest();
        return new Webhook(e.EventType, e.Json, Sign(e.Json), NewGuid().ToString(), 0, [e]);
    }

    private Webhook ReceivedBatch(int size)
    {
        const string eventType = "whatsapp.message.received";
        var phone = PickPhone();
        var items = new List<KapsoEvent>(size);
        for (var i = 0; i < size; i++)
        {
            items.Add(Received(phone, isBatchItem: true));
        }

        var buffer = new ArrayBufferWriter<byte>(items.Sum(e => e.Json.Length) + 256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", eventType);
            w.WriteBoolean("batch", true);
            w.WriteStartArray("data");
            foreach (var item in items)
            {
                w.WriteRawValue(item.Json, skipInputValidation: true);
            }

            w.WriteEndArray();
            w.WriteStartObject("batch_info");
            w.WriteNumber("size", size);
            w.WriteNumber("window_ms", 5000);
            w.WriteNumber("first_sequence", _sequence - size + 1);
            w.WriteNumber("last_sequence", _sequence);
            w.WriteString("conversation_id", _conversationIds[phone]);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        var body = buffer.WrittenSpan.ToArray();
        Expectation.AddRequest();
        return new Webhook(eventType, body, Sign(body), NewGuid().ToString(), size, items);
    }

    /// <summary>One inbound text from lead <paramref name="phone"/> written at <paramref name="at"/> (alerts and the reply window need times relative to now).</summary>
    public Webhook ReceivedAt(int phone, DateTimeOffset at) => Single(Received(phone, isBatchItem: false, at));

    /// <summary>One outbound text (our reply) to lead <paramref name="phone"/> sent at <paramref name="at"/>.</summary>
    public Webhook SentAt(int phone, DateTimeOffset at) => Single(Sent(phone, at));

    /// <summary>Lead <paramref name="phone"/>'s number as the worker stores it.</summary>
    public static string PhoneOf(int phone) => E164(phone);

    private KapsoEvent Received(int phone, bool isBatchItem, DateTimeOffset? sentAt = null)
    {
        var seq = ++_sequence;
        var wamid = Wamid(phone, seq);
        var at = sentAt ?? At(seq);
        var text = InboundTexts[_random.Next(InboundTexts.Length)];
        Expectation.AddMessage();
        return new KapsoEvent("whatsapp.message.received", Write(w =>
        {
            w.WriteStartObject("message");
            w.WriteString("id", wamid);
            w.WriteString("timestamp", at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            w.WriteString("type", "text");
            if (!isBatchItem)
            {
                w.WriteString("from", Digits(phone));
            }

            w.WriteStartObject("text");
            w.WriteString("body", text);
            w.WriteEndObject();
            w.WriteStartObject("kapso");
            w.WriteString("direction", "inbound");
            w.WriteString("status", "received");
            w.WriteString("processing_status", "pending");
            w.WriteString("origin", "cloud_api");
            if (isBatchItem)
            {
                w.WriteString("phone_number", E164(phone));
                w.WriteString("phone_number_id", PhoneNumberId);
            }
            else
            {
                w.WriteBoolean("has_media", false);
                w.WriteString("content", text);
            }

            w.WriteEndObject();
            w.WriteEndObject();
            WriteConversation(w, phone, at, withKapso: !isBatchItem, wamid, text, inbound: true);
            w.WriteBoolean("is_new_conversation", false);
            w.WriteString("phone_number_id", PhoneNumberId);
        }), wamid, E164(phone));
    }

    private KapsoEvent Sent(int phone, DateTimeOffset? sentAt = null)
    {
        var seq = ++_sequence;
        var wamid = Wamid(phone, seq);
        var at = sentAt ?? At(seq);
        var text = OutboundTexts[_random.Next(OutboundTexts.Length)];
        _sentWithoutReceipt.Enqueue(new SentMessage(phone, wamid, at, text));
        Expectation.AddMessage();
        return new KapsoEvent("whatsapp.message.sent", Write(w =>
        {
            WriteOutboundMessage(w, wamid, text, "sent", [("sent", at)], phone);
            WriteConversation(w, phone, at, withKapso: true, wamid, text, inbound: false);
            w.WriteBoolean("is_new_conversation", false);
            w.WriteString("phone_number_id", PhoneNumberId);
        }), wamid, E164(phone));
    }

    private KapsoEvent Receipt()
    {
        var sent = _sentWithoutReceipt.Dequeue();
        var read = _random.Next(3) == 0;
        var eventType = read ? "whatsapp.message.read" : "whatsapp.message.delivered";
        var delivered = sent.At.AddSeconds(3);
        var readAt = sent.At.AddSeconds(70);
        (string, DateTimeOffset)[] statuses = read
            ? [("sent", sent.At), ("delivered", delivered), ("read", readAt)]
            : [("sent", sent.At), ("delivered", delivered)];
        var last = statuses[^1];
        Expectation.AddStatus();
        return new KapsoEvent(eventType, Write(w =>
        {
            WriteOutboundMessage(w, sent.Wamid, sent.Text, last.Item1, statuses, sent.Phone);
            WriteConversation(w, sent.Phone, last.Item2, withKapso: false, sent.Wamid, sent.Text, inbound: false);
            w.WriteBoolean("is_new_conversation", false);
            w.WriteString("phone_number_id", PhoneNumberId);
        }), sent.Wamid, E164(sent.Phone));
    }

    private KapsoEvent Marketing(int phone)
    {
        var sequence = ++_marketingSequence;
        var stopped = _random.Next(2) == 0;
        var at = At(++_sequence);
        var name = Name(phone);
        Expectation.AddMarketing(phone, sequence);
        return new KapsoEvent("whatsapp.contact.marketing_preference_changed", Write(w =>
        {
            w.WriteStartObject("contact");
            w.WriteString("id", _contactIds[phone]);
            w.WriteString("wa_id", Digits(phone));
            w.WriteString("profile_name", name);
            w.WriteString("display_name", name);
            w.WriteString("created_at", Iso(at.AddDays(-1)));
            w.WriteString("updated_at", Iso(at));
            w.WriteEndObject();
            w.WriteStartObject("marketing_preference");
            w.WriteString("status", stopped ? "stopped" : "resumed");
            w.WriteString("previous_status", stopped ? "resumed" : "stopped");
            if (stopped)
            {
                w.WriteString("detail", "User requested to stop marketing messages");
            }
            else
            {
                w.WriteNull("detail");
            }

            w.WriteString("occurred_at", Iso(at));
            w.WriteNumber("sequence", sequence);
            w.WriteEndObject();
            w.WriteString("phone_number_id", PhoneNumberId);
        }), Phone: E164(phone));
    }

    private void WriteOutboundMessage(
        Utf8JsonWriter w, string wamid, string text, string status, (string Status, DateTimeOffset At)[] statuses, int phone)
    {
        w.WriteStartObject("message");
        w.WriteString("id", wamid);
        w.WriteString("timestamp", statuses[^1].At.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        w.WriteString("type", "text");
        w.WriteStartObject("text");
        w.WriteString("body", text);
        w.WriteEndObject();
        w.WriteStartObject("kapso");
        w.WriteString("direction", "outbound");
        w.WriteString("status", status);
        w.WriteString("processing_status", "completed");
        w.WriteString("origin", "cloud_api");
        w.WriteBoolean("has_media", false);
        if (status == "sent")
        {
            w.WriteString("content", text);
        }

        w.WriteStartArray("statuses");
        foreach (var (name, at) in statuses)
        {
            w.WriteStartObject();
            w.WriteString("id", wamid);
            w.WriteString("status", name);
            w.WriteString("timestamp", at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            w.WriteString("recipient_id", Digits(phone));
            w.WriteStartObject("pricing");
            w.WriteBoolean("billable", false);
            w.WriteString("pricing_model", "PMP");
            w.WriteString("category", "service");
            w.WriteString("type", "free_customer_service");
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private void WriteConversation(
        Utf8JsonWriter w, int phone, DateTimeOffset at, bool withKapso, string wamid, string text, bool inbound)
    {
        var created = DateTimeOffset.FromUnixTimeSeconds(_baseUnixSeconds).AddMinutes(-phone % 600);
        w.WriteStartObject("conversation");
        w.WriteString("id", _conversationIds[phone]);
        w.WriteString("phone_number", E164(phone));
        w.WriteString("status", "active");
        w.WriteString("last_active_at", Iso(at));
        w.WriteString("created_at", Iso(created));
        w.WriteString("updated_at", Iso(at));
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteString("phone_number_id", PhoneNumberId);
        if (withKapso)
        {
            w.WriteStartObject("kapso");
            w.WriteString("contact_name", Name(phone));
            w.WriteNumber("messages_count", (_sequence % 40) + 1);
            w.WriteString("last_message_id", wamid);
            w.WriteString("last_message_type", "text");
            w.WriteString("last_message_timestamp", Iso(at));
            w.WriteString("last_message_text", text);
            w.WriteString("last_inbound_at", Iso(inbound ? at : at.AddMinutes(-2)));
            if (inbound)
            {
                w.WriteNull("last_outbound_at");
            }
            else
            {
                w.WriteString("last_outbound_at", Iso(at));
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private string Sign(byte[] body) => KapsoSignature.Sign(body, _secret);

    private Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    // Phones +1 555 01x xxxx: the fictional range the fixtures use, 100,000 of them.
    private static string Digits(int phone) => "155501" + phone.ToString("D5", CultureInfo.InvariantCulture);

    private static string E164(int phone) => "+" + Digits(phone);

    private static string Name(int phone) =>
        FirstNames[phone % FirstNames.Length] + " " + LastNames[(phone / FirstNames.Length) % LastNames.Length];

    // A wamid looks like Meta's: base64 of the recipient and a unique id; ours is unique per run and sequence.
    private string Wamid(int phone, long seq) =>
        "wamid.HBgL" + Convert.ToBase64String(Encoding.ASCII.GetBytes(
            Digits(phone) + "FQIAEhgU" + _runTag + seq.ToString("D10", CultureInfo.InvariantCulture)));

    private DateTimeOffset At(long seq) => DateTimeOffset.FromUnixTimeSeconds(_baseUnixSeconds + (seq / 4));

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private sealed record SentMessage(int Phone, string Wamid, DateTimeOffset At, string Text);
}
