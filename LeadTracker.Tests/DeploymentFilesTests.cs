using System.Text.RegularExpressions;

namespace LeadTracker.Tests;

/// <summary>
/// The deployment files in the repository stay deployable: the systemd units pass <c>systemd-analyze verify</c>,
/// compose builds both images next to the RabbitMQ management image, and neither image runs as root.
/// </summary>
[TestFixture]
public sealed partial class DeploymentFilesTests
{
    [TestCase("leadtracker-ingress.service")]
    [TestCase("leadtracker-worker.service")]
    public async Task SystemdUnitPassesSystemdAnalyzeVerify(string unit)
    {
        // Needs the Debian package systemd (not systemd as init) and the units' ExecStart binary /usr/bin/dotnet;
        // scripts/test.sh provides both. A missing tool fails the test: it never skips.
        var systemdAnalyze = FindOnPath("systemd-analyze");
        Assert.That(systemdAnalyze, Is.Not.Null,
            "systemd-analyze is not on PATH: apt-get install -y systemd (scripts/test.sh does this when root)");

        var path = Path.Combine(RepoRoot(), "deploy", "systemd", unit);
        var (exitCode, output) = await RunAsync(systemdAnalyze!, "verify", "--man=no", path);

        // verify exits 0 on some mistakes (an unknown Type=, say) and only prints them: any output is a failure.
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, $"systemd-analyze verify {unit} failed:\n{output}");
            Assert.That(output, Is.Empty, $"systemd-analyze verify {unit} reported problems");
        });
    }

    [TestCase("leadtracker-ingress.service")]
    [TestCase("leadtracker-worker.service")]
    public async Task SystemdUnitExposureIsAtMostTwo(string unit)
    {
        var systemdAnalyze = FindOnPath("systemd-analyze");
        Assert.That(systemdAnalyze, Is.Not.Null, "systemd-analyze is not on PATH: apt-get install -y systemd");

        var path = Path.Combine(RepoRoot(), "deploy", "systemd", unit);
        var (_, output) = await RunAsync(systemdAnalyze!, "security", "--offline=yes", "--no-pager", path);

        var overall = OverallExposure().Match(output);
        Assert.That(overall.Success, Is.True, $"no overall exposure in:\n{output}");
        var exposure = double.Parse(overall.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"{unit}: exposure {exposure}");
        Assert.That(exposure, Is.LessThanOrEqualTo(2.0), $"systemd-analyze security {unit}:\n{output}");
    }

    [Test]
    public void IngressAndWorkerRunAsSeparateUsersEachWritingOnlyItsOwnStateDirectory()
    {
        var ingress = UnitSettings("leadtracker-ingress.service");
        var worker = UnitSettings("leadtracker-worker.service");

        Assert.Multiple(() =>
        {
            Assert.That(ingress["User"], Is.EqualTo(["leadtracker-ingress"]));
            Assert.That(worker["User"], Is.EqualTo(["leadtracker-worker"]));
            Assert.That(ingress["StateDirectory"], Is.EqualTo(["leadtracker-ingress"]), "the spool's folder");
            Assert.That(worker["StateDirectory"], Is.EqualTo(["leadtracker-worker"]), "the database's folder");
            foreach (var unit in new[] { ingress, worker })
            {
                Assert.That(unit["ProtectSystem"], Is.EqualTo(["strict"]), "nothing else is writable");
                Assert.That(unit.ContainsKey("ReadWritePaths"), Is.False, "no writable path beside the StateDirectory");
                Assert.That(unit.ContainsKey("DynamicUser"), Is.False, "a static user, so the leadtracker command can run as it");
                Assert.That(unit["ExecStart"].Single(), Does.EndWith(unit == worker ? ".dll run" : ".dll"), "the worker consumes only with run");
            }

            Assert.That(ingress["LoadCredential"], Has.Some.StartsWith("LeadTracker__Kapso__WebhookSecret:"));
            Assert.That(worker["LoadCredential"], Has.Some.StartsWith("LeadTracker__RabbitMq__Password:"));
        });
    }

    [TestCase("scripts/ensure-rabbitmq.sh")]
    [TestCase("deploy/rabbitmq/enabled_plugins")]
    public void RabbitMqPrometheusPluginIsEnabled(string file)
    {
        // ensure-rabbitmq.sh serves run.sh and test.sh; enabled_plugins is mounted by compose.yaml.
        Assert.That(File.ReadAllText(Path.Combine(RepoRoot(), file)), Does.Contain("rabbitmq_prometheus"),
            $"{file}: RabbitMQ's own /metrics (:15692) belongs beside the apps'");
    }

    [TestCase("ingress.env.example")]
    [TestCase("worker.env.example")]
    public void EnvironmentFilesHoldNoSecrets(string file)
    {
        var settings = File.ReadAllLines(Path.Combine(RepoRoot(), "deploy", "systemd", file))
            .Where(l => !l.TrimStart().StartsWith('#') && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]);

        Assert.That(settings, Has.None.EndsWith("Password").And.None.EndsWith("WebhookSecret"),
            "secrets are systemd credentials (LoadCredential=), not environment");
    }

    [Test]
    public void ComposeBuildsBothImagesBesideTheRabbitMqManagementImage()
    {
        var compose = File.ReadAllText(Path.Combine(RepoRoot(), "compose.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(compose, Does.Contain("dockerfile: LeadTracker.Ingress/Dockerfile"));
            Assert.That(compose, Does.Contain("dockerfile: LeadTracker.Worker/Dockerfile"));
            Assert.That(ManagementImage().IsMatch(compose), Is.True, "compose.yaml has no rabbitmq:*-management image");
        });
    }

    [TestCase("LeadTracker.Ingress/Dockerfile")]
    [TestCase("LeadTracker.Worker/Dockerfile")]
    public void DockerfileRunsAsNonRootUser(string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot(), dockerfile));
        // Only the final stage is the image that runs: look after the last FROM.
        var runtimeStage = text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];

        Assert.That(NonRootUser().IsMatch(runtimeStage), Is.True, $"{dockerfile}: the runtime stage has no non-root USER line");
    }

    /// <summary>A unit file's settings, name to every value given (comments and section headers left out).</summary>
    private static Dictionary<string, List<string>> UnitSettings(string unit) =>
        File.ReadAllLines(Path.Combine(RepoRoot(), "deploy", "systemd", unit))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#') && !l.StartsWith('['))
            .GroupBy(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..])
            .ToDictionary(g => g.Key, g => g.ToList());

    /// <summary>The folder holding LeadTracker.sln.</summary>
    private static string RepoRoot() => RepoPaths.Root;

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs a program to its end (30 s at most) and returns its exit code and stdout + stderr.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var run = await ProgramRun.RunAsync(program, arguments, TimeSpan.FromSeconds(30));
        return (run.ExitCode, run.Output.Trim());
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+(?:\.\d+)?)")]
    private static partial Regex OverallExposure();

    [GeneratedRegex(@"image:\s*rabbitmq:[\w.]+-management\b")]
    private static partial Regex ManagementImage();

    // USER followed by anything but root or uid 0, e.g. "USER $APP_UID" or "USER app".
    [GeneratedRegex(@"^USER\s+(?!root\b|0\b)\S+", RegexOptions.Multiline)]
    private static partial Regex NonRootUser();
}
