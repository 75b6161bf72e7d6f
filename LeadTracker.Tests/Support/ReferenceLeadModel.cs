using LeadTracker.Worker.Domain;

namespace LeadTracker.Tests.Support;

/// <summary>
/// What the lead database must say after a generated world's events, computed the slow and obvious way from the
/// generator's own facts (which lead each event is about, its times and statuses), with no production code: not the
/// store's ranks (<see cref="MessageStatus.Rank"/>), not its outreach rule, not its identity keys. The rules are
/// docs/architecture.md's, written out once more:
/// <list type="bullet">
/// <item>a message's status is the highest-ranked one any of its events names: sent &lt; delivered &lt; read &lt;
/// played &lt; failed; its time is the earliest any of its events carries;</item>
/// <item>a lead's <c>last_inbound_at</c> is its latest inbound message; its <c>last_contact_at</c> its latest
/// outbound message that did not end <c>failed</c> (a delivered or read receipt proves the send as much as
/// <c>sent</c>: docs/kapso.md, the parser's outreach rule); <c>last_activity_at</c> the later of the two;</item>
/// <item>its profile name is the one of the latest event that carries one (ties: the larger name, ordinal);</item>
/// <item>its marketing status is the one with the highest sequence.</item>
/// </list>
/// </summary>
internal static class ReferenceLeadModel
{
    /// <summary>The order statuses move in, written out here rather than read from the code under test.</summary>
    private static readonly string[] StatusOrder = ["received", "sent", "delivered", "read", "played", "failed"];

    public sealed record MessageState(string Lead, string Status, long OccurredAtMs, bool Outbound);

    public sealed record PersonState(long? LastInboundAt, long? LastContactAt, long? LastActivityAt, string? ProfileName,
        string? MarketingStatus);

    /// <summary>Every message's final status and time, by wamid.</summary>
    public static Dictionary<string, MessageState> Messages(IEnumerable<(string Lead, LeadEvent Event)> events)
    {
        var messages = new Dictionary<string, MessageState>(StringComparer.Ordinal);
        foreach (var (lead, e) in events)
        {
            if (e.Message is not { } m) continue;
            var outbound = m.Direction == Direction.Outbound;
            if (!messages.TryGetValue(m.Wamid, out var seen))
            {
                messages[m.Wamid] = new MessageState(lead, m.Status.Name, m.OccurredAtMs, outbound);
                continue;
            }

            messages[m.Wamid] = seen with
            {
                Status = Rank(m.Status.Name) > Rank(seen.Status) ? m.Status.Name : seen.Status,
                OccurredAtMs = Math.Min(seen.OccurredAtMs, m.OccurredAtMs),
            };
        }

        return messages;
    }

    /// <summary>Every lead's fields, by the key the generator gave it.</summary>
    public static Dictionary<string, PersonState> People(IReadOnlyList<(string Lead, LeadEvent Event)> events)
    {
        var messages = Messages(events);
        var people = new Dictionary<string, PersonState>(StringComparer.Ordinal);
        foreach (var lead in events.Select(e => e.Lead).Distinct())
        {
            var own = events.Where(e => e.Lead == lead).Select(e => e.Event).ToList();
            var mine = messages.Values.Where(m => m.Lead == lead).ToList();
            var inbound = mine.Where(m => !m.Outbound).Select(m => (long?)m.OccurredAtMs).Max();
            var contact = mine.Where(m => m.Outbound && m.Status != "failed").Select(m => (long?)m.OccurredAtMs).Max();
            var name = own.Where(e => e.Contact?.ProfileName is not null)
                .OrderByDescending(e => e.Contact!.ObservedAtMs)
                .ThenByDescending(e => e.Contact!.ProfileName, StringComparer.Ordinal)
                .Select(e => e.Contact!.ProfileName).FirstOrDefault();
            var marketing = own.Where(e => e.Marketing is not null).OrderByDescending(e => e.Marketing!.Sequence)
                .Select(e => e.Marketing!.Status).FirstOrDefault();
            people[lead] = new PersonState(inbound, contact, Later(inbound, contact), name, marketing);
        }

        return people;
    }

    private static int Rank(string status) => Array.IndexOf(StatusOrder, status) is var i and >= 0
        ? i
        : throw new ArgumentException($"the generator made a status the model does not know: {status}", nameof(status));

    private static long? Later(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
