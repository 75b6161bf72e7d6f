using System.Diagnostics;
using LeadTracker.Tests.Support;
using LeadTracker.Worker;
using LeadTracker.Worker.Storage;
using LeadTracker.Worker.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Trace;

namespace LeadTracker.Tests;

/// <summary>
/// One trace per webhook event, from the ingress's request span through RabbitMQ to the worker's commit: the
/// ingress (in memory, real MassTransit) and the worker host (in process) talk through the real test broker and a
/// real SQLite file, each exporting its spans to an in-memory exporter.
/// </summary>
[TestFixture]
public sealed class TraceContinuityTests
{
    [Test]
    public async Task The_worker_span_of_an_event_is_a_child_of_the_webhook_request_span()
    {
        await using var broker = await TestBroker.CreateAsync("trace");
        using var db = new TempDatabase();
        var ingressSpans = new List<Activity>();
        var workerSpans = new List<Activity>();
        var workerLogs = new CapturingLoggerProvider();

        await using var worker = WorkerHost.Build(
        [
            $"--ConnectionStrings:Leads=Data Source={db.FilePath}",
            $"--LeadTracker:RabbitMq:VirtualHost={broker.VirtualHost}",
            "--LeadTracker:Worker:Urls=http://127.0.0.1:0",
        ], services =>
        {
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(workerSpans));
            services.AddSingleton<ILoggerProvider>(workerLogs);
        });
        DatabaseMigrator.Migrate(worker.Services.GetRequiredService<SqliteConnectionFactory>(), NullLogger.Instance);
        await worker.StartAsync();

        await using var ingress = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("LeadTracker:Kapso:WebhookSecret", KapsoFixtures.Secret);
            web.UseSetting("LeadTracker:RabbitMq:VirtualHost", broker.VirtualHost);
            web.UseSetting("LeadTracker:Spool:Path", db.FilePath + ".spool");
            web.ConfigureTestServices(services =>
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(ingressSpans)));
        });
        using var http = ingress.CreateClient();

        using (var response = await http.SendAsync(KapsoFixtures.Request(KapsoFixtures.Get("kapso-message-received-text.json"))))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Snapshot(workerSpans).All(s => s.Source.Name != EventTrace.SourceName) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await worker.StopAsync();

        var request = Snapshot(ingressSpans).Single(s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server);
        var applied = Snapshot(workerSpans).Where(s => s.Source.Name == EventTrace.SourceName).ToArray();
        var syncLine = workerLogs.Logs.Single(l => l.Message.StartsWith("[Kapso Sync]", StringComparison.Ordinal)).Message;
        Assert.Multiple(() =>
        {
            Assert.That(applied, Has.Length.EqualTo(1), "one worker span for the one event");
            Assert.That(applied[0].TraceId, Is.EqualTo(request.TraceId), "ingress and worker spans share the trace");
            Assert.That(applied[0].ParentSpanId, Is.EqualTo(request.SpanId),
                "the worker span's parent is the webhook request itself (the event's TraceParent), not the broker message");
            Assert.That(applied[0].GetTagItem("leadtracker.events"), Is.EqualTo(1), "the span ends after the commit of its event");
            Assert.That(applied[0].Status, Is.Not.EqualTo(ActivityStatusCode.Error));
            Assert.That(syncLine, Does.EndWith("trace " + request.TraceId.ToHexString()), "the [Kapso Sync] line carries the trace id");
        });
    }

    /// <summary>The exporter appends from other threads: a copy (CopyTo, no version check) may catch a slot unset.</summary>
    private static Activity[] Snapshot(List<Activity> spans) => spans.ToArray().Where(s => s is not null).ToArray();
}
