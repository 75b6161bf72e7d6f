using System.Reflection;
using System.Text.RegularExpressions;
using LeadTracker.Hosting;
using LeadTracker.Tests.Support;
using LeadTracker.Worker;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace LeadTracker.Tests;

/// <summary>
/// compose.yaml's safety invariants, read as YAML (ComposeStackTests runs it): every RabbitMQ service publishes ports
/// to this host only and has no guest account, secrets are compose secrets from files (never environment), and
/// every environment name an app gets is a setting that app really reads.
/// </summary>
[TestFixture]
public sealed partial class ComposeFileTests
{
    private static readonly string[] IngressSettings =
    [
        .. SettingsOf(typeof(RabbitMqOptions)),
        .. SettingsOf(typeof(LeadTracker.Ingress.IngressOptions)),
        .. SettingsOf(typeof(LeadTracker.Ingress.Spool.SpoolOptions)),
        .. SettingsOf(typeof(LeadTracker.Ingress.KapsoOptions)),
    ];

    private static readonly string[] WorkerSettings =
    [
        .. SettingsOf(typeof(RabbitMqOptions)),
        .. SettingsOf(typeof(WorkerOptions)),
        .. SettingsOf(typeof(LeadTracker.Worker.Api.ApiOptions)),
        .. SettingsOf(typeof(LeadTracker.Worker.Backup.BackupOptions)),
    ];

