using Microsoft.Extensions.Configuration;

namespace LeadTracker.Hosting;

/// <summary>
/// Secrets from files, never the environment: systemd's <c>LoadCredential=</c> and compose <c>secrets</c> both give
/// a folder (<c>$CREDENTIALS_DIRECTORY</c>) with one file per setting, named like its environment variable
/// (<c>LeadTracker__Kapso__WebhookSecret</c>, <c>LeadTracker__RabbitMq__Password</c>). Added last, so a file wins
/// over every other source.
/// </summary>
public static class CredentialFiles
{
    public static IConfigurationBuilder AddCredentialFiles(this IConfigurationBuilder configuration) =>
        Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY") is { Length: > 0 } folder
            ? configuration.AddKeyPerFile(folder, optional: true)
            : configuration;
}
