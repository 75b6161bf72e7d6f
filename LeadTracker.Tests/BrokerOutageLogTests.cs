using System.Text.RegularExpressions;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// Both real processes started while RabbitMQ is away (their port forwards nowhere yet), then given the broker
/// (the port starts forwarding to the local broker; the shared broker itself is never stopped): each logs one line
/// when it loses the broker and one when it has it back, with the attempts and the outage's length, and no
/// MassTransit warning or stack trace per reconnect attempt. The webhook accepted meanwhile (spooled) is stored.
/// </summary>
[TestFixture]
public sealed partial class BrokerOutageLogTests
{
    [Test]
    public async Task An_outage_is_one_line_when_the_broker_is_lost_and_one_when_it_is_back()
    {
        var port = LoopbackPort.Free();
        await using var broker = await TestBroker.CreateAsync("outagelog");
        var folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", $"outagelog-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        await using var system = new LeadTrackerSystem(LeadTrackerApps.InThisCheckout(), broker, folder, KapsoSignature.TestSecret,
            new Dictionary<string, string> { ["LeadTracker__RabbitMq__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var forwarder = new TcpForwarder(port, TestBroker.Host, 5672);

        system.Worker.Start();
        system.Ingress.Start();
        // The ingress answers 200 once the webhook is in its spool.
        await system.WaitUntilAsync(() => Answers(system, "/health/live"), TimeSpan.FromSeconds(60), "the ingress listening");
        using (var response = await system.Http.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-message-sent.json"))))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        }

        // Several reconnect attempts (MassTransit retries every few seconds) before the broker comes back.
        await Task.Delay(TimeSpan.FromSeconds(12));
        forwarder.Start();
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") >= 1, TimeSpan.FromSeconds(90),
            "the spooled webhook stored once the broker is back");
        await system.WaitUntilAsync(() => system.Ingress.CountLines("reachable again") + system.Worker.CountLines("reachable again") >= 2,
            TimeSpan.FromSeconds(30), "both apps saying the broker is back");

        foreach (var app in new[] { system.Ingress, system.Worker })
        {
            var lines = app.Output.ToArray();
            TestContext.Out.WriteLine($"--- {app.Name}\n{string.Join('\n', lines)}");
            var backs = lines.Select(l => Back().Match(l)).Where(m => m.Success).ToArray();
            Assert.That(backs, Has.Length.EqualTo(1), $"{app.Name}: one line when back");
            var back = backs[0];
            Assert.Multiple(() =>
            {
                Assert.That(lines.Count(l => l.Contains("RabbitMQ unreachable", StringComparison.Ordinal)), Is.EqualTo(1), $"{app.Name}: one line when lost");
                Assert.That(int.Parse(back.Groups["attempts"].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(2),
                    $"{app.Name}: the failed attempts counted");
                Assert.That(int.Parse(back.Groups["seconds"].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(10),
                    $"{app.Name}: the outage's length");
                Assert.That(lines.Where(l => WarningOrAbove().IsMatch(l)), Has.Exactly(1).Items, $"{app.Name}: no other warning");
                Assert.That(lines.Where(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)), Is.Empty, $"{app.Name}: no stack trace");
            });
        }
    }

    private static bool Answers(LeadTrackerSystem system, string path)
    {
        try
        {
            using var response = system.Http.GetAsync(new Uri(path, UriKind.Relative)).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"reachable again after (?<seconds>\d+) s and (?<attempts>\d+) failed attempts")]
    private static partial Regex Back();

    // The console's simple format: "<timestamp> warn: Category[id] message".
    [GeneratedRegex(@"\b(warn|fail|crit)\b:")]
    private static partial Regex WarningOrAbove();
}
