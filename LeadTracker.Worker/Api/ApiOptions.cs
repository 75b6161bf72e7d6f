namespace LeadTracker.Worker.Api;

/// <summary>The read API and page, bound from <c>LeadTracker:Api</c> and validated at start.</summary>
internal sealed class ApiOptions
{
    public const string Section = "LeadTracker:Api";

    /// <summary>
    /// Bearer tokens, separated by commas, semicolons or spaces (or as <c>Tokens:0</c>, <c>Tokens:1</c>, …): several,
    /// so a new one can be handed out before the old one is removed. None: the API and the page answer 404.
    /// </summary>
    public string? Tokens { get; set; }

    /// <summary>IANA id of the zone CSV files and the page show times in; JSON always carries UTC.</summary>
    public string TimeZone { get; set; } = "UTC";

    public static bool IsKnownTimeZone(string id) => TimeZoneInfo.TryFindSystemTimeZoneById(id, out _);
}
