namespace LeadTracker.Worker.Domain;

/// <summary>
/// The click-to-WhatsApp ad or page button that brought a lead: Meta's <c>referral</c> on their message
/// (<c>source_type</c> ad or post, <c>source_id</c>, <c>source_url</c>, the ad's headline and text, <c>ctwa_clid</c>
/// for Meta's Conversions API). A lead's source is the one on its earliest message (docs/reply-window.md).
/// </summary>
internal sealed record LeadSource
{
    public string? Type { get; init; }
    public string? Id { get; init; }
    public string? Url { get; init; }
    public string? Headline { get; init; }
    public string? Body { get; init; }
    public string? MediaType { get; init; }
    public string? ImageUrl { get; init; }
    public string? CtwaClid { get; init; }
}
