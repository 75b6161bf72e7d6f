namespace LeadTracker.Tests.Api;

/// <summary>
/// The lists of <see cref="LeadSeed"/> written out by hand (not from the production queries), for the API, the CSV
/// and the page alike: lead i is contact i + 1 (named "Lead i"), María 32, the formula name 33.
/// Recent: newest activity first, ties by id descending; lead i's activity is its inbound (i % 4 days and a half
/// ago) unless its send is today (even i, i % 5 == 0); María's is her inbound 3 days ago (her later send failed).
/// Stale after 7 days: never contacted first (odd leads and the formula name), then the oldest send: María's
/// 20 days, then 12 days (i = 4, 14, 24), then 9 (i = 8, 18, 28), ties by id ascending.
/// </summary>
internal static class LeadSeedAnswers
{
    public static readonly long[] Recent =
    [
        31, 21, 11, 1,                  // sent to today
        29, 25, 17, 13, 9, 5,           // inbound half a day ago
        30, 26, 22, 18, 14, 10, 6, 2,   // a day and a half
        27, 23, 19, 15, 7, 3,           // two and a half days
        32,                             // María, three days
        28, 24, 20, 16, 12, 8, 4,       // three and a half days
        33,                             // the formula name, 40 days
    ];

    public static readonly long[] StaleAfter7Days =
    [
        2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 33, // never contacted
        32,                                                          // María: 20 days (her last send failed)
        5, 15, 25,                                                   // 12 days
        9, 19, 29,                                                   // 9 days
    ];

    /// <summary>The list path (under /api/leads/) with its hand-written ids, for <c>TestCaseSource</c>.</summary>
    public static IEnumerable<TestCaseData> Lists()
    {
        yield return new TestCaseData("recent", Recent).SetArgDisplayNames("recent");
        yield return new TestCaseData("stale?days=7", StaleAfter7Days).SetArgDisplayNames("stale?days=7");
    }

    /// <summary>The name the page shows for a seed lead.</summary>
    public static string Name(long id) => id switch
    {
        <= LeadSeed.GeneratedLeads => $"Lead {id - 1:00}",
        32 => "María López",
        33 => "=HYPERLINK(\"x\"), Inc",
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "not a seed lead"),
    };
}
