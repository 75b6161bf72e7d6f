namespace LeadTracker.Worker.Leads;

/// <summary>
/// Where a page of a list ended: the last row's sort key and id. The next page starts strictly after it, so a
/// lead is returned once however the list is cut, and rows written meanwhile never shift the pages.
/// </summary>
internal sealed record LeadCursor(long Key, long Id);

/// <summary>The lists the API pages through; each sorts by one key, ties broken by id.</summary>
internal enum LeadView
{
    Stale,
    FollowUp,
    Recent,
    Search,
    Closing,
}

internal static class LeadViewKeys
{
    /// <summary>The sort key of <paramref name="lead"/> in <paramref name="view"/>, as its SQL orders it.</summary>
    public static LeadCursor CursorAfter(this LeadView view, Lead lead) => new(view switch
    {
        LeadView.Stale => lead.LastContactAt ?? 0,
        LeadView.FollowUp or LeadView.Closing => lead.LastInboundAt ?? 0,
        LeadView.Recent or LeadView.Search => lead.LastActivityAt ?? 0,
        _ => throw new ArgumentOutOfRangeException(nameof(view), view, null),
    }, lead.Id);
}
