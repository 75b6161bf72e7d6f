namespace LeadTracker.Tests.Alerts;

/// <summary>A bad endpoint is one clear start error naming the settings to fix, not a worker that starts and drops alerts.</summary>
[TestFixture]
public sealed class AlertConfigurationTests
{
    [Test]
    public async Task A_bad_url_or_secret_stops_the_start_with_one_line_naming_them()
    {
        var folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var database = Path.Combine(folder, "leads.db");
        var run = await ProgramRun.RunAsync("dotnet", [RepoPaths.ServiceDll("LeadTracker.Worker"), "run"], TimeSpan.FromSeconds(60),
            new Dictionary<string, string?>
            {
                ["ConnectionStrings__Leads"] = $"Data Source={database}",
                ["LeadTracker__Worker__Urls"] = $"http://127.0.0.1:{LoopbackPort.Free()}",
                ["LeadTracker__Alerts__Endpoints__0__Url"] = "hooks.example.test/leads",
                ["LeadTracker__Alerts__Endpoints__0__Secret"] = "not-a-whsec-secret",
                ["LeadTracker__Alerts__Endpoints__1__Url"] = "https://hooks.example.test/leads",
                ["LeadTracker__Alerts__Endpoints__1__Secret"] = "whsec_" + Convert.ToBase64String(new byte[32]),
            });
        var errors = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("crit:", StringComparison.Ordinal)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(2), run.Output);
            Assert.That(errors, Has.Count.EqualTo(1), run.Output);
            Assert.That(run.Output, Does.Not.Contain("   at "), "no stack trace");
            Assert.That(run.Output, Does.Contain("LeadTracker__Alerts__Endpoints__0__Url must be an absolute http:// or https:// URL"));
            Assert.That(run.Output, Does.Contain("LeadTracker__Alerts__Endpoints__0__Secret must be whsec_"));
            Assert.That(run.Output, Does.Not.Contain("Endpoints__1"), "the good endpoint is not named");
            Assert.That(run.Output, Does.Not.Contain("not-a-whsec-secret"), "a secret is never printed");
            Assert.That(File.Exists(database), Is.False, "nothing written on disk");
        });
        Directory.Delete(folder, recursive: true);
    }
}
