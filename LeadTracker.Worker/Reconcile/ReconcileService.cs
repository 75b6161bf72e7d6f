using System.Diagnostics;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Reconcile;

/// <summary>
/// Continuous catch-up: with a Kapso API key, reconciles every workspace at start (from its watermark minus the
/// overlap) and then every <see cref="ReconcileOptions.Interval"/>, so an outage longer than Kapso's retry window
/// loses nothing and nobody has to remember to run <c>reconcile</c>. Every run also re-reads the outbound messages of
/// the status lookback: a status that moved during an outage is recovered even when no new message was lost. A
/// workspace that fails is logged with its reason, named in the run's result, and retried at the next tick; the
/// others still run, and it never stops the worker.
/// </summary>
internal sealed partial class ReconcileService(
    IOptions<KapsoApiOptions> api,
    IOptions<ReconcileOptions> options,
    IServiceScopeFactory scopes,
    SqliteConnectionFactory connections,
    ReconcileStatus status,
    ReconcileMetrics metrics,
    ILogger<ReconcileService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (!api.Value.HasKey)
        {
            status.Disabled();
            Log.Off(logger);
            return;
        }

        var o = options.Value;
        status.Enabled();
        Log.On(logger, api.Value.ApiBaseUrl, o.Interval);
        using var timer = new PeriodicTimer(o.Interval);
        try
        {
            do
            {
                await RunOnceAsync(o, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task RunOnceAsync(ReconcileOptions o, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var until = DateTimeOffset.UtcNow;
        var tally = new ReconcileTally();
        using var scope = scopes.CreateScope();
        var reconciler = scope.ServiceProvider.GetRequiredService<Reconciler>();
        var workspaces = ReconcileWatermarks.ReadAll(connections);
        await reconciler.CatchUpAsync(
            workspaces.Select(w => new WorkspaceWindow(w.PhoneNumberId, w.Until is { } mark ? mark - o.Overlap : until - o.InitialLookback)),
            until, o.StatusLookback, tally, null, cancellationToken);

        var failures = tally.Failed ?? new Dictionary<string, string>();
        foreach (var (phoneNumberId, reason) in failures) Log.Failed(logger, phoneNumberId, reason);
        var failed = failures.Count > 0;
        var watermark = ReconcileWatermarks.ReadAll(connections).Select(w => w.Until).DefaultIfEmpty(null).Min();
        var result = failed ? $"failed for {string.Join(", ", failures.Keys)}"
            : workspaces.Count == 0 ? "ok: no workspaces yet" : "ok";
        status.Record(DateTimeOffset.UtcNow, result, tally, watermark);
        metrics.Run(!failed, tally);
        var lag = status.Lag(DateTimeOffset.UtcNow)?.TotalSeconds ?? 0;
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Log.Finished(logger, result, workspaces.Count, tally.Read, tally.Inserted, tally.Updated, tally.Unchanged,
            tally.LeadsChanged, seconds, lag);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5020, Level = LogLevel.Information,
            Message = "[Reconcile] Kapso catch-up is off: no API key (set LeadTracker__Kapso__ApiKey to recover webhooks lost in an outage)")]
        public static partial void Off(ILogger logger);

        [LoggerMessage(EventId = 5021, Level = LogLevel.Information,
            Message = "[Reconcile] Kapso catch-up is on: {ApiBaseUrl} every {Interval}")]
        public static partial void On(ILogger logger, Uri apiBaseUrl, TimeSpan interval);

        [LoggerMessage(EventId = 5022, Level = LogLevel.Information,
            Message = "[Reconcile] catch-up {Result} ({Workspaces} workspace(s)): {Read} read, {Inserted} inserted, {Updated} updated, {Unchanged} unchanged, {LeadsChanged} leads changed in {Seconds:F1} s; lag {LagSeconds:F0} s")]
        public static partial void Finished(ILogger logger, string result, int workspaces, int read, int inserted,
            int updated, int unchanged, int leadsChanged, double seconds, double lagSeconds);

        [LoggerMessage(EventId = 5023, Level = LogLevel.Warning,
            Message = "[Reconcile] catch-up of {PhoneNumberId} failed, its watermark stays and it is retried at the next interval (the other workspaces ran): {Reason}")]
        public static partial void Failed(ILogger logger, string phoneNumberId, string reason);
    }
}
