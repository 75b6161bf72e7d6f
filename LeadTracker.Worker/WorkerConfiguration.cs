using Microsoft.Extensions.Configuration;

namespace LeadTracker.Worker;

/// <summary>
/// Configuration for the command-line verbs, from the same sources as the host: appsettings.json beside the
/// executable, appsettings.{Environment}.json, environment variables (<c>LeadTracker__…</c>), then credential files.
/// </summary>
internal static class WorkerConfiguration
{
    public const string DefaultConnectionString = "Data Source=leadtracker.db";

    public static IConfiguration Load()
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production";
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .AddCredentialFiles()
            .Build();
    }

    /// <summary>
    /// Secrets from files, never the environment: systemd's <c>LoadCredential=</c> and compose <c>secrets</c> both
    /// give a folder (<c>$CREDENTIALS_DIRECTORY</c>) with one file per setting, named like its environment variable
    /// (<c>LeadTracker__RabbitMq__Password</c>). Added last, so a file wins over every other source.
    /// </summary>
    public static IConfigurationBuilder AddCredentialFiles(this IConfigurationBuilder configuration) =>
        Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY") is { Length: > 0 } folder
            ? configuration.AddKeyPerFile(folder, optional: true)
            : configuration;

    public static string LeadsConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString("Leads") is { Length: > 0 } value ? value : DefaultConnectionString;
}
