using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;

namespace LeadTracker.Tests.Api;

/// <summary>
/// A database with enough leads for paging to matter: two workspaces, leads that share timestamps (so the id
/// tie-break is exercised), never-contacted leads, a named and a user-named lead, and a failed send.
/// </summary>
internal static class LeadSeed
{
    public const string ShopA = "110000000000001";
    public const string ShopB = "110000000000002";
    public const int GeneratedLeads = 31;

    public static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static readonly long Day = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    public static async Task<TempDatabase> CreateAsync()
    {
        var db = new TempDatabase();
        var now = Now.ToUnixTimeMilliseconds();
        var events = new List<LeadEvent>();
        for (var i = 0; i < GeneratedLeads; i++)
        {
            var phone = $"+1555020{i:0000}";
            var shop = i % 3 == 0 ? ShopB : ShopA;
            // Few distinct times, many leads per time: pages must cut inside a group of equal keys.
            events.Add(Message($"in-{i}", shop, phone, $"Lead {i:00}", Direction.Inbound, now - (i % 4) * Day - Day / 2, "hello"));
            if (i % 2 == 0) events.Add(Message($"out-{i}", shop, phone, null, Direction.Outbound, now - (i % 5) * 3 * Day, "hi, how can we help?"));
        }

        // Maria: a name with an accent, a username, our answer failed (so she still waits), then a reply to an old one.
        events.Add(Message("maria-1", ShopA, "+15550100123", "María López", Direction.Inbound, now - 3 * Day,
            "Is the 2-bedroom apartment on Elm St still available?", username: "maria.lopez"));
        events.Add(Message("maria-2", ShopA, "+15550100123", null, Direction.Outbound, now - 20 * Day, "Welcome!"));
        events.Add(Message("maria-3", ShopA, "+15550100123", null, Direction.Outbound, now - 2 * Day, "Yes, it is."));
        events.Add(Message("maria-3", ShopA, "+15550100123", null, Direction.Outbound, now - 2 * Day, null,
            status: MessageStatus.Failed, error: "131047: Re-engagement message") with { EventType = "whatsapp.message.failed" });
        // A name that a spreadsheet would run as a formula, with a comma and quotes to escape.
        events.Add(Message("evil-1", ShopB, "+15550100999", "=HYPERLINK(\"x\"), Inc", Direction.Inbound, now - 40 * Day, "test"));

        await db.Store().ApplyAsync(events, CancellationToken.None);
        return db;
    }

    private static LeadEvent Message(string wamid, string shop, string phone, string? name, Direction direction, long at,
        string? body, string? username = null, MessageStatus? status = null, string? error = null) =>
        TextMessages.Of(wamid, phone, name, direction, at, shop, status, error, body: body, username: username);
}
