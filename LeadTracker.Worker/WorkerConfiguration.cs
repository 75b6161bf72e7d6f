using LeadTracker.Hosting;

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

    public static string LeadsConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString("Leads") is { Length: > 0 } value ? value : DefaultConnectionString;
}
