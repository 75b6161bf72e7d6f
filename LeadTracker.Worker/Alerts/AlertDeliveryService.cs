using System.Collections.Concurrent;
using LeadTracker.Worker.Leads;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// The alerts' own loop, beside the consumers and never in their write path: every
/// <see cref="AlertOptions.ScanInterval"/> it writes the alerts that became due (<see cref="AlertScan"/>), then sends
/// every delivery whose time has come, at most <see cref="AlertOptions.MaxConcurrency"/> at once, and records the
/// outcomes in one transaction per round. Sent before recorded: a kill in between sends that webhook again with
/// the same <c>webhook-id</c> after the restart (at least once; receivers dedupe by the id, docs/alerts.md).
/// </summary>
internal sealed partial class AlertDeliveryService(
    IOptions<AlertOptions> options,
    AlertScan scan,
    AlertStore store,
    AlertSender sender,
    AlertStatus status,
    AlertMetrics metrics,
    TimeProvider time,
    ILogger<AlertDeliveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var o = options.Value;
        if (!o.Enabled)
        {
            status.Update(false, [], 0, null, time.GetUtcNow());
            Log.Off(logger);
            return;
        }

        var endpoints = AlertEndpoint.From(o);
        Log.On(logger, endpoints.Count, o.WaitingAfter, o.ClosingWithin);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(o, endpoints, stoppingToken);
            }
            catch (SqliteException e)
            {
                Log.RoundFailed(logger, e.Message.Split('\n', 2)[0]);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(o.ScanInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RoundAsync(AlertOptions o, IReadOnlyList<AlertEndpoint> endpoints, CancellationToken stopping)
    {
        // The endpoints disabled so far; one that answers 410 in this round joins at once, so it gets nothing more in it
        // either (requests already in flight aside). The store records it with that attempt's outcome.
        var disabled = new ConcurrentDictionary<string, bool>(store.Disabled().Keys.Select(key => KeyValuePair.Create(key, true)));
        var found = scan.Run(time.GetUtcNow(), o, endpoints, disabled.Keys.ToHashSet());
        if (found > 0) Log.Found(logger, found);

        while (!stopping.IsCancellationRequested)
        {
            var due = store.Due(time.GetUtcNow(), o.MaxConcurrency * 16);
            if (due.Count == 0) break;
            var results = new ConcurrentQueue<(AlertDelivery, AttemptResult)>();
            using var recording = new SemaphoreSlim(1, 1);
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = o.MaxConcurrency, CancellationToken = stopping },
                async (delivery, ct) =>
                {
                    var result = await AttemptAsync(delivery, endpoints, disabled, o, ct);
                    if (result.Outcome == AttemptOutcome.Gone) disabled[delivery.Endpoint] = true;
                    results.Enqueue((delivery, result));
                    // Recorded a few at a time as they come: what a kill can resend is what is in flight or awaiting
                    // this commit, never a whole round.
                    if (results.Count >= o.MaxConcurrency) await RecordAsync(results, recording, endpoints, o);
                });
            await RecordAsync(results, recording, endpoints, o);
        }

        Refresh(endpoints, store.Disabled());
    }

    private async Task RecordAsync(ConcurrentQueue<(AlertDelivery, AttemptResult)> results, SemaphoreSlim recording,
        IReadOnlyList<AlertEndpoint> endpoints, AlertOptions o)
    {
        await recording.WaitAsync(CancellationToken.None);
        try
        {
            var batch = new List<(AlertDelivery Delivery, AttemptResult Result)>();
            while (results.TryDequeue(out var r)) batch.Add(r);
            store.Record(batch, time.GetUtcNow(), o);
            foreach (var (delivery, result) in batch) Report(delivery, result, endpoints);
        }
        finally
        {
            recording.Release();
        }
    }

    private async Task<AttemptResult> AttemptAsync(AlertDelivery d, IReadOnlyList<AlertEndpoint> endpoints,
        ConcurrentDictionary<string, bool> disabled, AlertOptions o, CancellationToken ct)
    {
        var endpoint = endpoints.FirstOrDefault(e => e.Key == d.Endpoint);
        if (endpoint is null) return new AttemptResult(AttemptOutcome.Failed, "endpoint no longer configured");
        if (disabled.ContainsKey(endpoint.Key)) return new AttemptResult(AttemptOutcome.Failed, "endpoint disabled: it answered 410 Gone");
        if (d.LastContactAt >= d.InboundAt) return new AttemptResult(AttemptOutcome.Cancelled, "answered before delivery");
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now >= ReplyWindow.ClosesAt(d.InboundAt))
            return new AttemptResult(AttemptOutcome.Cancelled, "reply window closed before delivery");
        if (d.Kind == AlertKind.Closing && d.LastInboundAt > d.InboundAt)
            return new AttemptResult(AttemptOutcome.Cancelled, "they wrote again: the window reopened");
        return await sender.SendAsync(endpoint, d.AlertId, d.Body, o.Timeout, ct);
    }

    private void Report(AlertDelivery d, AttemptResult r, IReadOnlyList<AlertEndpoint> endpoints)
    {
        var endpoint = endpoints.FirstOrDefault(e => e.Key == d.Endpoint);
        var index = endpoint?.Index ?? -1;
        var host = endpoint?.Host ?? d.Endpoint;
        switch (r.Outcome)
        {
            case AttemptOutcome.Sent:
                metrics.Sent(d.Kind);
                Log.Sent(logger, d.AlertId, d.Kind, index, host, d.Attempts + 1);
                break;
            case AttemptOutcome.Retry:
                Log.WillRetry(logger, d.AlertId, d.Kind, index, host, d.Attempts + 1, r.Result);
                break;
            case AttemptOutcome.Cancelled:
                Log.Cancelled(logger, d.AlertId, d.Kind, r.Result);
                break;
            case AttemptOutcome.Gone:
                metrics.Failed(d.Kind);
                Log.EndpointGone(logger, index, host, d.AlertId);
                break;
            default:
                metrics.Failed(d.Kind);
                Log.DeliveryFailed(logger, d.AlertId, d.Kind, index, host, r.Result);
                break;
        }
    }

    private void Refresh(IReadOnlyList<AlertEndpoint> endpoints, IReadOnlyDictionary<string, (long At, string? Reason)> disabled)
    {
        var (pending, oldest) = store.Pending();
        var states = endpoints.Select(e => disabled.TryGetValue(e.Key, out var d)
            ? new AlertStatus.EndpointState(e.Index, e.Host, e.Workspace, DateTimeOffset.FromUnixTimeMilliseconds(d.At), d.Reason)
            : new AlertStatus.EndpointState(e.Index, e.Host, e.Workspace, null, null)).ToList();
        status.Update(true, states, pending, oldest is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, time.GetUtcNow());
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7000, Level = LogLevel.Information,
            Message = "Alerts are off: set LeadTracker__Alerts__Endpoints__0__Url and __Secret to send them (docs/alerts.md)")]
        public static partial void Off(ILogger logger);

        [LoggerMessage(EventId = 7001, Level = LogLevel.Information,
            Message = "Alerts to {Endpoints} endpoint(s): waiting after {WaitingAfter}, closing within {ClosingWithin}")]
        public static partial void On(ILogger logger, int endpoints, TimeSpan waitingAfter, TimeSpan closingWithin);

        [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "[Alert] {Count} new alert(s) due")]
        public static partial void Found(ILogger logger, int count);

        [LoggerMessage(EventId = 7003, Level = LogLevel.Information,
            Message = "[Alert] {Id} ({Kind}) sent to endpoint {Endpoint} ({Host}), attempt {Attempt}")]
        public static partial void Sent(ILogger logger, string id, string kind, int endpoint, string host, int attempt);

        [LoggerMessage(EventId = 7004, Level = LogLevel.Warning,
            Message = "[Alert] {Id} ({Kind}) to endpoint {Endpoint} ({Host}), attempt {Attempt}: {Result}; tried again later")]
        public static partial void WillRetry(ILogger logger, string id, string kind, int endpoint, string host, int attempt, string result);

        [LoggerMessage(EventId = 7005, Level = LogLevel.Error,
            Message = "[Alert] {Id} ({Kind}) to endpoint {Endpoint} ({Host}) failed: {Result}; `alerts replay {Id}` sends it again")]
        public static partial void DeliveryFailed(ILogger logger, string id, string kind, int endpoint, string host, string result);

        [LoggerMessage(EventId = 7006, Level = LogLevel.Error,
            Message = "[Alert] endpoint {Endpoint} ({Host}) answered 410 Gone to {Id}: disabled, nothing more is sent to it; configure a new URL to resume")]
        public static partial void EndpointGone(ILogger logger, int endpoint, string host, string id);

        [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "[Alert] {Id} ({Kind}) not sent: {Reason}")]
        public static partial void Cancelled(ILogger logger, string id, string kind, string reason);

        [LoggerMessage(EventId = 7008, Level = LogLevel.Error, Message = "[Alert] round failed, tried again at the next interval: {Reason}")]
        public static partial void RoundFailed(ILogger logger, string reason);
    }
}
