using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadTracker.Contracts;

/// <summary>
/// One Kapso message or conversation event (<c>whatsapp.message.*</c>, <c>whatsapp.conversation.*</c>, or a raw
/// Meta forward), relayed by the ingress exactly as Kapso signed it.
/// </summary>
public sealed record KapsoMessageEvent : IKapsoEvent
{
    public required KapsoEventType EventType { get; init; }

    public string? IdempotencyKey { get; init; }

    // "payloadJson": the member's name since it was an escaped string, which RawJsonConverter still reads (a
    // message queued or parked in _error before the upgrade).
    [JsonPropertyName("payloadJson")]
    [JsonConverter(typeof(RawJsonConverter))]
    public required JsonElement Payload { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public string? TraceParent { get; init; }
}
