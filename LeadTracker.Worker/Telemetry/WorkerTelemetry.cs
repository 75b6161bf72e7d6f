using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LeadTracker.Worker.Telemetry;

/// <summary>
/// Traces and metrics of the worker: every <c>LeadTracker.*</c> meter as Prometheus text at <c>GET /metrics</c> on
/// the health listener (series named <c>leadtracker_…</c>), and traces plus metrics over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Each event's span (<see cref="EventTrace"/>) joins the trace the
/// ingress started for its webhook.
/// </summary>
internal static class WorkerTelemetry
{
    public const string ServiceName = "leadtracker-worker";

    public static WebApplicationBuilder AddLeadTrackerTelemetry(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing => tracing.AddSource("LeadTracker.*", "MassTransit"))
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

    private sealed class MetricsEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint();
            next(app);
        };
    }
}
