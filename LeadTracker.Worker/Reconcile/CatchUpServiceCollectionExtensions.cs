using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Reconcile;

internal static class CatchUpServiceCollectionExtensions
{
    /// <summary>Kapso's API client and the worker's continuous catch-up (off, with one log line, without a key).</summary>
    public static IServiceCollection AddKapsoCatchUp(this IServiceCollection services)
    {
        services.AddOptions<KapsoApiOptions>().BindConfiguration(KapsoApiOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KapsoApiOptions>, KapsoApiOptions.Validation>();
        services.AddOptions<ReconcileOptions>().BindConfiguration(ReconcileOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();

        // Each page is logged by the reconciler; the factory's own request lines would only repeat it.
        services.AddHttpClient<KapsoApiClient>(http => http.Timeout = KapsoApiClient.Timeout)
            .ConfigurePrimaryHttpMessageHandler(KapsoApiClient.NewHandler).RemoveAllLoggers();
        services.AddTransient<Reconciler>();
        services.AddSingleton<ReconcileStatus>();
        services.AddSingleton<ReconcileMetrics>();
        services.AddHostedService<ReconcileService>();
        return services;
    }
}
