using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using LeadTracker.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LeadTracker.Tests;

/// <summary>
/// The ingress with its real RabbitMQ transport pointed at a port where no broker listens: without the spool
/// it answers 503 so Kapso retries; with it, 200 only after the event is durably spooled.
/// </summary>
[TestFixture]
public sealed class IngressBrokerOutageTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", "outage-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Without_a_spool_a_broker_outage_answers_503()
    {
        await using var ingress = Ingress(spool: false);
        using var client = ingress.CreateClient();

        using var response = await client.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-message-sent.json")));
        using var ready = await client.GetAsync("/health/ready");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
    }

    [Test]
    public async Task With_the_spool_a_broker_outage_answers_200_after_the_event_is_spooled()
    {
        await using var ingress = Ingress(spool: true);
        using var client = ingress.CreateClient();

        using var first = await client.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-message-sent.json")));
        using var batch = await client.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-batch-message-received-3.json")));
        using var ready = await client.GetAsync("/health/ready");
        using var health = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());

        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await first.Content.ReadAsStringAsync(), Does.Contain("\"outcome\":\"spooled\""));
            Assert.That(batch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "degraded but still taking webhooks");
            Assert.That(health.RootElement.GetProperty("status").GetString(), Is.EqualTo("Degraded"));
            Assert.That(health.RootElement.GetProperty("checks").GetProperty("ingress").GetProperty("data")
                .GetProperty("spoolDepth").GetInt64(), Is.EqualTo(4));
        });
    }

    [Test]
    public async Task A_full_spool_answers_503()
    {
        await using var ingress = Ingress(spool: true, spoolMax: 2);
        using var client = ingress.CreateClient();

        using var batch = await client.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-batch-message-received-3.json")));

        Assert.That(batch.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
    }

    private WebApplicationFactory<Program> Ingress(bool spool, int spoolMax = 1000) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("LeadTracker:Kapso:WebhookSecret", KapsoFixtures.Secret);
            web.UseSetting("LeadTracker:RabbitMq:Host", "127.0.0.1");
            web.UseSetting("LeadTracker:RabbitMq:Port", ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture));
            web.UseSetting("LeadTracker:Ingress:PublishTimeout", "00:00:00.500");
            web.UseSetting("LeadTracker:Spool:Enabled", spool ? "true" : "false");
            web.UseSetting("LeadTracker:Spool:MaxEvents", spoolMax.ToString(System.Globalization.CultureInfo.InvariantCulture));
            web.UseSetting("LeadTracker:Spool:Path", Path.Combine(_folder, "spool.db"));
        });

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
