using System.Diagnostics;
using System.Runtime.ExceptionServices;
using LeadTracker.Hosting;
using LeadTracker.Worker.Domain;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// Group commit: the single SQLite writer. Consumers hand their events here and wait; one loop applies whatever
/// has queued up in one transaction and answers every waiter only after the commit, so each RabbitMQ message is
/// still acknowledged after its own data is durable. At low load a batch is one message (no added latency);
/// under load batches grow up to <c>maxBatchEvents</c> and SQLite does one fsync for all of them.
/// A full disk (SQLITE_FULL) is a wait: the batch is held and tried again until there is room, so no event is
/// acknowledged or sent to <c>_error</c> because of it (<see cref="DiskFullStatus"/>; one line when it starts, one
/// when it clears).
/// </summary>
internal sealed partial class LeadWriter : IAsyncDisposable
{
    private readonly GroupedWork<IReadOnlyList<LeadEvent>, IReadOnlyList<EventOutcome>> _queue = new();

    private readonly LeadStore _store;
    private readonly ILogger<LeadWriter> _logger;
    private readonly int _maxBatchEvents;
    private readonly Task _loop;
    private readonly WriterStats _stats = new();
    private readonly DiskFullStatus _disk;
    private readonly CancellationTokenSource _stopping = new();

    public LeadWriter(LeadStore store, ILogger<LeadWriter> logger, int maxBatchEvents = 500, DiskFullStatus? disk = null)
    {
        _store = store;
        _logger = logger;
        _maxBatchEvents = maxBatchEvents;
        _disk = disk ?? new DiskFullStatus();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>How long the writer waits before trying a full disk again, doubling up to <see cref="MaxDiskWait"/>.</summary>
    public static TimeSpan FirstDiskWait { get; } = TimeSpan.FromMilliseconds(250);

    public static TimeSpan MaxDiskWait { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Completes once <paramref name="events"/> are committed; faults with the reason they cannot be.</summary>
    public Task<IReadOnlyList<EventOutcome>> WriteAsync(IReadOnlyList<LeadEvent> events) => _queue.Add(events, this);

    /// <summary>Stops taking writes and finishes the ones already queued: nothing acknowledged is left unwritten.</summary>
    /// <remarks>A wait for disk space ends here: its writes fault, unacknowledged, and RabbitMQ delivers them again
    /// to the next start (by now the bus has stopped, so nothing of them can reach <c>_error</c>).</remarks>
    public async ValueTask DisposeAsync()
    {
        _queue.Close();
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var events = new List<LeadEvent>();
        while (await _queue.WaitAsync())
        {
            var batch = _queue.Take(_maxBatchEvents, static write => write.Count);
            events.Clear();
            foreach (var pending in batch) events.AddRange(pending.Item);

            try
            {
                var started = Stopwatch.GetTimestamp();
                Complete(batch, await ApplyWhenThereIsRoomAsync(events));
                Telemetry.WorkerMetrics.Committed(events.Count, Stopwatch.GetElapsedTime(started));
                if (_stats.Add(events.Count, Stopwatch.GetElapsedTime(started)) is { } report)
                {
                    Log.Throughput(_logger, report.Events, report.Seconds, report.Events / report.Seconds, report.Commits,
                        (double)report.Events / report.Commits, report.CommitMs / report.Commits);
                }
            }
            catch (Exception e) when (batch.Count > 1)
            {
                // One bad event must not take its neighbours to the error queue: apply each write on its own.
                Log.BatchFailed(_logger, batch.Count, e.Message);
                foreach (var pending in batch) await ApplyAlone(pending);
            }
            catch (Exception e)
            {
                batch[0].Done.TrySetException(e);
            }
        }
    }

    private async Task ApplyAlone(GroupedWork<IReadOnlyList<LeadEvent>, IReadOnlyList<EventOutcome>>.Waiter pending)
    {
        try
        {
            pending.Done.TrySetResult(await ApplyWhenThereIsRoomAsync(pending.Item));
        }
        catch (Exception e)
        {
            pending.Done.TrySetException(e);
        }
    }

    private async Task<IReadOnlyList<EventOutcome>> ApplyWhenThereIsRoomAsync(IReadOnlyList<LeadEvent> events)
    {
        var wait = FirstDiskWait;
        while (true)
        {
            try
            {
                var outcomes = await _store.ApplyAsync(events, CancellationToken.None);
                if (_disk.Cleared(DateTimeOffset.UtcNow) is { } waited) Log.DiskRoom(_logger, waited.TotalSeconds);
                return outcomes;
            }
            catch (Exception e) when (DiskFullStatus.IsDiskFull(e) && !_stopping.IsCancellationRequested)
            {
                if (_disk.Full(e.Message, DateTimeOffset.UtcNow)) Log.DiskFull(_logger, e.Message, events.Count);

                // The WAL may hold most of the disk: a checkpoint that gets through gives its space back.
                _store.TryTruncateWriteAheadLog();
                try
                {
                    await Task.Delay(wait, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    ExceptionDispatchInfo.Throw(e);
                }

                wait = NextDiskWait(wait);
            }
        }
    }

    /// <summary>The wait after <paramref name="wait"/> on a disk still full: twice as long, at most <see cref="MaxDiskWait"/>.</summary>
    internal static TimeSpan NextDiskWait(TimeSpan wait) => TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxDiskWait.Ticks));

    private static void Complete(List<GroupedWork<IReadOnlyList<LeadEvent>, IReadOnlyList<EventOutcome>>.Waiter> batch,
        IReadOnlyList<EventOutcome> outcomes)
    {
        var offset = 0;
        foreach (var pending in batch)
        {
            pending.Done.TrySetResult(outcomes.Skip(offset).Take(pending.Item.Count).ToArray());
            offset += pending.Item.Count;
        }
    }

    /// <summary>Counts commits for the periodic throughput line; touched by the writer loop only.</summary>
    private sealed class WriterStats
    {
        private static readonly TimeSpan Every = TimeSpan.FromSeconds(10);
        private long _since = Stopwatch.GetTimestamp();
        private long _events;
        private long _commits;
        private double _commitMs;

        public (long Events, double Seconds, long Commits, double CommitMs)? Add(int events, TimeSpan commit)
        {
            _events += events;
            _commits++;
            _commitMs += commit.TotalMilliseconds;
            var elapsed = Stopwatch.GetElapsedTime(_since);
            if (elapsed < Every) return null;

            var report = (_events, elapsed.TotalSeconds, _commits, _commitMs);
            (_since, _events, _commits, _commitMs) = (Stopwatch.GetTimestamp(), 0, 0, 0);
            return report;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3003, Level = LogLevel.Information,
            Message = "[Writer] {Events} events in {Seconds:F1} s ({Rate:F0}/s), {Commits} commits, {EventsPerCommit:F1} events and {CommitMs:F1} ms per commit")]
        public static partial void Throughput(ILogger logger, long events, double seconds, double rate, long commits,
            double eventsPerCommit, double commitMs);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
            Message = "A batch of {Writes} writes failed ({Reason}); applying them one by one")]
        public static partial void BatchFailed(ILogger logger, int writes, string reason);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Error,
            Message = "Database disk full ({Reason}): {Events} events wait unacknowledged in memory and the queues hold the rest; writing resumes by itself when there is room")]
        public static partial void DiskFull(ILogger logger, string reason, int events);

        [LoggerMessage(EventId = 3005, Level = LogLevel.Information,
            Message = "Database disk has room again after {Seconds:F0} s: writing resumed")]
        public static partial void DiskRoom(ILogger logger, double seconds);
    }
}
