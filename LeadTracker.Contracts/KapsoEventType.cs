using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadTracker.Contracts;

/// <summary>One row of <see cref="KapsoEventTypes.Known"/>: a Kapso event type and what it means.</summary>
/// <param name="Name">Kapso's name for it (<c>whatsapp.message.read</c>): metric label, log field, broker header and
/// the event's <c>eventType</c> on the wire.</param>
/// <param name="Stream">The queue it goes to.</param>
/// <param name="Kind">Which parser reads it.</param>
/// <param name="Status">For a message event, its status name (<c>received</c>, <c>sent</c>, …); otherwise null.</param>
/// <param name="Direction">For a message event, which way it went; otherwise null.</param>
[JsonConverter(typeof(KapsoEventTypeJsonConverter))]
public sealed record KapsoEventType(string Name, EventStream Stream, KapsoEventKind Kind, string? Status = null,
    KapsoDirection? Direction = null);

/// <summary>
/// On the wire a row is its name; read back it is the row again (<see cref="KapsoEventTypes.Named"/>), so the worker
/// receives the type the ingress resolved and never looks at the string.
/// </summary>
public sealed class KapsoEventTypeJsonConverter : JsonConverter<KapsoEventType>
{
    public override KapsoEventType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        KapsoEventTypes.Named(reader.GetString());

    public override void Write(Utf8JsonWriter writer, KapsoEventType value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Name);
}
