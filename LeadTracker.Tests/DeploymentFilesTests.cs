using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace LeadTracker.Tests;

/// <summary>
/// The deployment files in the repository stay deployable: the systemd units score well in offline <c>systemd-analyze
/// security</c> (SystemdPackageTests verifies and runs them installed, under systemd as PID 1), compose.yaml points
/// both apps at their Dockerfiles beside a RabbitMQ management image (read, not run), and neither image runs as root.
/// </summary>
[TestFixture]
public sealed partial class DeploymentFilesTests
{
    [TestCase("leadtracker-ingress.service")]
    [TestCase("leadtracker-worker.service")]
    public async Task A_systemd_unit_scores_an_exposure_of_at_most_two_in_systemd_analyze_security(string unit)
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
    public void Ingress_and_worker_run_as_separate_users_each_writing_only_its_own_state_directory()
    {
        var ingress = UnitSettings("leadtracker-ingress.service");
        var worker = UnitSettings("leadtracker-worker.service");

        Assert.Multiple(() =>
        {
            Assert.That(ingress["User"], Is.EqualTo(["leadtracker-ingress"]));
            Assert.That(worker["User"], Is.EqualTo(["leadtracker-worker"]));
            Assert.That(ingress["StateDirectory"], Is.EqualTo(["leadtracker-ingress"]), "the spool's folder");
            Assert.That(worker["StateDirectory"], Is.EqualTo(["leadtracker-worker leadtracker-backups"]), "the database's folder and its backups");
            foreach (var unit in new[] { ingress, worker })
            {
                Assert.That(unit["ProtectSystem"], Is.EqualTo(["strict"]), "nothing else is writable");
                Assert.That(unit.ContainsKey("ReadWritePaths"), Is.False, "no writable path beside the StateDirectory");
                Assert.That(unit.ContainsKey("DynamicUser"), Is.False, "a static user, so the leadtracker command can run as it");
                Assert.That(unit["ExecStart"].Single().EndsWith(" run", StringComparison.Ordinal), Is.EqualTo(unit == worker),
                    "the worker consumes only with run");
            }

            Assert.That(ingress["LoadCredential"], Has.Some.StartsWith("LeadTracker__Kapso__WebhookSecret:"));
            Assert.That(worker["LoadCredential"], Has.Some.StartsWith("LeadTracker__RabbitMq__Password:"));
        });
    }

    [TestCase("scripts/ensure-rabbitmq.sh")]
    [TestCase("deploy/rabbitmq/enabled_plugins")]
    public void The_rabbitmq_prometheus_plugin_is_enabled(string file)
    {
        // ensure-rabbitmq.sh serves run.sh and test.sh; enabled_plugins is mounted by compose.yaml.
        Assert.That(File.ReadAllText(Path.Combine(RepoRoot(), file)), Does.Contain("rabbitmq_prometheus"),
            $"{file}: RabbitMQ's own /metrics (:15692) belongs beside the apps'");
    }

    [TestCase("ingress.env.example")]
    [TestCase("worker.env.example")]
    public void An_environment_file_holds_no_secrets(string file)
    {
        var settings = File.ReadAllLines(Path.Combine(RepoRoot(), "deploy", "systemd", file))
            .Where(l => !l.TrimStart().StartsWith('#') && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]);

        Assert.That(settings, Has.None.EndsWith("Password").And.None.EndsWith("WebhookSecret"),
            "secrets are systemd credentials (LoadCredential=), not environment");
    }

    [Test]
    public void Compose_yaml_points_both_apps_at_their_dockerfiles_beside_a_rabbitmq_management_image()
    {
        // compose.yaml read as YAML, and the Dockerfiles it names looked up in the repository: nothing is built or run
        // (CI has no Docker engine and no compose plugin), so whether the images build is not checked here.
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(RepoRoot(), "compose.yaml"))) yaml.Load(reader);
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        var images = services.Children.Values.OfType<YamlMappingNode>()
            .Select(service => service.Children.TryGetValue("image", out var image) ? ((YamlScalarNode)image).Value : null)
            .OfType<string>();

        Assert.Multiple(() =>
        {
            foreach (var (app, dockerfile) in new[] { ("ingress", "LeadTracker.Ingress/Dockerfile"), ("worker", "LeadTracker.Worker/Dockerfile") })
            {
                var build = (YamlMappingNode)((YamlMappingNode)services[app])["build"];
                var context = ((YamlScalarNode)build["context"]).Value!;
                Assert.That(((YamlScalarNode)build["dockerfile"]).Value, Is.EqualTo(dockerfile), $"{app}: build.dockerfile");
                Assert.That(File.Exists(Path.Combine(RepoRoot(), context, dockerfile)), Is.True,
                    $"{app}: {dockerfile} is not in its build context {context}");
            }

            Assert.That(images, Has.Some.Match(@"^(\$\{RABBITMQ_IMAGE:-)?rabbitmq:[\w.]+-management\}?$"), "compose.yaml has no rabbitmq:*-management image");
        });
    }

    [TestCase("LeadTracker.Ingress/Dockerfile")]
    [TestCase("LeadTracker.Worker/Dockerfile")]
    public void A_dockerfile_runs_its_image_as_a_non_root_user(string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot(), dockerfile));
        // Only the final stage is the image that runs: look after the last FROM.
        var runtimeStage = text[text.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];

        Assert.That(NonRootUser().IsMatch(runtimeStage), Is.True, $"{dockerfile}: the runtime stage has no non-root USER line");
    }

    [TestCase("LeadTracker.Ingress")]
    [TestCase("LeadTracker.Worker")]
    public void A_dockerfile_copies_every_project_its_app_builds_from(string app)
    {
        // The build stage restores from project files alone, then copies the sources: a project the app references
        // (LeadTracker.Contracts, LeadTracker.Hosting, …) that the Dockerfile leaves out breaks only the image build.
        var dockerfile = File.ReadAllText(Path.Combine(RepoRoot(), app, "Dockerfile"));

        Assert.Multiple(() =>
        {
            foreach (var project in ProjectsBuiltBy(app))
            {
                Assert.That(dockerfile, Does.Contain($"COPY {project}/{project}.csproj {project}/\n"), $"{app}/Dockerfile: the project file of {project}");
                Assert.That(dockerfile, Does.Contain($"COPY {project}/ {project}/\n"), $"{app}/Dockerfile: the sources of {project}");
            }
        });
    }

    /// <summary>The project and every project it references, directly or not, by folder name.</summary>
    private static SortedSet<string> ProjectsBuiltBy(string project, SortedSet<string>? found = null)
    {
        found ??= new SortedSet<string>(StringComparer.Ordinal);
        if (!found.Add(project)) return found;
        var csproj = System.Xml.Linq.XDocument.Load(Path.Combine(RepoRoot(), project, project + ".csproj"));
        foreach (var reference in csproj.Descendants("ProjectReference"))
            ProjectsBuiltBy(Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/')), found);
        return found;
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

    // USER followed by anything but root or uid 0, e.g. "USER $APP_UID" or "USER app".
    [GeneratedRegex(@"^USER\s+(?!root\b|0\b)\S+", RegexOptions.Multiline)]
    private static partial Regex NonRootUser();
}
