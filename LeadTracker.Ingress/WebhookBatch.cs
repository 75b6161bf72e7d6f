using System.Diagnostics;
using System.Text.Json;
using System.Text.Unicode;
using LeadTracker.Contracts;

namespace LeadTracker.Ingress;

/// <summary>
/// Splits a verified webhook body into single events. A buffered batch (<c>X-Webhook-Batch: true</c> or
/// <c>"batch": true</c>) is <c>{ "type", "data": [...] }</c> with one event per item; anything else is one event.
/// What each event is comes from the signed bytes (<see cref="SignedEventType"/>): the unsigned
/// <c>X-Webhook-Event</c> header only names a body whose shape names nothing, which no parser can apply. Each event
/// leaves as its stream's contract with its row resolved (<see cref="IKapsoEvent.Create"/>) and its payload as the
/// signed bytes. Parses no deeper than that: the worker owns the payloads.
/// </summary>
internal static class WebhookBatch
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <param name="maxEvents">Most items a batch may carry (<see cref="IngressOptions.MaxEventsPerWebhook"/>).</param>
    /// <exception cref="JsonException">The body is not a JSON object in valid UTF-8 (or a batch without a data array).</exception>
    /// <exception cref="TooManyEventsException">A batch with more than <paramref name="maxEvents"/> items.</exception>
    public static IReadOnlyList<IKapsoEvent> Split(ReadOnlyMemory<byte> body, string? eventHeader, string? batchHeader,
        string? idempotencyKey, DateTimeOffset receivedAt, int maxEvents = int.MaxValue)
    {
        // A UTF-8 byte-order mark before the JSON is harmless, but not JSON: read and relay what follows it. (The
        // signature was already checked over the bytes as received, mark included.)
        if (body.Span.StartsWith(Utf8ByteOrderMark)) body = body[Utf8ByteOrderMark.Length..];

        // JsonDocument checks UTF-8 only when a string is read. Unchecked, an invalid byte would be relayed as U+FFFD
        // (the worker would not see the bytes that were signed) or fail a batch item's GetRawText with a 500.
        if (!Utf8.IsValid(body.Span)) throw new JsonException("the body is not valid UTF-8");

        using var document = JsonDocument.Parse(body, Options);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("the body is not a JSON object");

        // Split runs inside the webhook request: its span (ASP.NET Core's activity) is each event's trace parent.
        var traceParent = Activity.Current?.Id;
        var header = KapsoEventTypes.Find(eventHeader?.Trim());
        var isBatch = string.Equals(batchHeader, "true", StringComparison.OrdinalIgnoreCase)
            || (root.TryGetProperty("batch", out var batch) && batch.ValueKind == JsonValueKind.True);
        if (!isBatch)
        {
            // The exact bytes Kapso sent (after any byte-order mark), not a re-serialization: the worker sees what was signed.
            // Cloned: the document and the request's pooled buffer are gone once the webhook is answered.
            return [IKapsoEvent.Create(TypeOf(root, EnvelopeType(root) ?? header), idempotencyKey, root.Clone(), receivedAt, traceParent)];
        }

        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw new JsonException("a batch body needs a data array");
        if (data.GetArrayLength() > maxEvents) throw new TooManyEventsException(data.GetArrayLength(), maxEvents);

        // For a batch the signed "type" wins over the header; each item's own shape wins over both.
        var batchType = KapsoEventTypes.Find(SignedEventType.StringOf(root, "type")) ?? header;
        var events = new List<IKapsoEvent>(data.GetArrayLength());
        var index = 0;
        foreach (var item in data.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) throw new JsonException($"batch item {index} is not a JSON object");
            var key = idempotencyKey is null ? null : $"{idempotencyKey}#{index}";
            events.Add(IKapsoEvent.Create(TypeOf(item, batchType), key, item.Clone(), receivedAt, traceParent));
            index++;
        }

        return events;
    }

    /// <param name="fallback">For a body whose shape names nothing: a signed envelope type, else the header's.</param>
    private static KapsoEventType TypeOf(JsonElement e, KapsoEventType? fallback) => SignedEventType.Of(e) ?? fallback ?? KapsoEventTypes.Ignored;

    /// <summary>A single body's own <c>"type"</c> or <c>"event"</c> field, when it names a known type.</summary>
    private static KapsoEventType? EnvelopeType(JsonElement root) =>
        KapsoEventTypes.Find(SignedEventType.StringOf(root, "type")) ?? KapsoEventTypes.Find(SignedEventType.StringOf(root, "event"));
}
