using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// Secrets reach the apps as files, the way systemd's <c>LoadCredential=</c> and compose secrets hand them over: a
/// folder in <c>$CREDENTIALS_DIRECTORY</c> with one file per setting. The real ingress, with no secret in its
/// environment, verifies webhooks with the secret from the file (and a file wins over the environment).
/// </summary>
[TestFixture]
public sealed class CredentialFilesTests
{
    [Test]
    public async Task The_ingress_reads_its_webhook_secret_from_the_credentials_directory()
    {
        await using var broker = await TestBroker.CreateAsync("creds");
        var folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", "creds-" + Guid.NewGuid().ToString("N"));
        var credentials = Directory.CreateDirectory(Path.Combine(folder, "credentials")).FullName;
        // As systemd writes it: the value, here with the trailing newline an editor leaves.
        await File.WriteAllTextAsync(Path.Combine(credentials, "LeadTracker__Kapso__WebhookSecret"), KapsoFixtures.Secret + "\n");

        var url = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        await using var ingress = new ServiceProcess("ingress", RepoPaths.ServiceDll("LeadTracker.Ingress"), ["--urls", url.ToString()],
            new Dictionary<string, string>
            {
                ["CREDENTIALS_DIRECTORY"] = credentials,
                ["LeadTracker__Kapso__WebhookSecret"] = "a-stale-secret-in-the-environment",
                ["LeadTracker__RabbitMq__VirtualHost"] = broker.VirtualHost,
                ["LeadTracker__Spool__Path"] = Path.Combine(folder, "spool.db"),
                ["DOTNET_ENVIRONMENT"] = "Production",
            }, new Uri(url, "/health/ready"));
        ingress.Start();
        await ingress.WaitReadyAsync();

        using var http = new HttpClient { BaseAddress = url };
        using var response = await http.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-message-received-text.json")));

        Assert.That((int)response.StatusCode, Is.EqualTo(200), "signed with the secret from the file: " + ingress.Tail());
    }
}
