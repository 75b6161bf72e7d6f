using System.Diagnostics;
using System.Text.Json;
using System.Text.Unicode;
using System.Text;
using LeadTracker.Contracts;
using LeadTracker.Ingress.Relay;

namespace LeadTracker.Ingress;

/// <summary>
/// Splits a verified webhook body into single events. A buffered batch (<c>X-Webhook-Batch: true</c> or
/// <c>"batch": true</c>) is <c>{ "type", "data": [...] }</c> with one event per item; anything else is one event
/// whose type is the <c>X-Webhook-Event</c> header. Parses no deeper than that: the worker owns the payloads.
/// </summary>
internal static class WebhookBatch
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <exception cref="JsonException">The body is not a JSON object in valid UTF-8 (or a batch without a data array).</exception>
    public static IReadOnlyList<RelayedEvent> Split(ReadOnlyMemory<byte> body, string? eventHeader, string? batchHeader,
        string? idempotencyKey, DateTimeOffset receivedAt)
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
        var isBatch = string.Equals(batchHeader, "true", StringComparison.OrdinalIgnoreCase)
            || (root.TryGetProperty("batch", out var batch) && batch.ValueKind == JsonValueKind.True);
        if (!isBatch)
        {
            var type = EventTypeOf(eventHeader, root);
            // The exact bytes Kapso sent (after any byte-order mark), not a re-serialization: the worker sees what was signed.
            return [new RelayedEvent(EventStreams.Of(type), type, idempotencyKey, Encoding.UTF8.GetString(body.Span), receivedAt)
                { TraceParent = traceParent }];
        }

        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw new JsonException("a batch body needs a data array");

        var batchType = EventTypeOf(eventHeader, root);
        var events = new List<RelayedEvent>(data.GetArrayLength());
        var index = 0;
        foreach (var item in data.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) throw new JsonException($"batch item {index} is not a JSON object");
            var key = idempotencyKey is null ? null : $"{idempotencyKey}#{index}";
            events.Add(new RelayedEvent(EventStreams.Of(batchType), batchType, key, item.GetRawText(), receivedAt) { TraceParent = traceParent });
            index++;
        }

        return events;
    }

    private static string EventTypeOf(string? header, JsonElement root)
    {
        if (!string.IsNullOrWhiteSpace(header)) return header.Trim();
        if (root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String) return StringOf(type, "type");
        if (root.TryGetProperty("event", out var name) && name.ValueKind == JsonValueKind.String) return StringOf(name, "event");
        // Kapso's "meta" kind forwards Meta's own payload, which carries no event name at all.
        if (root.TryGetProperty("object", out var obj) && obj.ValueKind == JsonValueKind.String
            && StringOf(obj, "object") == "whatsapp_business_account")
        {
            return EventStreams.MetaForward;
        }

        return "unknown";
    }

    /// <summary>An escaped lone surrogate (<c>"\ud800"</c>) is valid JSON but no string: GetString throws InvalidOperationException.</summary>
    private static string StringOf(JsonElement value, string property)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException($"\"{property}\" is not a valid string: {e.Message}", e);
        }
    }
}
