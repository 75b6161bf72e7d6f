using Dapper;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// The whole product, real parts only: signed Kapso fixtures over HTTP into the ingress process, through a real
/// RabbitMQ, into the worker process and a real SQLite file. The rows are what a business would query.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class PipelineTests
{
    private const string Maria = "+15550100123";
    private const string Daniel = "+15550100145";
    private const string Aisha = "+15550100167";
    private const string MariasReply = "wamid.HBgLMTU1NTAxMDAxMjMVAgASGBQzRUIwRkFLRTAwMDAwMDAwMDAwMwA=";
    private const string DanielsFailedMessage = "wamid.HBgLMTU1NTAxMDAxNDUVAgASGBQzRUIwRkFLRTAwMDAwMDAwMDAwNAA=";

    // 13 message events (the min fixture repeats the text message's wamid), 2 contact events.
    private const int MessageWritesPerRound = 13;
    private const int ContactWritesPerRound = 2;

    [Test]
    public async Task Every_fixture_posted_through_the_pipeline_gives_the_expected_leads()
    {
        await using var system = await LeadTrackerSystem.StartAsync("pipeline");

        await PostAllAsync(system, KapsoFixtures.All);
        await WaitForRoundsAsync(system, 1);

        using var db = system.OpenDatabase();
        var maria = db.QuerySingle<ContactRow>("SELECT * FROM contacts WHERE phone_e164 = @Maria", new { Maria });
        var mariasIdentities = db.Query<string>("SELECT identity FROM contact_identities WHERE contact_id = @Id", new { maria.Id });
        var daniel = db.QuerySingle<ContactRow>("SELECT * FROM contacts WHERE phone_e164 = @Daniel", new { Daniel });
        var aisha = db.QuerySingle<ContactRow>("SELECT * FROM contacts WHERE phone_e164 = @Aisha", new { Aisha });

        Assert.Multiple(() =>
        {
            Assert.That(db.ExecuteScalar<long>("SELECT COUNT(*) FROM contacts"), Is.EqualTo(5), "Maria, Daniel, Aisha, Tomás, Sofia (from an ad)");
            Assert.That(db.ExecuteScalar<long>("SELECT COUNT(*) FROM messages"), Is.EqualTo(11));

            // Maria: one contact although her image carried digits only and a business-scoped id.
            Assert.That(mariasIdentities, Is.EquivalentTo(new[]
            {
                "phone:" + Maria, "bsuid:US.10000000000000000123", "bsuid:US.10000000000000000987",
            }));
            Assert.That(maria.Bsuid, Is.EqualTo("US.10000000000000000987"));
            Assert.That(maria.Username, Is.EqualTo("@marialopez"));
            Assert.That(maria.ProfileName, Is.EqualTo("Maria Lopez"));
            Assert.That(maria.LastContactAt, Is.EqualTo(1_768_471_500_000), "from the sent message");
            Assert.That(maria.LastActivityAt, Is.EqualTo(1_768_471_500_000), "the latest of her messages: our reply");
            Assert.That(maria.LastInboundAt, Is.EqualTo(1_768_471_290_000), "her image");
            Assert.That(db.ExecuteScalar<string>("SELECT status FROM messages WHERE wamid = @MariasReply", new { MariasReply }),
                Is.EqualTo("read"));

            // Daniel: a failed send is stored as failed and is not outreach; he stopped marketing.
            Assert.That(db.ExecuteScalar<string>("SELECT status FROM messages WHERE wamid = @DanielsFailedMessage",
                new { DanielsFailedMessage }), Is.EqualTo("failed"));
            Assert.That(db.ExecuteScalar<string>("SELECT error FROM messages WHERE wamid = @DanielsFailedMessage",
                new { DanielsFailedMessage }), Does.StartWith("131047"));
            Assert.That(daniel.LastContactAt, Is.Null);
            Assert.That(daniel.MarketingStatus, Is.EqualTo("stopped"));

            // Aisha: three batched messages are three rows; the Business App reply counts as outreach.
            Assert.That(db.ExecuteScalar<long>("SELECT COUNT(*) FROM messages WHERE contact_id = @Id AND direction = 'inbound'",
                new { aisha.Id }), Is.EqualTo(3));
            Assert.That(aisha.LastContactAt, Is.EqualTo(1_768_494_000_000));
            Assert.That(aisha.LastInboundAt, Is.EqualTo(1_768_485_606_000));
        });

        var once = LeadRows.Snapshot(db);
        await PostAllAsync(system, KapsoFixtures.All.Reverse());
        await PostAllAsync(system, KapsoFixtures.All);
        await WaitForRoundsAsync(system, 3);
        Assert.That(LeadRows.Snapshot(system.OpenDatabase()), Is.EqualTo(once), "posting everything twice more changes nothing");
    }

    [Test]
    public async Task Fixtures_posted_in_reverse_order_give_the_same_rows_as_in_order()
    {
        await using var forward = await LeadTrackerSystem.StartAsync("forward");
        await using var reverse = await LeadTrackerSystem.StartAsync("reverse");

        await PostAllAsync(forward, KapsoFixtures.All);
        await PostAllAsync(reverse, KapsoFixtures.All.Reverse());
        await WaitForRoundsAsync(forward, 1);
        await WaitForRoundsAsync(reverse, 1);

        Assert.That(LeadRows.Snapshot(reverse.OpenDatabase()), Is.EqualTo(LeadRows.Snapshot(forward.OpenDatabase())));
    }

    [Test]
    public async Task Bad_signature_malformed_json_and_oversized_bodies_get_their_status_and_store_nothing()
    {
        await using var system = await LeadTrackerSystem.StartAsync("rejects");
        var text = KapsoFixtures.Get("kapso-message-received-text.json");

        using var badSignature = KapsoFixtures.Request(text, text.Body, secret: "not-the-secret");
        using var notJson = KapsoFixtures.Request(text, "{\"message\": "u8.ToArray());
        using var oversized = KapsoFixtures.Request(text, new byte[1024 * 1024 + 1]);

        Assert.Multiple(async () =>
        {
            Assert.That((int)(await system.Http.SendAsync(badSignature)).StatusCode, Is.EqualTo(401));
            Assert.That((int)(await system.Http.SendAsync(notJson)).StatusCode, Is.EqualTo(400));
            Assert.That((int)(await system.Http.SendAsync(oversized)).StatusCode, Is.EqualTo(413));
        });

        // A good event behind them: once it is stored, anything the rejects had published would be stored too.
        using var good = KapsoFixtures.Request(KapsoFixtures.Get("kapso-message-sent-business-app.json"));
        Assert.That((int)(await system.Http.SendAsync(good)).StatusCode, Is.EqualTo(200));
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") == 1, TimeSpan.FromSeconds(30), "the good event");
        Assert.That(system.Count("SELECT COUNT(*) FROM messages WHERE direction = 'inbound'"), Is.Zero);
    }

    private static async Task PostAllAsync(LeadTrackerSystem system, IEnumerable<KapsoFixture> fixtures)
    {
        foreach (var fixture in fixtures)
        {
            using var request = KapsoFixtures.Request(fixture);
            using var response = await system.Http.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.EqualTo(200), $"{fixture.File}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Every event is logged once by the worker after its commit: count those lines, not time.</summary>
    private static Task WaitForRoundsAsync(LeadTrackerSystem system, int rounds) =>
        system.WaitUntilAsync(() =>
                system.Worker.Output.Count(l => l.Contains("[Kapso Sync]", StringComparison.Ordinal) && l.Contains(" message ", StringComparison.Ordinal)) >= MessageWritesPerRound * rounds
                && system.Worker.Output.Count(l => l.Contains("[Kapso Sync] contact", StringComparison.Ordinal)) >= ContactWritesPerRound * rounds,
            TimeSpan.FromSeconds(60), $"{rounds} round(s) of fixtures in the worker log");

    private sealed record ContactRow
    {
        public long Id { get; init; }
        public string? Bsuid { get; init; }
        public string? Username { get; init; }
        public string? ProfileName { get; init; }
        public string? MarketingStatus { get; init; }
        public long? LastActivityAt { get; init; }
        public long? LastContactAt { get; init; }
        public long? LastInboundAt { get; init; }
    }
}
