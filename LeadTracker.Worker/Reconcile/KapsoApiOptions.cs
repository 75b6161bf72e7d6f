namespace LeadTracker.Worker.Reconcile;

/// <summary>How to reach Kapso's REST API, bound from <c>LeadTracker:Kapso</c>. The key is a secret: never logged.</summary>
internal sealed class KapsoApiOptions
{
    public const string Section = "LeadTracker:Kapso";

    /// <summary>The project API key (header <c>X-API-Key</c>). Required by <c>reconcile</c>; without it catch-up is off.</summary>
    public string? ApiKey { get; set; }

    public Uri ApiBaseUrl { get; set; } = new("https://api.kapso.ai");

    public const string PlainHttpRefused = "LeadTracker__Kapso__ApiBaseUrl must be an absolute https URL (plain http only to a " +
        "loopback address): the API key travels with every request";

    public bool HasKey => !string.IsNullOrWhiteSpace(ApiKey);

    /// <summary>https, or plain http to this machine only (a local fake or proxy): never the key in clear over a network.</summary>
    public static bool IsSafe(Uri url) =>
        url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback));
}
