using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// Issue 17, items 3, 4, 7 and 8 on the real worker process: health details only for local requests, only
/// expected Host names, tokens that cannot be weak, refused tokens counted and logged once a minute per address,
/// and SIGHUP that re-reads the token file instead of killing the worker.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class WorkerExposureTests
{
    private static readonly string TokenA = "token-a-" + new string('a', 32);
    private static readonly string TokenB = "token-b-" + new string('b', 32);

    [TestCase("1", TestName = "A one-character token stops the worker naming the setting")]
    [TestCase("correct horse battery staple", TestName = "Four words are one token, too short: the worker does not start")]
    [TestCase("abcdefghijklmnopqrstuvwxyz0123456789,short", TestName = "One short token among good ones stops the worker")]
    public async Task A_weak_token_stops_the_worker_with_exit_2_and_a_line_naming_the_setting(string tokens)
    {
        await using var worker = Worker(Folder(), tokens, new Dictionary<string, string>());
        worker.Start();
        await WaitForExitAsync(worker);

        Assert.Multiple(() =>
        {
            Assert.That(worker.ExitCode, Is.EqualTo(2), worker.Tail());
            Assert.That(worker.Output.Count(l => l.Contains("LeadTracker__Api__Tokens: every token must be at least 32 characters",
                StringComparison.Ordinal)), Is.EqualTo(1), worker.Tail());
            Assert.That(worker.Output.Any(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)), Is.False, "no stack trace");
        });
    }

    [Test]
    public async Task Health_details_only_locally_hosts_only_expected_refused_tokens_metered_and_sighup_reloads_tokens()
    {
        await using var broker = await TestBroker.CreateAsync("exposure");
        var folder = Folder();
        var credentials = Directory.CreateDirectory(Path.Combine(folder, "credentials")).FullName;
        var tokenFile = Path.Combine(credentials, "LeadTracker__Api__Tokens");
        await File.WriteAllTextAsync(tokenFile, TokenA + "\n");
        await using var worker = Worker(folder, tokens: null, new Dictionary<string, string>
        {
            ["CREDENTIALS_DIRECTORY"] = credentials,
            ["LeadTracker__RabbitMq__VirtualHost"] = broker.VirtualHost,
        });
        worker.Start();
        await worker.WaitReadyAsync();
        using var http = new HttpClient { BaseAddress = new Uri(worker.Health, "/") };

        // Health: a local request sees the checks; one relayed by a proxy (X-Forwarded-For) sees the status only.
        var local = await HealthAsync(http, forwarded: false);
        var relayed = await HealthAsync(http, forwarded: true);
        using var otherHost = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
        otherHost.Headers.Host = "leads.attacker.example";
        using var refusedHost = await http.SendAsync(otherHost);
        Assert.Multiple(() =>
        {
            Assert.That(local.EnumerateObject().Select(p => p.Name), Does.Contain("checks"), local.ToString());
            Assert.That(relayed.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "status" }), relayed.ToString());
            Assert.That(relayed.ToString(), Does.Not.Contain(".db"));
            Assert.That(refusedHost.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "AllowedHosts");
        });

        // Refused tokens: five tries, one log line, five in the metric.
        for (var i = 0; i < 5; i++) Assert.That(await LeadsAsync(http, "wrong-" + i), Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await LeadsAsync(http, TokenA), Is.EqualTo(HttpStatusCode.OK));
        var metrics = await PrometheusText.ScrapeAsync(new Uri(worker.Health, "/metrics"));
        Assert.Multiple(() =>
        {
            Assert.That(worker.CountLines("Read API: refused a missing or wrong token from 127.0.0.1"), Is.EqualTo(1), worker.Tail());
            Assert.That(metrics.Value("leadtracker_worker_api_refused_total"), Is.EqualTo(5), metrics.Text);
        });

        // SIGHUP: the file now holds B; A stops working, B starts, the worker keeps running.
        await File.WriteAllTextAsync(tokenFile, TokenB + "\n");
        worker.HangUp();
        await WaitUntilAsync(() => worker.CountLines("SIGHUP: configuration re-read") == 1, worker);
        Assert.Multiple(async () =>
        {
            Assert.That(await LeadsAsync(http, TokenB), Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await LeadsAsync(http, TokenA), Is.EqualTo(HttpStatusCode.Unauthorized));
        });

        // A short token on reload is refused: the previous set stays, and the worker still runs.
        await File.WriteAllTextAsync(tokenFile, "short\n");
        worker.HangUp();
        await WaitUntilAsync(() => worker.CountLines("SIGHUP: kept the previous API tokens") == 1, worker);
        Assert.Multiple(async () =>
        {
            Assert.That(await LeadsAsync(http, TokenB), Is.EqualTo(HttpStatusCode.OK));
            Assert.That(worker.ExitCode, Is.Null, "SIGHUP never stops the worker");
        });
    }

    private static async Task<JsonElement> HealthAsync(HttpClient http, bool forwarded)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
        if (forwarded) request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
        using var response = await http.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    private static async Task<HttpStatusCode> LeadsAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/leads/recent");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static ServiceProcess Worker(string folder, string? tokens, Dictionary<string, string> environment)
    {
        var url = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        environment["ConnectionStrings__Leads"] = $"Data Source={Path.Combine(folder, "leads.db")}";
        environment["LeadTracker__Worker__Urls"] = url.ToString().TrimEnd('/');
        environment["DOTNET_ENVIRONMENT"] = "Production";
        if (tokens is not null) environment["LeadTracker__Api__Tokens"] = tokens;
        return new ServiceProcess("worker", RepoPaths.ServiceDll("LeadTracker.Worker"), ["run"], environment, new Uri(url, "/health/ready"));
    }

    private static string Folder() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "leadtracker-tests", "exposure-" + Guid.NewGuid().ToString("N"))).FullName;

    private static async Task WaitForExitAsync(ServiceProcess process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (process.ExitCode is null && DateTime.UtcNow < deadline) await Task.Delay(100);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, ServiceProcess process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("timed out:\n" + process.Tail());
            await Task.Delay(100);
        }
    }
}
