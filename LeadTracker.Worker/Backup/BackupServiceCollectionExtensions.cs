namespace LeadTracker.Worker.Backup;

internal static class BackupServiceCollectionExtensions
{
    /// <summary>Scheduled backups (off, with one log line, without a directory), their status and metrics.</summary>
    public static IServiceCollection AddScheduledBackups(this IServiceCollection services)
    {
        services.AddOptions<BackupOptions>().BindConfiguration(BackupOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BackupStatus>();
        services.AddSingleton<BackupMetrics>();
        services.AddHostedService<BackupService>();
        return services;
    }
}
