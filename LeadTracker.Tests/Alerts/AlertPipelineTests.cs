using System.Diagnostics;
using Dapper;

namespace LeadTracker.Tests.Alerts;

/// <summary>
/// Alerts end to end (docs/alerts.md): leads written through the real ingress, RabbitMQ and worker processes, the
/// worker's alerts at a real HTTP receiver on loopback that checks every signature with its own HMAC code.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class AlertPipelineTests
{
    [Test]
    public async Task Each_crossing_is_one_alert_id_across_a_worker_kill_and_restart()
    {
        await using var receiver = new AlertReceiver { Delay = TimeSpan.FromMilliseconds(250) };
        await receiver.StartAsync();
        await using var system = await LeadTrackerSystem.StartAsync("alerts-kill", AlertSystem.Settings([receiver], maxConcurrency: 2));
        var leads = new WebhookGenerator(KapsoSignature.TestSecret, 40, 2112);
        var now = DateTimeOffset.UtcNow;
        var waiting = Enumerable.Range(0, 12).ToList();         // wrote a minute ago: waiting
        var closing = Enumerable.Range(12, 8).ToList();         // wrote 23 h ago: waiting, and the window closes within 2 h
        var answered = Enumerable.Range(20, 5).ToList();        // wrote, then we answered: nothing
        var closed = Enumerable.Range(25, 5).ToList();          // wrote 25 h ago: the window closed, nothing
        await AlertSystem.PostAsync(system,
        [
            .. waiting.Select(l => leads.ReceivedAt(l, now.AddMinutes(-1))),
            .. closing.Select(l => leads.ReceivedAt(l, now.AddHours(-23))),
            .. answered.Select(l => leads.ReceivedAt(l, now.AddMinutes(-5))),
            .. answered.Select(l => leads.SentAt(l, now.AddMinutes(-4))),
            .. closed.Select(l => leads.ReceivedAt(l, now.AddHours(-25))),
        ]);
        var expected = waiting.Select(l => (WebhookGenerator.PhoneOf(l), "lead.waiting"))
            .Concat(closing.SelectMany(l => new[] { (WebhookGenerator.PhoneOf(l), "lead.waiting"), (WebhookGenerator.PhoneOf(l), "lead.closing") }))
            .ToHashSet();

        // Killed while deliveries are in flight: some were sent and not yet recorded.
        await AlertSystem.WaitAsync(() => receiver.Accepted.Count >= 8, TimeSpan.FromSeconds(60), "the first alerts", system);
        await system.Worker.KillAsync();
        var beforeKill = receiver.Accepted.Count;
        await system.RestartWorkerAsync();
        await AlertSystem.WaitAsync(() => receiver.Accepted.Select(a => a.Id).Distinct().Count() >= expected.Count, TimeSpan.FromSeconds(90),
            "every alert after the restart", system);
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM alert_deliveries WHERE status = 'pending'") == 0,
            TimeSpan.FromSeconds(30), "no pending delivery");
        await Task.Delay(TimeSpan.FromSeconds(2)); // eight more scans: nothing new may come

        var accepted = receiver.Accepted;
        var idsPerCrossing = accepted.GroupBy(AlertSystem.About).ToDictionary(g => g.Key, g => g.Select(a => a.Id).Distinct().Count());
        var resent = accepted.Count - accepted.Select(a => a.Id).Distinct().Count();
        TestContext.Out.WriteLine($"{expected.Count} crossings; {beforeKill} accepted before the kill -9; {accepted.Count} accepted in all, " +
            $"{resent} resent with the same webhook-id (sent, not yet recorded at the kill)");
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Requests.All(r => r.Verified), Is.True, "every request carried a valid signature");
            Assert.That(idsPerCrossing.Keys, Is.EquivalentTo(expected), "an alert for every crossing, none for the answered or closed");
            Assert.That(idsPerCrossing.Values, Has.All.EqualTo(1), "one alert id per crossing across the kill and restart");
            Assert.That(resent, Is.LessThanOrEqualTo(3 * 2), "only those in flight or awaiting their commit at the kill (MaxConcurrency 2) are sent again");
            // An answered lead's messages may be applied in two commits with a scan between them: its alert row is then
            // made and its delivery cancelled before sending (never sent, checked above); every other row is a crossing.
            Assert.That(system.Count("SELECT COUNT(*) FROM alerts a WHERE EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_id = a.id AND d.status <> 'cancelled')"),
                Is.EqualTo(expected.Count));
        });
    }

    [Test]
    public async Task A_receiver_down_for_two_minutes_gets_every_alert_once_when_back()
    {
        var receiver = new AlertReceiver(); // down: nothing listens on its port yet
        await using var _ = receiver;
        await using var system = await LeadTrackerSystem.StartAsync("alerts-outage", AlertSystem.Settings([receiver]));
        var leads = new WebhookGenerator(KapsoSignature.TestSecret, 20, 77);
        var now = DateTimeOffset.UtcNow;
        await AlertSystem.PostAsync(system, Enumerable.Range(0, 10).Select(l => leads.ReceivedAt(l, now.AddMinutes(-1))));
        var down = Stopwatch.StartNew();

        // Retries are stored: a restart in the outage keeps them (attempts counted before and after).
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM alert_deliveries WHERE attempts >= 2") == 10,
            TimeSpan.FromSeconds(60), "two failed attempts of each delivery");
        await system.Worker.KillAsync();
        await system.RestartWorkerAsync();
        // Leads that write during the outage, and one of the first ten answered meanwhile: its alert is not sent.
        await AlertSystem.PostAsync(system, [.. Enumerable.Range(10, 5).Select(l => leads.ReceivedAt(l, DateTimeOffset.UtcNow)), leads.SentAt(0, DateTimeOffset.UtcNow)]);
        var attemptsInOutage = system.Count("SELECT MAX(attempts) FROM alert_deliveries");
        await Task.Delay(TimeSpan.FromMinutes(2) - down.Elapsed);
        var attemptsAtEnd = system.Count("SELECT MAX(attempts) FROM alert_deliveries");
        var pendingAtEnd = system.Count("SELECT COUNT(*) FROM alert_deliveries WHERE status = 'pending'");
        await receiver.StartAsync();
        var back = Stopwatch.StartNew();

        await AlertSystem.WaitAsync(() => receiver.Accepted.Count >= 14, TimeSpan.FromSeconds(60), "every alert after the outage", system);
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM alert_deliveries WHERE status = 'pending'") == 0,
            TimeSpan.FromSeconds(30), "no pending delivery");
        var delivered = back.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));

        var accepted = receiver.Accepted;
        TestContext.Out.WriteLine($"down {down.Elapsed - delivered:mm\\:ss}; at most {attemptsInOutage} attempts per delivery before the restart, " +
            $"{attemptsAtEnd} by the end of the outage; {pendingAtEnd} pending then; all {accepted.Count} delivered {delivered.TotalSeconds:F1} s after it was back");
        Assert.Multiple(() =>
        {
            Assert.That(accepted.Select(a => a.Id), Is.Unique, "each alert delivered once");
            Assert.That(accepted.Select(a => AlertSystem.About(a).Phone), Is.EquivalentTo(Enumerable.Range(1, 14).Select(WebhookGenerator.PhoneOf)),
                "every waiting lead's alert; not the lead answered during the outage");
            Assert.That(receiver.Requests.All(r => r.Verified), Is.True);
            Assert.That(attemptsAtEnd, Is.GreaterThan(attemptsInOutage), "retried after the restart from the stored attempts");
            Assert.That(pendingAtEnd, Is.EqualTo(14), "still pending at the end of the outage: 9 + 5 written during it (the answered one was cancelled)");
            Assert.That(system.Count("SELECT COUNT(*) FROM alert_deliveries WHERE status = 'cancelled'"), Is.EqualTo(1), "answered before delivery");
        });
    }

    [Test]
    public async Task A_410_disables_its_endpoint_4xx_is_not_retried_and_5xx_is()
    {
        await using var gone = new AlertReceiver { Answer = _ => 410 };
        await using var refuses = new AlertReceiver { Answer = _ => 400 };
        var tries = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await using var flaky = new AlertReceiver { Answer = r => tries.AddOrUpdate(r.Id, 1, (_, n) => n + 1) <= 2 ? 503 : 200 };
        foreach (var r in new[] { gone, refuses, flaky }) await r.StartAsync();
        await using var system = await LeadTrackerSystem.StartAsync("alerts-answers", AlertSystem.Settings([gone, refuses, flaky], maxConcurrency: 1));
        var leads = new WebhookGenerator(KapsoSignature.TestSecret, 10, 5);
        await AlertSystem.PostAsync(system, Enumerable.Range(0, 3).Select(l => leads.ReceivedAt(l, DateTimeOffset.UtcNow.AddMinutes(-1))));

        await AlertSystem.WaitAsync(() => flaky.Accepted.Count == 3 && refuses.Requests.Count == 3, TimeSpan.FromSeconds(60), "the three alerts", system);
        var healthBefore = await AlertSystem.HealthAlertsAsync(system);

        // After a restart the endpoint stays disabled: a new lead's alert goes to the other two only.
        await system.RestartWorkerAsync();
        await AlertSystem.PostAsync(system, [leads.ReceivedAt(3, DateTimeOffset.UtcNow.AddMinutes(-1))]);
        await AlertSystem.WaitAsync(() => flaky.Accepted.Count == 4 && refuses.Requests.Count == 4, TimeSpan.FromSeconds(60), "the fourth alert", system);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var healthAfter = await AlertSystem.HealthAlertsAsync(system);

        TestContext.Out.WriteLine($"410: {gone.Requests.Count} request(s); 400: {refuses.Requests.Count}; 503 then 200: {flaky.Requests.Count}; health: {healthAfter}");
        Assert.Multiple(() =>
        {
            Assert.That(gone.Requests, Has.Count.EqualTo(1), "the first 410 disables the endpoint: nothing more is sent to it");
            Assert.That(healthBefore.GetProperty("endpoints")[0].GetProperty("disabled").GetBoolean(), Is.True, "health shows it");
            Assert.That(healthAfter.GetProperty("endpoints")[0].GetProperty("disabled").GetBoolean(), Is.True, "and still after a restart");
            Assert.That(healthAfter.GetProperty("endpoints")[1].GetProperty("disabled").GetBoolean(), Is.False);
            Assert.That(refuses.Requests.GroupBy(r => r.Id).Select(g => g.Count()), Has.All.EqualTo(1), "400 is not retried");
            Assert.That(flaky.Requests.GroupBy(r => r.Id).Select(g => g.Count()), Has.All.EqualTo(3), "503 twice, then accepted");
            Assert.That(system.Count("SELECT COUNT(*) FROM alert_deliveries WHERE status = 'failed'"), Is.EqualTo(3 + 4), "three to the gone endpoint, four refused");
        });
    }
}
