using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LeadTracker.Worker.Leads;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// What an alert says, as the JSON body of its webhook: Standard Webhooks' <c>type</c>, <c>timestamp</c> and
/// <c>data</c> (the lead), and a <c>text</c> that Slack and Mattermost incoming webhooks show as it is. Made once,
/// when the alert is found, and stored: every attempt sends the same bytes.
/// </summary>
internal sealed record AlertBody(
    string Type,
    string Id,
    string Timestamp,
    string Text,
    AlertLead Data)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static AlertBody For(string id, string kind, Lead lead, DateTimeOffset now, Uri? pageUrl)
    {
        var link = pageUrl is null ? null : new Uri(pageUrl, "?lead=" + lead.Id.ToString(CultureInfo.InvariantCulture)).AbsoluteUri;
        var data = new AlertLead(
            lead.Id,
            lead.ProfileName ?? lead.Username,
            lead.PhoneE164 ?? lead.Bsuid,
            lead.Workspace,
            lead.WorkspaceName,
            lead.LastInboundAtIso,
            lead.LastContactAtIso,
            lead.ReplyWindowClosesAtIso,
            link);
        return new AlertBody("lead." + kind, id, Iso(now), Say(kind, lead, now, link), data);
    }

    // Slack asks for &, < and > escaped in text; Mattermost shows the escapes' meaning too. Plain URLs are linked by both.
    private static string Say(string kind, Lead lead, DateTimeOffset now, string? link)
    {
        var who = Escape(lead.ProfileName ?? lead.Username ?? "A lead") + (lead.PhoneE164 is { } phone ? $" ({phone})" : "");
        var where = lead.WorkspaceName ?? lead.Workspace;
        var waited = Duration(now - DateTimeOffset.FromUnixTimeMilliseconds(lead.LastInboundAt ?? now.ToUnixTimeMilliseconds()));
        var closes = DateTimeOffset.FromUnixTimeMilliseconds(lead.ReplyWindowClosesAt ?? 0);
        var window = $"reply window closes {closes.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC (in {Duration(closes - now)})";
        var text = kind == AlertKind.Closing
            ? $"Reply window closing: {who} on {Escape(where)} has waited {waited}; {window}. After that only a template gets through."
            : $"Waiting for an answer: {who} on {Escape(where)} has waited {waited}; {window}.";
        return link is null ? text : $"{text} {link}";
    }

    private static string Duration(TimeSpan span) => span <= TimeSpan.Zero ? "0 min"
        : span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min" : $"{Math.Max(1, (int)span.TotalMinutes)} min";

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>The lead an alert is about, as the body's <c>data</c>: times are ISO-8601 UTC.</summary>
internal sealed record AlertLead(
    long LeadId,
    string? Name,
    string? Phone,
    string Workspace,
    string? WorkspaceName,
    string? LastInboundAt,
    string? LastContactAt,
    string? ReplyWindowClosesAt,
    string? Link);
