using System.Text.Json.Nodes;
using Dapper;
using LeadTracker.Tests.Api;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Leads;

namespace LeadTracker.Tests;

/// <summary>
/// Lead source (docs/reply-window.md): the click-to-WhatsApp referral on a lead's earliest message, from a real
/// sample (Meta's documented example in Kapso's message shape, kapso-message-received-referral.json), kept in
/// any order of events, shown by the API and CSV, found by its source_id, and counted per source.
/// </summary>
[TestFixture]
public sealed class LeadSourceTests
{
    private const string Fixture = "kapso-message-received-referral.json";
    private const string AdId = "120226305854810726";
    private static readonly DateTimeOffset ReceivedAt = new(2026, 1, 15, 16, 0, 5, TimeSpan.Zero);

    [Test]
    public void The_real_sample_parses_into_its_referral()
    {
        var referral = FixtureEvents.Of(Fixture, ReceivedAt).Single().Message!.Referral;

        Assert.That(referral, Is.EqualTo(new LeadSource
        {
            Type = "ad",
            Id = AdId,
            Url = "https://fb.me/3cr4Wqqkv",
            Headline = "Chat with us",
            Body = "Summer succulents are here!",
            MediaType = "image",
            ImageUrl = "https://scontent.xx.fbcdn.net/v/t45.1...",
            CtwaClid = "Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTzcchptiErTKCqTrJ5nW1h7IHYeYymGb5K5J5iTROpBhWAGaIAeUzHL50",
        }));
    }

    [Test]
    public async Task The_source_is_the_referral_of_the_earliest_message_whatever_order_they_arrive_in()
    {
        var sample = FixtureEvents.Of(Fixture, ReceivedAt).Single();
        var at = sample.Message!.OccurredAtMs;
        // A later click on another ad, and a plain message in between: neither replaces the first source.
        var events = new[]
        {
            sample,
            With(sample, "wamid.second-ad", at + 3_600_000, sample.Message.Referral! with { Id = "999", Headline = "Another ad" }),
            With(sample, "wamid.plain", at + 60_000, null),
        };

        foreach (var order in FixtureEvents.Permutations(events))
        {
            using var db = new TempDatabase();
            foreach (var e in order) await db.Store().ApplyAsync([e], CancellationToken.None);
            var lead = OnlyLead(db);

            Assert.That(lead.Source?.Id, Is.EqualTo(AdId), string.Join(", ", order.Select(e => e.Message!.Wamid)));
            Assert.That(lead.SourceAt, Is.EqualTo(at));
            Assert.That(lead.Source!.Headline, Is.EqualTo("Chat with us"));
        }
    }

    [Test]
    public async Task An_earlier_message_with_another_referral_arriving_late_becomes_the_source_and_a_merge_keeps_it()
    {
        var sample = FixtureEvents.Of(Fixture, ReceivedAt).Single();
        var at = sample.Message!.OccurredAtMs;
        using var db = new TempDatabase();
        await db.Store().ApplyAsync([sample], CancellationToken.None);
        var earlier = With(sample, "wamid.earlier-post", at - 60_000, new LeadSource { Type = "post", Id = "555", Url = "https://fb.me/post" });
        // The earlier message reaches the lead by its business-scoped id only; the sample's wamid links the two.
        var byBsuid = earlier with { Contact = new ContactFact { Bsuid = "US.77", ObservedAtMs = at - 60_000 } };
        var link = sample with { Contact = sample.Contact! with { Bsuid = "US.77" } };

        await db.Store().ApplyAsync([byBsuid], CancellationToken.None);
        await db.Store().ApplyAsync([link], CancellationToken.None);

        Assert.That(OnlyLead(db).Source?.Id, Is.EqualTo("555"));
    }

    [Test]
    public void Searching_by_source_goes_through_its_index()
    {
        using var db = new TempDatabase();
        using var connection = db.Connections.Open();
        var plan = string.Join("\n", connection.Query<(long, long, long, string Detail)>(
            "EXPLAIN QUERY PLAN " + LeadQueries.SearchBySourceSql,
            new { source = AdId, workspace = (string?)null, limit = 10, afterKey = 1L, afterId = 1L }).Select(s => s.Detail));

        Assert.That(plan, Does.Contain("USING INDEX ix_contacts_source"), plan);
        Assert.That(plan, Does.Not.Match(@"SCAN c\b"), plan);
    }

    [Test]
    public async Task The_api_finds_leads_by_source_counts_them_per_source_and_shows_the_source_in_json_and_csv()
    {
        using var db = new TempDatabase();
        await db.Store().ApplyAsync([.. FixtureEvents.Of(Fixture, ReceivedAt), .. FixtureEvents.Of("kapso-message-received-text.json", ReceivedAt)],
            CancellationToken.None);
        await using var api = await LeadApiHost.StartAsync(db.ConnectionString);

        var found = JsonNode.Parse(await api.Http.GetStringAsync($"/api/leads?source={AdId}"))!["leads"]!.AsArray();
        var none = JsonNode.Parse(await api.Http.GetStringAsync("/api/leads?source=123"))!["leads"]!.AsArray();
        var counts = JsonNode.Parse(await api.Http.GetStringAsync("/api/leads/counts"))!;
        var maria = JsonNode.Parse(await api.Http.GetStringAsync("/api/leads?search=Maria"))!["leads"]![0]!;
        using var csv = await api.Http.GetAsync($"/api/leads?source={AdId}&format=csv");
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n");

        Assert.Multiple(() =>
        {
            Assert.That(found.Select(l => (string?)l!["profileName"]), Is.EqualTo(new[] { "Sofia Reyes" }));
            Assert.That((string?)found[0]!["source"]!["ctwaClid"], Does.StartWith("Aff-n8ZT"));
            Assert.That((string?)found[0]!["sourceAtIso"], Is.EqualTo("2026-01-15T16:00:00.000Z"));
            Assert.That(none, Is.Empty);
            Assert.That(maria["source"], Is.Null, "she did not come from an ad");
            Assert.That(counts["bySource"]!.ToJsonString(),
                Is.EqualTo($$"""[{"sourceType":"ad","sourceId":"{{AdId}}","headline":"Chat with us","leads":1}]"""));
            Assert.That(lines[0], Does.EndWith(",source_type,source_id,source_headline,source_url,source_ctwa_clid"));
            Assert.That(lines[1], Does.Contain($",ad,{AdId},Chat with us,https://fb.me/3cr4Wqqkv,Aff-n8ZT"));
        });
    }

    private static LeadEvent With(LeadEvent sample, string wamid, long at, LeadSource? referral) => sample with
    {
        Message = sample.Message! with { Wamid = wamid, OccurredAtMs = at, Referral = referral, Body = "more" },
        Contact = sample.Contact! with { ObservedAtMs = at },
    };

    private static Lead OnlyLead(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        var id = connection.QuerySingle<long>("SELECT id FROM contacts");
        return new LeadQueries(db.Connections).Find(id)!;
    }
}
