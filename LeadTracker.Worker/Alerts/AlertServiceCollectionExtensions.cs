using LeadTracker.Worker.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Alerts;

internal static class AlertServiceCollectionExtensions
{
    /// <summary>The alert settings, checked at start; part of the registration every verb shares (WorkerServices).</summary>
    public static IServiceCollection AddAlertOptions(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertOptions>, AlertOptionsValidator>();
        return services;
    }

    /// <summary>Alerts (off, with one log line, without an endpoint): options checked at start, the loop, status and metrics.</summary>
    public static IServiceCollection AddLeadAlerts(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AlertStatus>();
        services.AddSingleton<AlertMetrics>();
        // Each attempt has its own timeout (AlertOptions.Timeout); each outcome is logged by the loop, so the factory's
        // own request lines would only repeat it.
        services.AddHttpClient(AlertSender.ClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(AlertSender.NewHandler).RemoveAllLoggers();
        services.AddSingleton(sp => new AlertSender(() => sp.GetRequiredService<IHttpClientFactory>().CreateClient(AlertSender.ClientName),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new AlertStore(sp.GetRequiredService<SqliteConnectionFactory>(), sp.GetRequiredService<ILogger<AlertStore>>()));
        services.AddSingleton(sp => new AlertScan(sp.GetRequiredService<SqliteConnectionFactory>(), sp.GetRequiredService<ILogger<AlertScan>>()));
        services.AddHostedService<AlertDeliveryService>();
        return services;
    }
}
