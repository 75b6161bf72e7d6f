using LeadTracker.Testing;
using LeadTracker.Worker;
using Microsoft.Extensions.Configuration;

namespace LeadTracker.Tests.Api;

/// <summary>
/// The listener's one setting, <c>Urls</c>, over the shipped appsettings.json (its earlier name <c>HealthUrls</c>
/// stops the start: <see cref="CliMisuseTests"/>).
/// </summary>
[TestFixture]
public sealed class WorkerUrlsTests
{
    [TestCase(null, "http://127.0.0.1:5081")]
    [TestCase("http://0.0.0.0:6002", "http://0.0.0.0:6002")]
    public void The_worker_listens_on_Urls_over_the_shipped_appsettings(string? urls, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepoPaths.Root, "LeadTracker.Worker", "appsettings.json"), optional: false)
            .AddInMemoryCollection(urls is null ? [] : new Dictionary<string, string?> { ["LeadTracker:Worker:Urls"] = urls })
            .Build();

        var options = configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();

        Assert.That(options.Urls, Is.EqualTo(expected));
    }
}
