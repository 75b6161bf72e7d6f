using System.Diagnostics;
using System.Net;

namespace LeadTracker.Benchmark.Load;

internal sealed record LoadRun(int Requests, int Events, long Failures, long Retries, TimeSpan Elapsed, LatencySummary Latency);

/// <summary>
/// Closed loop (N senders, each posts its next webhook as soon as the last one answered) for throughput, and open
/// loop (a fixed schedule, latency counted from the scheduled time so a stall is not hidden) for latency at a rate.
/// A non-200 answer is retried like Kapso does (at most 3 retries); what still fails is counted, never hidden.
/// </summary>
internal static class LoadGenerator
{
    private const int MaxAttempts = 4;

    public static async Task<LoadRun> ClosedLoopAsync(
        WebhookClient client, IReadOnlyList<Webhook> webhooks, int concurrency, LoadCounters counters, CancellationToken ct)
    {
        var latencies = new Latencies(webhooks.Count);
        var next = -1;
        var started = Stopwatch.StartNew();
        var senders = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < webhooks.Count)
            {
                var t0 = Stopwatch.GetTimestamp();
                await SendWithRetryAsync(client, webhooks[i], counters, ct);
                latencies.Record(Stopwatch.GetTimestamp() - t0);
            }
        }, ct));
        await Task.WhenAll(senders);
        return new LoadRun(
            webhooks.Count, webhooks.Sum(w => w.Events.Count), counters.Failures, counters.Retries, started.Elapsed, latencies.Summarize());
    }

    public static async Task<LoadRun> OpenLoopAsync(
        WebhookClient client, IReadOnlyList<Webhook> webhooks, double perSecond, LoadCounters counters, CancellationToken ct)
    {
        var latencies = new Latencies(webhooks.Count);
        var interval = Stopwatch.Frequency / perSecond;
        var inFlight = new List<Task>(webhooks.Count);
        var started = Stopwatch.StartNew();
        var origin = Stopwatch.GetTimestamp();
        for (var i = 0; i < webhooks.Count; i++)
        {
            var due = origin + (long)(i * interval);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 1000)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), ct);
            }

            var webhook = webhooks[i];
            inFlight.Add(Task.Run(async () =>
            {
                await SendWithRetryAsync(client, webhook, counters, ct);
                latencies.Record(Stopwatch.GetTimestamp() - due);
            }, ct));
        }

        await Task.WhenAll(inFlight);
        return new LoadRun(
            webhooks.Count, webhooks.Sum(w => w.Events.Count), counters.Failures, counters.Retries, started.Elapsed, latencies.Summarize());
    }

    private static async Task SendWithRetryAsync(WebhookClient client, Webhook webhook, LoadCounters counters, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            HttpStatusCode status;
            try
            {
                status = await client.PostAsync(webhook, ct);
            }
            catch (HttpRequestException)
            {
                status = 0;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                status = HttpStatusCode.RequestTimeout;
            }

            if (status == HttpStatusCode.OK)
            {
                counters.Sent(webhook.Events.Count);
                return;
            }

            if (attempt == MaxAttempts)
            {
                counters.Failed();
                return;
            }

            counters.Retried();
            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
        }
    }
}
