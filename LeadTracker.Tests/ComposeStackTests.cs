using System.Net;
using System.Net.Http.Headers;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LeadTracker.Testing;

namespace LeadTracker.Tests;

/// <summary>
/// compose.yaml brought up for real by <c>scripts/compose.sh up</c> (a Docker engine where one answers, else
/// podman-compose), on images built from bases made on this host (<c>LEADTRACKER_IMAGES=local</c>: CI reaches no
/// image registry): the broker, the worker and the ingress start with their secrets from the files in secrets/, a
/// signed webhook posted to 127.0.0.1:5080 shows in the read API on 127.0.0.1:5081, the leads survive
/// <c>down</c>/<c>up</c>, and nothing is published beyond 127.0.0.1. The ports 5080/5081 are compose.yaml's own;
/// the broker's management and metrics ports are moved to free ones, since this host runs its own RabbitMQ.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class ComposeStackTests
{
    private const string Project = "leadtracker-composetest";
    private static readonly Uri Ingress = new("http://127.0.0.1:5080");
    private static readonly Uri Worker = new("http://127.0.0.1:5081");
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(20);

    private readonly Dictionary<string, string?> _environment = new()
    {
        ["LEADTRACKER_IMAGES"] = "local",
        ["COMPOSE_PROJECT_NAME"] = Project,
        ["LEADTRACKER_PROFILE"] = null,
    };

    private HttpClient _http = null!;
    private string? _storedPhone;

    [OneTimeSetUp]
    public async Task Up()
    {
        _environment["LEADTRACKER_RABBITMQ_UI_PORT"] = LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture);
        _environment["LEADTRACKER_RABBITMQ_METRICS_PORT"] = LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture);
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // Whatever an earlier, interrupted run left behind.
        await ComposeAsync("down", "-v");
        var up = await ComposeAsync("up");
        Assert.That(up.ExitCode, Is.Zero, "scripts/compose.sh up failed:\n" + Tail(up.Output));
    }

    [OneTimeTearDown]
    public async Task Down()
    {
        _http?.Dispose();
        var down = await ComposeAsync("down", "-v");
        Assert.That(down.ExitCode, Is.Zero, "scripts/compose.sh down -v failed:\n" + Tail(down.Output));
    }

    [Test]
    [Order(1)]
    public async Task A_signed_webhook_posted_to_the_ingress_shows_in_the_read_API()
    {
        var webhook = new WebhookGenerator(Secret("webhook_secret"), 1, Random.Shared.Next()).ReceivedTexts(1)[0];
        var phone = webhook.Events[0].Phone!;

        using var response = await _http.SendAsync(webhook.ToRequest(new Uri(Ingress, Webhook.Path)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());

        var lead = await WaitForLeadAsync(phone, TimeSpan.FromSeconds(60));
        Assert.That(lead?["lastInboundAtIso"]?.GetValue<string>(), Is.Not.Null, $"no lead {phone} in the read API a minute after the webhook");
        _storedPhone = phone;
    }

    [Test]
    [Order(2)]
    public async Task The_leads_survive_down_and_up()
    {
        if (_storedPhone is null) Assert.Inconclusive("needs the lead the first test stored");

        var down = await ComposeAsync("down");
        Assert.That(down.ExitCode, Is.Zero, "scripts/compose.sh down failed:\n" + Tail(down.Output));
        var up = await ComposeAsync("up", "--no-build");
        Assert.That(up.ExitCode, Is.Zero, "scripts/compose.sh up --no-build failed:\n" + Tail(up.Output));

        Assert.That(await WaitForLeadAsync(_storedPhone!, TimeSpan.FromSeconds(30)), Is.Not.Null,
            $"lead {_storedPhone} is gone after down/up: the database is not on the named volume");
    }

    [Test]
    [Order(3)]
    public async Task Every_published_port_is_on_127_0_0_1_only_and_AMQP_is_not_published()
    {
        var status = await ComposeAsync("status");
        Assert.That(status.ExitCode, Is.Zero, status.Output);
        var published = PublishedPort().Matches(status.Stdout).Select(m => (Address: m.Groups[1].Value, Host: int.Parse(m.Groups[2].Value,
            System.Globalization.CultureInfo.InvariantCulture), Container: m.Groups[3].Value)).ToArray();

        // Every address of this host but loopback (eth0, and the compose network's gateway while it is up).
        var otherAddresses = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(published.Select(p => p.Host), Is.SupersetOf(new[] { 5080, 5081 }), "the ingress and the worker are published:\n" + status.Stdout);
            Assert.That(published.Select(p => p.Container), Has.None.EqualTo("5672"), "AMQP stays on the compose network:\n" + status.Stdout);
            foreach (var (address, host, container) in published)
            {
                Assert.That(address, Is.EqualTo("127.0.0.1"), $"port {host}->{container} is published on {address}");
                Assert.That(Answers(IPAddress.Loopback, host), Is.True, $"nothing answers on 127.0.0.1:{host}");
                foreach (var other in otherAddresses)
                    Assert.That(Answers(other, host), Is.False, $"{other}:{host} answers: published beyond this host");
            }
        });
    }

    [Test]
    [Order(4)]
    public async Task The_broker_has_only_the_named_user_and_its_password_is_the_secret()
    {
        var users = new Uri($"http://127.0.0.1:{_environment["LEADTRACKER_RABBITMQ_UI_PORT"]}/api/users");
        using var request = new HttpRequestMessage(HttpMethod.Get, users);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("leadtracker:" + Secret("rabbitmq_password"))));
        using var response = await _http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the management API with leadtracker and secrets/rabbitmq_password");

        var names = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray().Select(u => u!["name"]!.GetValue<string>());
        Assert.That(names, Is.EquivalentTo(new[] { "leadtracker" }), "RabbitMQ's users: guest must not exist");
    }

    /// <summary>The lead with <paramref name="phone"/> as the read API shows it, asked with a token from secrets/api_tokens.</summary>
    private async Task<JsonNode?> WaitForLeadAsync(string phone, TimeSpan timeout)
    {
        var token = Secret("api_tokens").Split([',', ';', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Worker, "/api/leads?search=" + Uri.EscapeDataString(phone)));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            try
            {
                using var response = await _http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var leads = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["leads"]!.AsArray();
                    var lead = leads.FirstOrDefault(l => l?["phoneE164"]?.GetValue<string>() == phone);
                    if (lead is not null) return lead;
                }
                else if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound)
                {
                    Assert.Fail($"the read API answers {(int)response.StatusCode}: the worker did not get secrets/api_tokens");
                }
            }
            catch (HttpRequestException)
            {
                // The worker is still starting: ask again.
            }

            if (DateTime.UtcNow > deadline) return null;
            await Task.Delay(500);
        }
    }

    private static bool Answers(IPAddress address, int port)
    {
        using var client = new TcpClient();
        try
        {
            return client.ConnectAsync(address, port).Wait(TimeSpan.FromSeconds(2)) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    private static string Secret(string name) => File.ReadAllText(Path.Combine(RepoPaths.Root, "secrets", name)).Trim();

    private Task<ProgramRun> ComposeAsync(params string[] arguments) =>
        ProgramRun.RunAsync("bash", ["scripts/compose.sh", .. arguments], UpTimeout, _environment, RepoPaths.Root);

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(40));

    /// <summary>A published port in <c>compose ps</c>: <c>127.0.0.1:5080-&gt;8080/tcp</c> (Docker and Podman alike).</summary>
    [GeneratedRegex(@"(?<![\w.:\[\]])([0-9a-fA-F.:\[\]]*):(\d+)->(\d+)/tcp")]
    private static partial Regex PublishedPort();
}