    /// <summary>Read by the platform (ASP.NET Core, .NET, OpenTelemetry, our credential files), not by an options class.</summary>
    private static readonly string[] PlatformSettings = ["ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "CREDENTIALS_DIRECTORY"];

    private YamlMappingNode _root = null!;
    private YamlMappingNode _services = null!;

    [OneTimeSetUp]
    public void Load()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(RepoPaths.Root, "compose.yaml"))) yaml.Load(reader);
        _root = (YamlMappingNode)yaml.Documents[0].RootNode;
        _services = (YamlMappingNode)_root["services"];
    }

    private IEnumerable<(string Name, YamlMappingNode Service)> Services =>
        _services.Children.Select(s => (((YamlScalarNode)s.Key).Value!, (YamlMappingNode)s.Value));

    private IEnumerable<(string Name, YamlMappingNode Service)> RabbitMqServices =>
        Services.Where(s => Scalar(s.Service, "image") is { } image && RabbitMqImage().IsMatch(image));

    private IEnumerable<(string Name, YamlMappingNode Service)> AppServices => Services.Where(s => s.Service.Children.ContainsKey("build"));

    [Test]
    public void Every_rabbitmq_service_publishes_ports_to_this_host_only()
    {
        Assert.That(RabbitMqServices, Is.Not.Empty);
        foreach (var (name, service) in RabbitMqServices)
        {
            foreach (var port in Sequence(service, "ports"))
            {
                var hostIp = port is YamlMappingNode longSyntax ? Scalar(longSyntax, "host_ip") : ((YamlScalarNode)port).Value!.Split(':')[0];
                Assert.That(hostIp, Is.EqualTo("127.0.0.1"), $"{name}: port {port} is open to other hosts");
            }

            Assert.That(Sequence(service, "ports").Select(p => p.ToString()), Has.None.Contains(":5672"),
                $"{name}: AMQP stays on the compose network");
        }
    }

    [Test]
    public void Every_rabbitmq_service_has_a_named_user_and_its_password_from_a_secret()
    {
        foreach (var (name, service) in RabbitMqServices)
        {
            var environment = Environment(service);
            Assert.Multiple(() =>
            {
                Assert.That(environment.GetValueOrDefault("RABBITMQ_DEFAULT_USER"), Is.Not.Null.And.Not.EqualTo("guest"),
                    $"{name}: without RABBITMQ_DEFAULT_USER RabbitMQ creates guest/guest");
                Assert.That(environment.Keys, Has.None.EqualTo("RABBITMQ_DEFAULT_PASS"), $"{name}: a password in the environment");
                Assert.That(environment.Values, Has.None.Contains("guest"), name);
                Assert.That(SecretsOf(service), Is.Not.Empty, $"{name}: its password comes from a compose secret");
            });
        }
    }

    [Test]
    public void Secrets_are_required_files()
    {
        var secrets = (YamlMappingNode)_root["secrets"];
        Assert.That(secrets.Children, Is.Not.Empty);
        foreach (var (key, value) in secrets.Children)
        {
            Assert.That(Scalar((YamlMappingNode)value, "file"), Is.Not.Null.And.Not.Contains("${"), $"secret {key} is read from a file");
        }
    }

    [TestCase("ingress")]
    [TestCase("worker")]
    public void An_app_gets_no_secret_in_its_environment_and_only_settings_it_reads(string app)
    {
        var (_, service) = AppServices.Single(s => s.Name == app);
        var settings = app == "ingress" ? IngressSettings : WorkerSettings;
        var environment = Environment(service);

        Assert.Multiple(() =>
        {
            foreach (var name in environment.Keys.Concat(SecretsOf(service)))
            {
                Assert.That(IsSetting(name, settings), Is.True, $"{app}: {name} is no setting the {app} reads");
            }

            Assert.That(environment.Keys, Has.None.EndsWith("Password").And.None.EndsWith("WebhookSecret"),
                $"{app}: secrets belong in compose secrets, not the environment");
            Assert.That(environment.Values, Has.None.Contains("${"), $"{app}: no value interpolated from the host's environment");
            Assert.That(environment.GetValueOrDefault("CREDENTIALS_DIRECTORY"), Is.EqualTo("/run/secrets"), $"{app} reads its secrets");
            Assert.That(Scalar(service, "user"), Is.Not.EqualTo("root").And.Not.EqualTo("0"), $"{app} stays non-root");
        });
    }

    [Test]
    public void The_ingress_gets_the_webhook_secret_and_both_apps_the_broker_password()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SecretsOf(AppServices.Single(s => s.Name == "ingress").Service),
                Is.SupersetOf(new[] { "LeadTracker__Kapso__WebhookSecret", "LeadTracker__RabbitMq__Password" }));
            Assert.That(SecretsOf(AppServices.Single(s => s.Name == "worker").Service), Does.Contain("LeadTracker__RabbitMq__Password"));
        });
    }

    /// <summary><c>LeadTracker__Worker__PrefetchCount</c> is a setting when LeadTracker:Worker:PrefetchCount is a property
    /// of an options class the app binds; the database's connection string is checked through the code that reads it.</summary>
    private static bool IsSetting(string name, string[] settings)
    {
        if (PlatformSettings.Contains(name) || name.StartsWith("OTEL_", StringComparison.Ordinal)) return true;
        var key = name.Replace("__", ":", StringComparison.Ordinal);
        if (settings.Any(s => key.Equals(s, StringComparison.OrdinalIgnoreCase) || key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase)))
            return true;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, "Data Source=probe.db")]).Build();
        return settings == WorkerSettings && configuration.LeadsConnectionString() == "Data Source=probe.db";
    }

    private static IEnumerable<string> SettingsOf(Type options)
    {
        var section = (string)options.GetField("Section", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        return options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => $"{section}:{p.Name}");
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlSequenceNode sequence ? sequence.Children : [];

    /// <summary>The official image, or any other through <c>${RABBITMQ_IMAGE:-rabbitmq:…}</c> (scripts/container-bases.sh's).</summary>
    [GeneratedRegex(@"^(rabbitmq:|\$\{RABBITMQ_IMAGE:-rabbitmq:)")]
    private static partial Regex RabbitMqImage();

    /// <summary>Both compose forms: a map (<c>KEY: value</c>) or a list (<c>- KEY=value</c>).</summary>
    private static Dictionary<string, string> Environment(YamlMappingNode service)
    {
        if (!service.Children.TryGetValue("environment", out var node)) return [];
        return node switch
        {
            YamlMappingNode map => map.Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? ""),
            YamlSequenceNode list => list.Children.Select(e => ((YamlScalarNode)e).Value!.Split('=', 2))
                .ToDictionary(p => p[0], p => p.ElementAtOrDefault(1) ?? ""),
            _ => [],
        };
    }

    /// <summary>The file names a service's secrets get under /run/secrets (the target, else the secret's name).</summary>
    private static IEnumerable<string> SecretsOf(YamlMappingNode service) => Sequence(service, "secrets").Select(s => s switch
    {
        YamlMappingNode longSyntax => Scalar(longSyntax, "target") ?? Scalar(longSyntax, "source")!,
        _ => ((YamlScalarNode)s).Value!,
    });
}
