using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Reconcile;

/// <summary>How to reach Kapso's REST API, bound from <c>LeadTracker:Kapso</c>. The key is a secret: never logged.</summary>
internal sealed class KapsoApiOptions
{
    public const string Section = "LeadTracker:Kapso";

    /// <summary>The smallest page cap accepted: a full page of 100 plain messages is far above it.</summary>
    public const int MinPageBytes = 64 * 1024;

    /// <summary>The largest page cap accepted: a page is parsed in memory, so the cap is what one page may cost.</summary>
    public const int MaxPageBytesLimit = 1024 * 1024 * 1024;

    /// <summary>The project API key (header <c>X-API-Key</c>). Required by <c>reconcile</c>; without it catch-up is off.</summary>
    public string? ApiKey { get; set; }

    public Uri ApiBaseUrl { get; set; } = new("https://api.kapso.ai");

    /// <summary>
    /// Most bytes one answer of Kapso's API may have (a page of 100 messages is usually well under 1 MiB): above it
    /// the workspace's run stops with a line naming this setting, instead of buffering whatever a server sends.
    /// </summary>
    public int MaxPageBytes { get; set; } = 16 * 1024 * 1024;

    public const string PlainHttpRefused = "LeadTracker__Kapso__ApiBaseUrl must be an absolute https URL (plain http only to a " +
        "loopback address): the API key travels with every request";

    public const string PageCapOutOfRange = "LeadTracker__Kapso__MaxPageBytes must be between 65536 (64 KiB) and 1073741824 (1 GiB)";

    public bool HasKey => !string.IsNullOrWhiteSpace(ApiKey);

    public bool HasSanePageCap => MaxPageBytes is >= MinPageBytes and <= MaxPageBytesLimit;

    /// <summary>What is wrong with these settings, each naming the value given; none when they hold.</summary>
    public IEnumerable<string> Problems()
    {
        if (!IsSafe(ApiBaseUrl)) yield return $"{PlainHttpRefused} ('{ApiBaseUrl}')";
        if (!HasSanePageCap) yield return $"{PageCapOutOfRange} (not {MaxPageBytes})";
    }

    /// <summary>https, or plain http to this machine only (a local fake or proxy): never the key in clear over a network.</summary>
    public static bool IsSafe(Uri url) =>
        url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback));

    /// <summary>Checks <see cref="Problems"/> wherever the options are read: at the worker's start and in <c>reconcile</c>.</summary>
    internal sealed class Validation : IValidateOptions<KapsoApiOptions>
    {
        public ValidateOptionsResult Validate(string? name, KapsoApiOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
