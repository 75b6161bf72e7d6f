using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Alerts;
using LeadTracker.Worker.Domain;
using Microsoft.Extensions.Logging.Abstractions;
using static LeadTracker.Tests.Alerts.AlertLeadEvents;

namespace LeadTracker.Tests.Alerts;

/// <summary>
/// Which alerts the scan writes (docs/alerts.md): a waiting lead past WaitingAfter, a window closing within
/// ClosingWithin; none for a lead we answered, none once the window closed; one per crossing however often it scans;
/// and its query is a range of the follow-up index, like the lists.
/// </summary>
[TestFixture]
public sealed class AlertScanTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly AlertOptions Options = new()
    {
        Endpoints =
        {
            new AlertEndpointOptions { Url = "http://127.0.0.1:9/all", Secret = "whsec_" + Convert.ToBase64String(new byte[32]) },
            new AlertEndpointOptions { Url = "http://127.0.0.1:9/other", Secret = "whsec_" + Convert.ToBase64String(new byte[32]), Workspace = "999" },
        },
        WaitingAfter = TimeSpan.FromMinutes(30),
        ClosingWithin = TimeSpan.FromHours(2),
        PageUrl = new Uri("https://leads.example.test/"),
    };

    [Test]
    public async Task Due_leads_get_one_alert_per_kind_and_crossing_and_none_when_answered_or_closed()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        await store.ApplyAsync(
        [
            TheyWrote("+15550700001", "w.a", Now.AddMinutes(-40), "Ana <VIP>"),   // waiting
            TheyWrote("+15550700002", "w.b1", Now.AddHours(-23.5)),              // waiting and closing (30 min left)
            TheyWrote("+15550700002", "w.b0", Now.AddHours(-23.9)),              // an earlier one, arriving late
            TheyWrote("+15550700003", "w.c", Now.AddHours(-23)),                 // answered
            WeWrote("+15550700003", "w.c-reply", Now.AddHours(-22)),
            TheyWrote("+15550700004", "w.d", Now.AddHours(-25)),                 // window closed
            TheyWrote("+15550700005", "w.e", Now.AddMinutes(-10)),               // not waited long enough yet
        ], CancellationToken.None);

        var scan = new AlertScan(db.Connections, NullLogger.Instance);
        var endpoints = AlertEndpoint.From(Options);
        var first = scan.Run(Now, Options, endpoints, new HashSet<string>());
        var again = scan.Run(Now, Options, endpoints, new HashSet<string>()) + scan.Run(Now.AddMinutes(5), Options, endpoints, new HashSet<string>());

        using var connection = db.Connections.Open();
        var alerts = connection.Query<(string Id, string Kind, string Wamid, string Body)>(
            "SELECT id, kind, inbound_wamid, body FROM alerts ORDER BY inbound_wamid, kind").ToList();
        var deliveries = connection.Query<(string AlertId, string Endpoint)>("SELECT alert_id, endpoint FROM alert_deliveries").ToList();
        var body = JsonDocument.Parse(alerts.Single(a => a.Wamid == "w.a").Body).RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(alerts.Select(a => (a.Wamid, a.Kind)), Is.EqualTo(new[]
            {
                ("w.a", AlertKind.Waiting), ("w.b1", AlertKind.Closing), ("w.b1", AlertKind.Waiting),
            }));
            Assert.That(first, Is.EqualTo(3));
            Assert.That(again, Is.Zero, "a rescan finds the same crossings and writes nothing");
            Assert.That(alerts.Select(a => a.Id), Is.EqualTo(alerts.Select(a => AlertId.For(Workspace, a.Kind, a.Wamid))));
            Assert.That(deliveries, Has.Count.EqualTo(3), "one delivery per alert: the second endpoint hears another workspace only");
            Assert.That(deliveries.Select(d => d.Endpoint).Distinct(), Is.EqualTo(new[] { endpoints[0].Key }));
            Assert.That(body.GetProperty("type").GetString(), Is.EqualTo("lead.waiting"));
            Assert.That(body.GetProperty("data").GetProperty("phone").GetString(), Is.EqualTo("+15550700001"));
            Assert.That(body.GetProperty("data").GetProperty("name").GetString(), Is.EqualTo("Ana <VIP>"));
            Assert.That(body.GetProperty("data").GetProperty("replyWindowClosesAt").GetString(), Is.EqualTo("2026-12-08T11:20:00.000Z"));
            Assert.That(body.GetProperty("data").GetProperty("link").GetString(), Does.StartWith("https://leads.example.test/?lead="));
            Assert.That(body.GetProperty("text").GetString(), Does.Contain("Ana &lt;VIP&gt; (+15550700001) on 110000000000001 has waited 40 min"));
        });
    }

    [Test]
    public async Task A_new_message_is_a_new_crossing_and_an_answer_before_it_is_due_means_no_alert()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        var scan = new AlertScan(db.Connections, NullLogger.Instance);
        var endpoints = AlertEndpoint.From(Options);
        await store.ApplyAsync([TheyWrote("+15550700011", "w.1", Now.AddMinutes(-31)), TheyWrote("+15550700012", "w.2", Now.AddMinutes(-20))], CancellationToken.None);
        scan.Run(Now, Options, endpoints, new HashSet<string>());

        // Lead 1 writes again (a new wait); lead 2 is answered before its 30 minutes.
        await store.ApplyAsync([TheyWrote("+15550700011", "w.1b", Now.AddMinutes(1)), WeWrote("+15550700012", "w.2-reply", Now.AddMinutes(5))], CancellationToken.None);
        scan.Run(Now.AddMinutes(40), Options, endpoints, new HashSet<string>());

        using var connection = db.Connections.Open();
        var alerts = connection.Query<string>("SELECT inbound_wamid FROM alerts ORDER BY created_at, inbound_wamid");
        Assert.That(alerts, Is.EqualTo(new[] { "w.1", "w.1b" }));
    }

    [Test]
    public void The_scan_is_a_range_of_the_follow_up_index_and_due_deliveries_a_range_of_their_own()
    {
        using var db = new TempDatabase();
        using var connection = db.Connections.Open();
        var scan = Plan(connection, AlertScan.CandidatesSql, new
        {
            workspaceId = 1L, windowFrom = 0L, waitingTo = 5L, closingTo = 6L, dueTo = 6L, afterAt = -1L, afterId = -1L, limit = 500,
        });
        var due = Plan(connection, AlertStore.DueSql, new { now = 5L, limit = 64 });

        Assert.Multiple(() =>
        {
            Assert.That(scan, Does.Match(@"SEARCH c USING INDEX ix_contacts_follow_up \(workspace_id=\? AND last_inbound_at>\? AND last_inbound_at<\?\)"), scan);
            Assert.That(Regex.Matches(scan, @"SEARCH a USING COVERING INDEX ix_alerts_contact"), Has.Count.EqualTo(2), scan);
            Assert.That(scan, Does.Not.Contain("TEMP B-TREE"), scan);
            Assert.That(due, Does.Match(@"SEARCH d USING INDEX ix_alert_deliveries_due \(next_attempt_at<\?\)"), due);
            Assert.That(due, Does.Not.Contain("TEMP B-TREE"), due);
        });
    }

    private static string Plan(System.Data.IDbConnection connection, string sql, object parameters) =>
        string.Join("\n", connection.Query<(long, long, long, string Detail)>("EXPLAIN QUERY PLAN " + sql, parameters).Select(s => s.Detail));
}
