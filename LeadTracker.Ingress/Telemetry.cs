using LeadTracker.Ingress.Spool;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LeadTracker.Ingress;

/// <summary>
/// Traces and metrics of the ingress: every <c>LeadTracker.*</c> meter as Prometheus text at <c>GET /metrics</c>
/// (series named <c>leadtracker_…</c>), and traces plus metrics over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. The webhook request's span is the root of each event's trace: its
/// traceparent travels in the event (<see cref="IKapsoEvent.TraceParent"/>) to the worker's commit.
/// </summary>
internal static class Telemetry
{
    public const string ServiceName = "leadtracker-ingress";

    public static WebApplicationBuilder AddLeadTrackerTelemetry(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing => tracing
                .AddSource("LeadTracker.*", "MassTransit")
                .AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path.StartsWithSegments(KapsoWebhookEndpoint.Path, StringComparison.OrdinalIgnoreCase)))
            .WithMetrics(metrics => metrics
                .AddMeter("LeadTracker.*")
                .AddPrometheusExporter(prometheus =>
                {
                    // Every series is ours (leadtracker_…): no target_info/otel_scope_info beside them.
                    prometheus.TargetInfoEnabled = false;
                    prometheus.ScopeInfoEnabled = false;
                    prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                }));
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])) otel.UseOtlpExporter();

        builder.Services.AddSingleton<IStartupFilter, MetricsEndpoint>();
        return builder;
    }

    /// <summary>Serves <c>/metrics</c> ahead of the app's own routes, and starts the spool-depth gauge at once.</summary>
    private sealed class MetricsEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.ApplicationServices.GetRequiredService<IngressMetrics>().ObserveSpool(app.ApplicationServices.GetRequiredService<EventSpool>());
            app.UseOpenTelemetryPrometheusScrapingEndpoint();
            next(app);
        };
    }
}
