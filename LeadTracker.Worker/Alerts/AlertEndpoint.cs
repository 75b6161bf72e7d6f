using System.Security.Cryptography;
using System.Text;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// A configured receiver as the delivery loop uses it. <see cref="Key"/> names it in the database (a hash of the URL:
/// a Slack webhook URL is itself a secret and stays in the configuration); <see cref="Index"/> and
/// <see cref="Host"/> name it to people.
/// </summary>
internal sealed record AlertEndpoint(int Index, Uri Url, string Secret, string? Workspace)
{
    public string Key { get; } = "ep_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Url.AbsoluteUri)), 0, 8);

    public string Host => Url.IsDefaultPort ? Url.Host : $"{Url.Host}:{Url.Port}";

    /// <summary>Whether alerts about leads of <paramref name="workspace"/> go to this endpoint.</summary>
    public bool Hears(string workspace) => Workspace is null || Workspace == workspace;

    public static IReadOnlyList<AlertEndpoint> From(AlertOptions options) =>
        [.. options.Endpoints.Select((e, i) => new AlertEndpoint(i, new Uri(e.Url!, UriKind.Absolute), e.Secret!,
            string.IsNullOrWhiteSpace(e.Workspace) ? null : e.Workspace.Trim()))];
}
