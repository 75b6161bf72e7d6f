namespace LeadTracker.Worker.Leads;

/// <summary>One row of a lead query: who, and when we last heard from and wrote to them (Unix ms, UTC).</summary>
internal sealed record Lead
{
    public long Id { get; init; }
    public required string Workspace { get; init; }
    public string? ProfileName { get; init; }
    public string? PhoneE164 { get; init; }
    public string? Bsuid { get; init; }
    public string? Username { get; init; }
    public string? MarketingStatus { get; init; }
    public long? LastActivityAt { get; init; }
    public long? LastContactAt { get; init; }
    public long? LastInboundAt { get; init; }
}
