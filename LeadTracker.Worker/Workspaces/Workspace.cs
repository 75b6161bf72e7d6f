using LeadTracker.Worker.Leads;

namespace LeadTracker.Worker.Workspaces;

/// <summary>A business phone number (Kapso's <c>phone_number_id</c>), its name and how many leads it has.</summary>
internal sealed record Workspace
{
    public required string PhoneNumberId { get; init; }
    /// <summary>Set with <c>workspaces rename</c>; null until someone names it.</summary>
    public string? Name { get; init; }
    public long Leads { get; init; }
    public long CreatedAt { get; init; }
    public string CreatedAtIso => UtcTime.Iso(CreatedAt)!;
}
