using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadTracker.Tests.Api;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// The disaster drill, automated, with the real processes, broker and CLI: a stream of signed webhooks (inbound,
/// outbound with delivered/read/failed statuses, a profile rename, a marketing change) part A; <c>backup</c> while
/// the worker runs; part B; the worker stopped and the database deleted as a dead disk would leave it; <c>restore</c>;
/// the worker started again; <c>reconcile --since</c> the backup's time minus 10 minutes against a fake Kapso API
/// that holds A and B. The rows must equal a run where nothing was lost, except what Kapso's API cannot give back:
/// a contact's <c>marketing_status</c> and <c>marketing_sequence</c> changed after the backup (docs/backups.md).
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class DisasterDrillTests
{
    private const string MarketingLeadPhone = "+15550200001";

    [Test]
    public async Task After_a_dead_disk_restore_and_catch_up_give_back_every_row_but_a_later_marketing_change()
    {
        await using var api = await FakeKapsoApi.StartAsync();
        var scenario = new CatchUpScenario(DateTimeOffset.UtcNow);
        foreach (var (id, conversation) in scenario.Conversations) api.StoreConversation(id, conversation);
        var half = scenario.Happenings.Count / 2;
        var partA = scenario.Happenings.Take(half).Select(h => (Func<HttpRequestMessage>)h.ToRequest).ToList();
        var partB = scenario.Happenings.Skip(half).Select(h => (Func<HttpRequestMessage>)h.ToRequest).Append(MarketingStopped).ToList();
        foreach (var happening in scenario.Happenings) api.Store(CatchUpScenario.PhoneNumberId, happening.ApiItem, happening.StoredAt);

        string nothingLost;
        await using (var reference = await LeadTrackerSystem.StartAsync("drill-reference"))
        {
            await PostAsync(reference, [.. partA, .. partB]);
            nothingLost = LeadRows.Snapshot(reference.OpenDatabase());
        }

        await using var system = await LeadTrackerSystem.StartAsync("drill");
        await PostAsync(system, partA);
        var backups = Path.Combine(system.Folder, "backups");
        var backup = await WorkerCli.RunAsync(system.DatabasePath, "backup", "--to", backups, "--json");
        Assert.That(backup.Exit, Is.Zero, backup.Error);
        using var taken = JsonDocument.Parse(backup.Output);
        var file = taken.RootElement.GetProperty("path").GetString()!;
        var takenAt = taken.RootElement.GetProperty("takenAt").GetDateTimeOffset();
        await PostAsync(system, partB, alreadyApplied: partA.Count);

        var underWorker = await WorkerCli.RunAsync(system.DatabasePath, "restore", "--from", file);
        await system.Worker.StopAsync(TimeSpan.FromSeconds(30));
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(system.DatabasePath + suffix);

        var clock = Stopwatch.StartNew();
        var restore = await WorkerCli.RunAsync(system.DatabasePath, "restore", "--from", file);
        var restoreTime = clock.Elapsed;
        Assert.That(restore.Exit, Is.Zero, restore.Error);
        var restored = system.Count("SELECT COUNT(*) FROM messages");
        await system.RestartWorkerAsync();
        clock.Restart();
        var since = (takenAt - TimeSpan.FromMinutes(10)).ToString("O", CultureInfo.InvariantCulture);
        var (code, summary, error) = await ReconcileCli.RunAsync(system.DatabasePath, api.BaseUrl, FakeKapsoApi.ApiKey, "--since", since, "--json");
        var catchUpTime = clock.Elapsed;
        Assert.That(code, Is.Zero, error);

        var recovered = LeadRows.Snapshot(system.OpenDatabase());
        var differences = Differences(nothingLost, recovered);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"webhooks: part A {partA.Count}, part B {partB.Count}; backup: {backup.Output.Trim()}; rows after restore: {restored} messages; " +
            $"restore {restoreTime.TotalSeconds:F1} s, catch-up {catchUpTime.TotalSeconds:F1} s: {summary}; " +
            $"messages {system.Count("SELECT COUNT(*) FROM messages")} of {scenario.Happenings.Select(h => h.ApiItem["id"]!.ToString()).Distinct().Count()}; " +
            $"not recovered: {string.Join("; ", differences)}"));
        Assert.Multiple(() =>
        {
            Assert.That(underWorker.Exit, Is.EqualTo(1), "restore refused while the worker ran");
            Assert.That(underWorker.Error, Does.Contain("a worker is running on it"));
            Assert.That(restored, Is.LessThan(system.Count("SELECT COUNT(*) FROM messages")), "part B came back by catch-up, not by the backup");
            Assert.That(recovered.Split('\n'), Has.Length.EqualTo(nothingLost.Split('\n').Length), "the same contacts and messages");
            Assert.That(differences, Is.EqualTo(new[]
            {
                $"{MarketingLeadPhone} field 5: 'stopped' became '-'",
                $"{MarketingLeadPhone} field 6: '7' became '-'",
            }), "only the marketing change made after the backup is lost");
        });
    }

    /// <summary>Lead 1 stops marketing messages: a contact event Kapso's message API has no trace of.</summary>
    private static HttpRequestMessage MarketingStopped()
    {
        var fixture = KapsoFixtures.Get("kapso-contact-marketing-preference-changed.json");
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["contact"] = new JsonObject
            {
                ["id"] = "8ddcf3f5-27a8-48d0-bfd1-000000000001",
                ["wa_id"] = MarketingLeadPhone.TrimStart('+'),
                ["profile_name"] = "Lead 1",
                ["display_name"] = "Lead 1",
                ["updated_at"] = now,
            },
            ["marketing_preference"] = new JsonObject
            {
                ["status"] = "stopped", ["previous_status"] = null, ["detail"] = "User requested to stop marketing messages",
                ["occurred_at"] = now, ["sequence"] = 7,
            },
            ["phone_number_id"] = CatchUpScenario.PhoneNumberId,
        };
        return UniqueEvents.Request(Encoding.UTF8.GetBytes(body.ToJsonString()), fixture.EventType, Guid.NewGuid().ToString());
    }

    /// <summary>Posts each webhook (200 expected) and waits until the worker has applied them all.</summary>
    private static async Task PostAsync(LeadTrackerSystem system, List<Func<HttpRequestMessage>> webhooks, int alreadyApplied = 0)
    {
        foreach (var webhook in webhooks)
        {
            using var request = webhook();
            using var response = await system.Http.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        }

        var expected = alreadyApplied + webhooks.Count;
        await system.WaitUntilAsync(() => system.Worker.CountLines("[Kapso Sync]") >= expected, TimeSpan.FromSeconds(60),
            $"{expected} webhooks applied");
    }

    /// <summary>Each contact field that differs (LeadRows.Snapshot's columns: phone 0, bsuid 1, username 2, wa_id 3,
    /// profile_name 4, marketing_status 5, marketing_sequence 6, the three lead times 7–9, identities 10), as "phone field N: 'was' became 'is'"; a differing message row in full.</summary>
    private static List<string> Differences(string expected, string actual)
    {
        var differences = new List<string>();
        foreach (var (want, got) in expected.Split('\n').Zip(actual.Split('\n')))
        {
            if (want == got) continue;
            var (w, g) = (want.Split('|'), got.Split('|'));
            if (w.Length != 11 || g.Length != 11 || w[0] != g[0])
            {
                differences.Add($"row '{want}' became '{got}'");
                continue;
            }

            for (var i = 0; i < w.Length; i++)
                if (w[i] != g[i]) differences.Add($"{w[0]} field {i}: '{w[i]}' became '{g[i]}'");
        }

        return differences;
    }
}
