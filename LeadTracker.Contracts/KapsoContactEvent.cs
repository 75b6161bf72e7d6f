using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadTracker.Contracts;

/// <summary>
/// One Kapso contact event (<c>whatsapp.contact.*</c>, or a legacy <c>contact.updated</c>), relayed as signed.
/// The same members as <see cref="KapsoMessageEvent"/>, on its own queue so operators see each stream.
/// </summary>
public sealed record KapsoContactEvent : IKapsoEvent
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
