using System.Globalization;
using System.Text.RegularExpressions;

namespace LeadTracker.Worker.Reconcile;

/// <summary>The times <c>reconcile</c> takes: an ISO-8601 instant, or a duration back from now (<c>90m</c>, <c>6h</c>, <c>2d</c>).</summary>
internal static partial class ReconcileTime
{
    public const string Help = "an ISO-8601 time such as 2026-01-15T10:00:00Z, or a duration back from now such as 90m, 6h or 2d";

    /// <summary>An instant: ISO-8601 (UTC unless it has an offset), or now minus a duration.</summary>
    public static bool TryParseInstant(string? text, DateTimeOffset now, out DateTimeOffset instant)
    {
        instant = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        if (TryParseDuration(text, out var back))
        {
            instant = now - back;
            return true;
        }

        return IsoDate().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);
    }

    /// <summary>A whole number of seconds, minutes, hours, days or weeks: <c>45s</c>, <c>90m</c>, <c>6h</c>, <c>2d</c>, <c>1w</c>; <c>0</c> is none.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (text?.Trim() == "0") return true;
        var match = text is null ? Match.Empty : Duration().Match(text.Trim());
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return false;

        var unit = match.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            "d" => TimeSpan.FromDays(1),
            _ => TimeSpan.FromDays(7),
        };
        // Ten years is more than Kapso keeps; larger numbers are typos (and would overflow).
        if (n > 3653 * TimeSpan.TicksPerDay / unit.Ticks) return false;
        duration = TimeSpan.FromTicks(n * unit.Ticks);
        return true;
    }

    [GeneratedRegex(@"^(\d{1,9})([smhdw])$")]
    private static partial Regex Duration();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex IsoDate();
}
