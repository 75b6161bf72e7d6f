using System.Globalization;
using System.Text.Json.Serialization;
using LeadTracker.Worker.Domain;

namespace LeadTracker.Worker.Leads;

/// <summary>
/// One row of a lead query: who, and when we last heard from and wrote to them (Unix ms, UTC), each time also as
/// ISO-8601 UTC for readers that do not want to convert. The CLI's <c>--json</c> and the read API print this same
/// object.
/// </summary>
internal sealed record Lead
{
    public long Id { get; init; }
    public required string Workspace { get; init; }
    /// <summary>The workspace's name, set with <c>workspaces rename</c>; null until someone names it.</summary>
    public string? WorkspaceName { get; init; }
    public string? ProfileName { get; init; }
    public string? PhoneE164 { get; init; }
    public string? Bsuid { get; init; }
    public string? Username { get; init; }
    public string? MarketingStatus { get; init; }
    public long? LastActivityAt { get; init; }
    public string? LastActivityAtIso => UtcTime.Iso(LastActivityAt);
    public long? LastContactAt { get; init; }
    public string? LastContactAtIso => UtcTime.Iso(LastContactAt);
    public long? LastInboundAt { get; init; }
    public string? LastInboundAtIso => UtcTime.Iso(LastInboundAt);

    /// <summary>
    /// Until when we may write freely: WhatsApp's customer service window closes 24 h after their latest message
    /// (our own messages never extend it). Null when they never wrote. docs/reply-window.md.
    /// </summary>
    public long? ReplyWindowClosesAt => ReplyWindow.ClosesAt(LastInboundAt);
    public string? ReplyWindowClosesAtIso => UtcTime.Iso(ReplyWindowClosesAt);

    /// <summary>Our latest send refused with error 131047 (window closed); stored, shown as <see cref="NeedsTemplate"/>.</summary>
    [JsonIgnore]
    public long? TemplateRequiredAt { get; init; }

    /// <summary>A free-form send failed because the window had closed, and they have not written since.</summary>
    public bool NeedsTemplate => TemplateRequiredAt > (LastInboundAt ?? 0);

    /// <summary>The ad or page button that brought them (the referral on their earliest message); null: none seen.</summary>
    public LeadSource? Source => SourceId is null && SourceUrl is null ? null : new LeadSource
    {
        Type = SourceType, Id = SourceId, Url = SourceUrl, Headline = SourceHeadline, Body = SourceBody,
        MediaType = SourceMediaType, ImageUrl = SourceImageUrl, CtwaClid = SourceCtwaClid,
    };

    /// <summary>When the message that carried <see cref="Source"/> was sent.</summary>
    public long? SourceAt { get; init; }
    public string? SourceAtIso => UtcTime.Iso(SourceAt);

    // The source's columns, as Dapper reads them; shown as Source.
    [JsonIgnore] public string? SourceType { get; init; }
    [JsonIgnore] public string? SourceId { get; init; }
    [JsonIgnore] public string? SourceUrl { get; init; }
    [JsonIgnore] public string? SourceHeadline { get; init; }
    [JsonIgnore] public string? SourceBody { get; init; }
    [JsonIgnore] public string? SourceMediaType { get; init; }
    [JsonIgnore] public string? SourceImageUrl { get; init; }
    [JsonIgnore] public string? SourceCtwaClid { get; init; }
}

/// <summary>WhatsApp's customer service window: free-form messages only within 24 h of the lead's latest message.</summary>
internal static class ReplyWindow
{
    public const long LengthMs = 24 * 60 * 60 * 1000;

    /// <summary>When the window of a lead whose latest message was at <paramref name="lastInboundAt"/> closes.</summary>
    public static long? ClosesAt(long? lastInboundAt) => lastInboundAt + LengthMs;
}

/// <summary>Unix milliseconds as ISO-8601 UTC (<c>2026-01-15T10:05:00.000Z</c>).</summary>
internal static class UtcTime
{
    public static string? Iso(long? unixMs) => unixMs is { } ms
        ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
        : null;
}
