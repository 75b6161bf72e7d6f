namespace LeadTracker.Worker.Leads;

/// <summary>How many leads each question has (the page's tab counts).</summary>
internal sealed record LeadCounts(long Stale, long FollowUp, long Recent, long Closing);
