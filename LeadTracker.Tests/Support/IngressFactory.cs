using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LeadTracker.Contracts;
using LeadTracker.Ingress;
using LeadTracker.Ingress.Spool;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Tests.Support;

/// <summary>
/// The ingress in memory: its own Program and configuration, the fixtures' secret, a spool file in a temp folder,
/// and MassTransit's in-memory test harness instead of RabbitMQ, so a test can see exactly what was sent. Every
/// log line goes to <see cref="Logs"/>; every metric the ingress records goes to <see cref="Metrics"/>.
/// </summary>
internal sealed class IngressFactory : WebApplicationFactory<Program>
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", "ingress-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentDictionary<string, long> _bodyBytesRead = new();
    private MeterListener? _listener;

    /// <param name="kestrel">Serve over a real loopback socket (Kestrel and its limits) instead of the in-memory TestServer.</param>
    public IngressFactory(bool kestrel = false)
    {
        if (kestrel) UseKestrel(0);
    }

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>(instrument, tags "k=v,k=v", value) of every measurement of the LeadTracker.Ingress meter.</summary>
    public ConcurrentQueue<(string Instrument, string Tags, long Value)> Metrics { get; } = new();

    public ITestHarness Harness => Services.GetTestHarness();

    public EventSpool Spool => Services.GetRequiredService<EventSpool>();

    /// <summary>Every message the ingress has sent or published so far (no waiting for more).</summary>
    public int MessagesOut
    {
        get
        {
            var now = new CancellationToken(canceled: true);
            return Harness.Sent.Select(_ => true, now).Count() + Harness.Published.Select(_ => true, now).Count();
        }
    }

    /// <summary>Every message event sent so far, out of the coalesced broker messages that carry them.</summary>
    public IReadOnlyList<KapsoMessageEvent> MessageEventsSent =>
        Harness.Sent.Select<KapsoMessageEvents>(new CancellationToken(canceled: true)).SelectMany(m => m.Context.Message.Events).ToList();

    public IReadOnlyList<KapsoContactEvent> ContactEventsSent =>
        Harness.Sent.Select<KapsoContactEvents>(new CancellationToken(canceled: true)).SelectMany(m => m.Context.Message.Events).ToList();

    /// <summary>How many body bytes the application read for the request with this <c>X-Idempotency-Key</c>.</summary>
    public long BodyBytesRead(string idempotencyKey) => _bodyBytesRead.GetValueOrDefault(idempotencyKey);

    public long Measured(string instrument, string tags) =>
        Metrics.Where(m => m.Instrument == instrument && m.Tags == tags).Sum(m => m.Value);

    /// <summary>
    /// The totals of <paramref name="instrument"/> so far, by tags: take one before a request and compare with
    /// <see cref="MeasuredSince"/> after it, so a count is that request's (the counters grow across a fixture).
    /// </summary>
    public Dictionary<string, long> MeasuredByTags(string instrument) =>
        Metrics.Where(m => m.Instrument == instrument).GroupBy(m => m.Tags)
            .ToDictionary(g => g.Key, g => g.Sum(m => m.Value), StringComparer.Ordinal);

    /// <summary>What <paramref name="instrument"/> counted since <paramref name="before"/>, by tags; series that did not move are left out.</summary>
    public Dictionary<string, long> MeasuredSince(string instrument, IReadOnlyDictionary<string, long> before) =>
        MeasuredByTags(instrument).Select(p => (p.Key, Delta: p.Value - before.GetValueOrDefault(p.Key)))
            .Where(p => p.Delta != 0).ToDictionary(p => p.Key, p => p.Delta, StringComparer.Ordinal);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(_folder);
        builder.UseSetting("LeadTracker:Kapso:WebhookSecret", KapsoFixtures.Secret);
        builder.UseSetting("LeadTracker:Spool:Path", Path.Combine(_folder, "ingress-spool.db"));
        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(Logs);
            logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
        });
        builder.ConfigureTestServices(services =>
        {
            services.AddMassTransitTestHarness();
            services.AddSingleton<IStartupFilter>(new CountBodyBytes(_bodyBytesRead));
        });
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == IngressMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var text = string.Join(',', tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
            Metrics.Enqueue((instrument.Name, text, value));
        });
        _listener.Start();
        return host;
    }

    protected override void Dispose(bool disposing)
    {
        _listener?.Dispose();
        base.Dispose(disposing);
        if (!disposing) return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans the temp folder; a leftover spool file is harmless.
        }
    }

    /// <summary>Wraps every request body in a stream that counts what the application pulls out of it.</summary>
    private sealed class CountBodyBytes(ConcurrentDictionary<string, long> read) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                var key = context.Request.Headers["X-Idempotency-Key"].ToString();
                var counting = new CountingStream(context.Request.Body, bytes => read.AddOrUpdate(key, bytes, (_, total) => total + bytes));
                context.Request.Body = counting;
                await nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class CountingStream(Stream inner, Action<int> counted) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int bytes)
        {
            counted(bytes);
            return bytes;
        }
    }
}
