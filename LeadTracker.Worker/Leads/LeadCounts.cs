namespace LeadTracker.Worker.Leads;

/// <summary>How many leads each question has (the page's tab counts), and how many each ad or button brought.</summary>
internal sealed record LeadCounts(long Stale, long FollowUp, long Recent, long Closing)
{
    public IReadOnlyList<SourceCount> BySource { get; init; } = [];
}

/// <summary>The leads one source brought: its type (ad or post), id and headline.</summary>
/// <remarks>Properties, not a constructor: Dapper matches a constructor by column types, which SQLite cannot report for an empty result.</remarks>
internal sealed record SourceCount
{
    public string? SourceType { get; init; }
    public required string SourceId { get; init; }
    public string? Headline { get; init; }
    public long Leads { get; init; }
}
