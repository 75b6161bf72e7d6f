using System.Globalization;

namespace LeadTracker.Worker.Kapso;

/// <summary>
/// An event's time in Unix milliseconds, read liberally from what the sender wrote and clamped to the time the
/// ingress received it when it lies more than <see cref="KapsoEventParser.MaxAheadOfReceipt"/> after that.
/// </summary>
/// <param name="ClampedFromMs">The time the payload claimed, when it was clamped; null when <see cref="Ms"/> is its own.</param>
internal readonly record struct EventTime(long Ms, long? ClampedFromMs)
{
    // Unix seconds beyond year 9999 cannot be a message time; they would also overflow milliseconds.
    private const long MaxUnixSeconds = 253_402_300_799;

    // Milliseconds where seconds were documented: 13 digits or more, which as seconds would lie beyond year 9999.
    private const long MinUnixMilliseconds = 1_000_000_000_000;

    /// <summary>No time in the payload: the time it was received.</summary>
    public static EventTime Received(long receivedAtMs) => new(receivedAtMs, null);

    /// <summary>
    /// A Unix time as Kapso and Meta document it (seconds, as a string) or as senders vary it (a JSON number, a
    /// fraction of a second, milliseconds); null when absent or blank.
    /// </summary>
    /// <exception cref="InvalidKapsoPayloadException">The text is not a Unix time in any of those forms.</exception>
    public static EventTime? Of(string? value, string eventType, string field, long receivedAtMs)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        return ToMs(value.Trim()) is { } ms
            ? Clamp(ms, receivedAtMs)
            : throw new InvalidKapsoPayloadException($"{eventType}: cannot apply: {field} {Quote(value)} is not a Unix time in seconds");
    }

    /// <summary><paramref name="ms"/>, or the receipt when <paramref name="ms"/> is too far after it.</summary>
    public static EventTime Clamp(long ms, long receivedAtMs) =>
        ms > receivedAtMs + (long)KapsoEventParser.MaxAheadOfReceipt.TotalMilliseconds
            ? new EventTime(receivedAtMs, ms)
            : new EventTime(ms, null);

    private static long? ToMs(string text)
    {
        var point = text.IndexOf('.', StringComparison.Ordinal);
        var whole = point < 0 ? text : text[..point];
        var fraction = point < 0 ? "" : text[(point + 1)..];
        if (!long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out var units)
            || (point >= 0 && (fraction.Length == 0 || !fraction.All(char.IsAsciiDigit))))
        {
            return null;
        }

        if (units <= MaxUnixSeconds) return (units * 1000) + Milliseconds(fraction);
        return point < 0 && units is >= MinUnixMilliseconds and <= (MaxUnixSeconds * 1000) + 999 ? units : null;
    }

    private static long Milliseconds(string fraction) =>
        fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(3, '0')[..3], CultureInfo.InvariantCulture);

    private static string Quote(string value) =>
        value.Length <= 64 ? $"'{value}'" : $"'{value[..64]}…' ({value.Length} characters)";
}
