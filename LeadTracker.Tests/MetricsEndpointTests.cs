using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// <c>GET /metrics</c> on both real processes, after known traffic through the real broker into a real SQLite file:
/// every series is <c>leadtracker_…</c> and every count is the one the traffic implies. Each event is applied before
/// the next is sent, so the outcomes do not depend on the order the worker happens to see them in.
/// </summary>
[TestFixture]
public sealed class MetricsEndpointTests
{
    private const string Events = "leadtracker_worker_events_total";

    private LeadTrackerSystem _system = null!;
    private PrometheusText _ingress = null!;
    private PrometheusText _worker = null!;

    [OneTimeSetUp]
    public async Task SendKnownTraffic()
    {
        _system = await LeadTrackerSystem.StartAsync("metrics");
        var received = KapsoFixtures.Get("kapso-message-received-text.json");
        await PostAsync(received, 200, "inserted");
        await PostAsync(received, 200, "unchanged");                                     // Kapso delivers twice
        await PostAsync(KapsoFixtures.Get("kapso-message-sent.json"), 200, "inserted");
        await PostAsync(KapsoFixtures.Get("kapso-message-delivered.json"), 200, "updated"); // status of the sent message
        await PostAsync(KapsoFixtures.Get("kapso-contact-marketing-preference-changed.json"), 200, "contact");
        // Signed, so the ingress relays it, but no phone_number_id: the worker rejects it to the error queue.
        var poison = "{\"message\":{\"id\":\"wamid.METRICS-POISON\",\"from\":\"+15550100167\",\"timestamp\":\"1767225600\"}}"u8.ToArray();
        await PostAsync(received, 200, "rejected", poison);
        using (var forged = await _system.Http.SendAsync(KapsoFixtures.Request(received, received.Body, secret: "not_the_secret")))
        {
            Assert.That((int)forged.StatusCode, Is.EqualTo(401));
        }

        _ingress = await PrometheusText.ScrapeAsync(new Uri(_system.IngressUrl, "/metrics"));
        _worker = await ScrapeWorkerAsync();
    }

    [OneTimeTearDown]
    public async Task Stop() => await _system.DisposeAsync();

    [Test]
    public void Every_series_is_named_leadtracker()
    {
        Assert.That(_ingress.Names.Concat(_worker.Names), Is.Not.Empty.And.All.StartWith("leadtracker_"),
            _ingress.Text + _worker.Text);
    }

    [Test]
    public void The_ingress_counts_webhooks_by_outcome_and_status_code_and_shows_its_spool_depth() =>
        Assert.Multiple(() =>
        {
            Assert.That(_ingress.Value("leadtracker_ingress_webhooks_total", "outcome=\"published\"", "status=\"200\""), Is.EqualTo(6), _ingress.Text);
            Assert.That(_ingress.Value("leadtracker_ingress_webhooks_total", "outcome=\"rejected\"", "status=\"401\""), Is.EqualTo(1));
            // Seven requests, all counted as published or rejected: none can have been spooled (a spooled series
            // that is missing would read as zero, so the total says it).
            Assert.That(_ingress.Value("leadtracker_ingress_webhooks_total"), Is.EqualTo(7));
            Assert.That(_ingress.Names, Does.Contain("leadtracker_ingress_spool_depth"));
            Assert.That(_ingress.Value("leadtracker_ingress_spool_depth"), Is.Zero);
        });

    [Test]
    public void The_worker_counts_events_by_outcome() =>
        Assert.Multiple(() =>
        {
            Assert.That(_worker.Value(Events, "outcome=\"inserted\""), Is.EqualTo(2), _worker.Text);
            Assert.That(_worker.Value(Events, "outcome=\"unchanged\""), Is.EqualTo(1));
            Assert.That(_worker.Value(Events, "outcome=\"updated\""), Is.EqualTo(1));
            Assert.That(_worker.Value(Events, "outcome=\"contact\""), Is.EqualTo(1));
            Assert.That(_worker.Value(Events, "outcome=\"rejected\""), Is.EqualTo(1));
        });

    [Test]
    public void The_worker_measures_batches_commit_time_and_consumer_lag() =>
        Assert.Multiple(() =>
        {
            // Five events reached the writer (the poison one never parsed), one at a time.
            Assert.That(_worker.Value("leadtracker_worker_batch_size_sum"), Is.EqualTo(5), _worker.Text);
            Assert.That(_worker.Value("leadtracker_worker_batch_size_count"), Is.EqualTo(5));
            Assert.That(_worker.Value("leadtracker_worker_commit_duration_seconds_count"), Is.EqualTo(5));
            Assert.That(_worker.Value("leadtracker_worker_commit_duration_seconds_sum"), Is.GreaterThan(0));
            Assert.That(_worker.Value("leadtracker_worker_consumer_lag_seconds_count"), Is.EqualTo(6), "one lag per event received");
        });

    /// <summary>
    /// Posts one webhook, then waits for the worker to count it: each request must move the ingress's published
    /// count and the worker's count of <paramref name="outcome"/> by exactly one (differences, not totals).
    /// </summary>
    private async Task PostAsync(KapsoFixture fixture, int status, string outcome, byte[]? body = null)
    {
        var label = $"outcome=\"{outcome}\"";
        var workerBefore = await ScrapeWorkerAsync();
        var ingressBefore = await PrometheusText.ScrapeAsync(new Uri(_system.IngressUrl, "/metrics"));
        using (var response = await _system.Http.SendAsync(KapsoFixtures.Request(fixture, body)))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(status), fixture.File);
        }

        var ingressAfter = await PrometheusText.ScrapeAsync(new Uri(_system.IngressUrl, "/metrics"));
        Assert.That(ingressAfter.Since(ingressBefore, "leadtracker_ingress_webhooks_total", "outcome=\"published\"", "status=\"200\""),
            Is.EqualTo(1), $"{fixture.File}: counted once as published");

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var workerAfter = await ScrapeWorkerAsync();
        while (!workerAfter.Has(Events, label) || workerAfter.Since(workerBefore, Events, label) < 1)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"the worker never counted {fixture.File} as {outcome}:\n{_system.Worker.Tail()}");
            await Task.Delay(100);
            workerAfter = await ScrapeWorkerAsync();
        }

        Assert.That(workerAfter.Since(workerBefore, Events, label), Is.EqualTo(1), $"{fixture.File}: counted once as {outcome}");
    }

    private Task<PrometheusText> ScrapeWorkerAsync() =>
        PrometheusText.ScrapeAsync(new Uri(_system.Worker.Health, "/metrics"));
}
