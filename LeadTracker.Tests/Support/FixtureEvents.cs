using LeadTracker.Contracts;
using LeadTracker.Ingress;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;

namespace LeadTracker.Tests.Support;

/// <summary>Domain events as the worker gets them from fixtures, and every order of a set of them.</summary>
internal static class FixtureEvents
{
    /// <summary>The fixture split as the ingress splits it, each event parsed as the worker parses it.</summary>
    public static List<LeadEvent> Of(string file, DateTimeOffset receivedAt) =>
        Relayed(KapsoFixtures.Get(file), receivedAt)
            .SelectMany(e => KapsoEventParser.Parse(e.EventType, e.Payload, receivedAt))
            .ToList();

    /// <summary>The events the ingress relays for the fixture, with its headers (the ignored types dropped).</summary>
    public static IEnumerable<IKapsoEvent> Relayed(KapsoFixture fixture, DateTimeOffset receivedAt) =>
        WebhookBatch.Split(fixture.Body, fixture.Headers.GetValueOrDefault("X-Webhook-Event"),
                fixture.Headers.GetValueOrDefault("X-Webhook-Batch"), fixture.Headers.GetValueOrDefault("X-Idempotency-Key"), receivedAt)
            .Where(e => e.EventType.Stream != EventStream.Ignored);

    public static IEnumerable<T[]> Permutations<T>(T[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }

        for (var i = 0; i < items.Length; i++)
        {
            var rest = items.Where((_, j) => j != i).ToArray();
            foreach (var tail in Permutations(rest)) yield return [items[i], .. tail];
        }
    }
}
