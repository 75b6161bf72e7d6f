using LeadTracker.Testing;
using LeadTracker.Worker;
using Microsoft.Extensions.Configuration;

namespace LeadTracker.Tests.Api;

/// <summary>The listener's setting: the clearer <c>Urls</c> wins, the earlier <c>HealthUrls</c> keeps working.</summary>
[TestFixture]
public sealed class WorkerUrlsTests
{
    [TestCase(null, null, "http://127.0.0.1:5081")]
    [TestCase("http://127.0.0.1:6001", null, "http://127.0.0.1:6001")]
    [TestCase(null, "http://0.0.0.0:6002", "http://0.0.0.0:6002")]
    [TestCase("http://127.0.0.1:6001", "http://0.0.0.0:6002", "http://0.0.0.0:6002")]
    public void The_worker_listens_on_Urls_else_on_HealthUrls(string? healthUrls, string? urls, string expected)
    {
        var settings = new Dictionary<string, string?>();
        if (healthUrls is not null) settings["LeadTracker:Worker:HealthUrls"] = healthUrls;
        if (urls is not null) settings["LeadTracker:Worker:Urls"] = urls;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var options = configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();

        Assert.That(options.ListenUrls, Is.EqualTo(expected));
    }

    [Test]
    public void An_installs_HealthUrls_still_wins_over_the_shipped_appsettings()
    {
        // The worker's Dockerfile and older env files set HealthUrls: a Urls in the shipped appsettings.json would
        // silently take their place (a container listening on loopback only).
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepoPaths.Root, "LeadTracker.Worker", "appsettings.json"), optional: false)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["LeadTracker:Worker:HealthUrls"] = "http://+:8081" })
            .Build();

        var options = configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();

        Assert.That(options.ListenUrls, Is.EqualTo("http://+:8081"));
    }
}
