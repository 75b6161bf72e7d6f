using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LeadTracker.Hosting;

/// <summary>
/// Traces and metrics of either app: every <c>LeadTracker.*</c> meter as Prometheus text at <c>GET /metrics</c>
/// (series named <c>leadtracker_…</c>), and traces plus metrics over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. The ingress's webhook span is the root of each event's trace; its
/// traceparent travels with the event to the worker's commit.
/// </summary>
public static class HostTelemetry
{
    /// <param name="serviceName"><c>leadtracker-ingress</c> or <c>leadtracker-worker</c>: the trace resource's name.</param>
    /// <param name="tracing">What the app traces beyond the <c>LeadTracker.*</c> and MassTransit sources.</param>
    public static WebApplicationBuilder AddLeadTrackerTelemetry(this WebApplicationBuilder builder, string serviceName,
        Action<TracerProviderBuilder>? tracing = null)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(traces =>
            {
                traces.AddSource("LeadTracker.*", "MassTransit");
                tracing?.Invoke(traces);
            })
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

    /// <summary>Serves <c>/metrics</c> ahead of the app's own routes.</summary>
    private sealed class MetricsEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint();
            next(app);
        };
    }
}
