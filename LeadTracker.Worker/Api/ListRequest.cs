using System.Globalization;
using LeadTracker.Worker.Leads;

namespace LeadTracker.Worker.Api;

/// <summary>
/// A list request's query string, checked: every value that is present must be right, or the request gets a 400
/// problem naming each wrong parameter (model binding would answer a bare 400 for <c>limit=abc</c>).
/// </summary>
internal sealed class ListRequest
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;
    public const int DefaultDays = 7;
    public const int MaxDays = 36_500;

    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);
    private readonly IQueryCollection _query;

    public ListRequest(HttpRequest request)
    {
        _query = request.Query;
        Limit = Int("limit", DefaultLimit, 1, MaxLimit);
        Workspace = Text("workspace");
        AsCsv = WantsCsv(request);
    }

    public int Limit { get; }

    public string? Workspace { get; }

    public bool AsCsv { get; }

    public IDictionary<string, string[]> Errors => _errors;

    public bool IsValid => _errors.Count == 0;

    public int Days() => Int("days", DefaultDays, 0, MaxDays);

    /// <summary>The closing list's horizon: windows that close within this many hours (1–24, WhatsApp's window).</summary>
    public int Hours() => Int("hours", LeadQueries.DefaultClosingHours, 1, 24);

    /// <summary>The <c>after=</c> cursor, which must come from <paramref name="list"/>.</summary>
    public LeadCursor? After(string list)
    {
        if (Text("after") is not { } text) return null;
        var cursor = ApiCursor.Decode(list, text, out var error);
        if (error is not null) _errors["after"] = [$"after={Cut(text)} {error}."];
        return cursor;
    }

    public string? Text(string name) => _query[name] is { Count: > 0 } values && values[^1] is { Length: > 0 } value ? value : null;

    public void Fail(string name, string message) => _errors[name] = [message];

    private int Int(string name, int fallback, int min, int max)
    {
        if (Text(name) is not { } text) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        Fail(name, $"{name}={Cut(text)} is not allowed: a whole number from {min} to {max}.");
        return fallback;
    }

    private bool WantsCsv(HttpRequest request)
    {
        switch (Text("format")?.ToLowerInvariant())
        {
            case "csv":
                return true;
            case "json":
                return false;
            case { } other:
                Fail("format", $"format={Cut(other)} is not known: json (the default) or csv.");
                return false;
            default:
                return request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));
        }
    }

    private static string Cut(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
