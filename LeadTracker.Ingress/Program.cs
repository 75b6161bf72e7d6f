using System.Text;
using System.Text.Json;
using LeadTracker.Hosting;
using LeadTracker.Ingress;
using LeadTracker.Ingress.Relay;
using LeadTracker.Ingress.Spool;
using MassTransit;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddSystemd();
builder.Configuration.AddCredentialFiles();
builder.AddLeadTrackerTelemetry("leadtracker-ingress", tracing => tracing.AddAspNetCoreInstrumentation(o =>
    o.Filter = http => http.Request.Path.StartsWithSegments(KapsoWebhookEndpoint.Path, StringComparison.OrdinalIgnoreCase)));

var services = builder.Services;
services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateDataAnnotations().ValidateOnStart();
services.AddOptions<IngressOptions>().BindConfiguration(IngressOptions.Section).ValidateDataAnnotations().ValidateOnStart();
services.AddOptions<SpoolOptions>().BindConfiguration(SpoolOptions.Section).ValidateDataAnnotations().ValidateOnStart();
services.AddOptions<KapsoOptions>().BindConfiguration(KapsoOptions.Section).ValidateOnStart();
services.AddSingleton<IValidateOptions<KapsoOptions>, KapsoOptionsValidator>();

var maxBody = builder.Configuration.GetSection(IngressOptions.Section).Get<IngressOptions>()?.MaxBodyBytes ?? new IngressOptions().MaxBodyBytes;
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBody + 1L);

services.AddSingleton(TimeProvider.System);
services.AddSingleton(sp => new WebhookSignature(
    Encoding.UTF8.GetBytes(sp.GetRequiredService<IOptions<KapsoOptions>>().Value.WebhookSecret ?? "")));
services.AddSingleton<IngressMetrics>();
services.AddSingleton<UnauthenticatedLog>();
services.AddSingleton<EventSpool>();
services.AddSingleton<BrokerCircuit>();
services.AddSingleton(sp => new BrokerOutageLog(TimeProvider.System, sp.GetRequiredService<ILogger<BrokerOutageLog>>(),
    "webhooks are accepted into the spool"));
services.AddEventRelay();
services.AddHostedService<SpoolForwarder>();
services.AddProblemDetails();
services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);

services.AddHealthChecks().AddCheck<IngressReadiness>("ingress", tags: ["ingress-ready"]);
services.AddMassTransit(bus => bus.UsingRabbitMq((context, cfg) =>
{
    var rabbit = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
    // The default, said out loud: a send completes only when RabbitMQ has confirmed it.
    cfg.LeadTrackerHost(rabbit, host => host.PublisherConfirmation = true);
    cfg.UseMandatorySends();
    // MassTransit indents its JSON by default: whitespace the broker carries and both apps write and read.
    cfg.ConfigureJsonSerializerOptions(json => { json.WriteIndented = false; return json; });
}));
services.Configure<MassTransitHostOptions>(o => o.WaitUntilStarted = false);

var app = builder.Build();
if (!app.SettingsAreValid()) return StartCheck.InvalidConfiguration;
app.WarnWhenUnsigned();
// The spool-depth gauge reports from the start, before the first webhook.
app.Services.GetRequiredService<IngressMetrics>().ObserveSpool(app.Services.GetRequiredService<EventSpool>());

app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions
{
    Predicate = check => check.Tags.Contains("ingress-ready"),
    ResponseWriter = (http, report) => HealthJson.WriteAsync(http, report, withData: true),
});
app.MapKapsoWebhook();
return app.RunChecked();
