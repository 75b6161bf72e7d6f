using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadTracker.Contracts;

/// <summary>
/// An event's payload inside the broker message: written as the exact bytes Kapso signed (no second encoding, no
/// re-escaping, so even an escaped lone surrogate reaches the worker as it was signed), read back as a
/// <see cref="JsonElement"/> over those bytes. A JSON string holding the payload (the wire before this converter)
/// is read as the JSON it holds.
/// </summary>
public sealed class RawJsonConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) return JsonElement.ParseValue(ref reader);
        using var legacy = JsonDocument.Parse(reader.GetString() ?? "null");
        return legacy.RootElement.Clone();
    }

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) =>
        writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(value), skipInputValidation: true);
}
