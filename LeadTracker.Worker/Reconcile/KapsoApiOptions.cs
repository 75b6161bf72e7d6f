namespace LeadTracker.Worker.Reconcile;

/// <summary>How to reach Kapso's REST API, bound from <c>LeadTracker:Kapso</c>. The key is a secret: never logged.</summary>
internal sealed class KapsoApiOptions
{
    public const string Section = "LeadTracker:Kapso";

    /// <summary>The project API key (header <c>X-API-Key</c>). Required by <c>reconcile</c>; without it catch-up is off.</summary>
    public string? ApiKey { get; set; }

    public Uri ApiBaseUrl { get; set; } = new("https://api.kapso.ai");

    public bool HasKey => !string.IsNullOrWhiteSpace(ApiKey);
}
