using System.Diagnostics;
using System.Globalization;
using LeadTracker.Benchmark.Reporting;
using LeadTracker.Contracts;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Benchmark.Storage;

/// <summary>
/// SQLite's limit through LeadTracker's own store: the generated events, parsed by <see cref="KapsoEventParser"/>
/// beforehand (not timed), applied by <see cref="LeadStore.ApplyAsync"/> from one loop into a fresh, migrated file,
/// one transaction per batch, for several batch sizes and both durability settings. No broker, no HTTP.
/// </summary>
internal static class StorageLimit
{
    private static readonly int[] BatchSizes = [1, 10, 100, 500];

    public static List<LeadEvent> Parse(IReadOnlyList<KapsoEvent> generated)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        return generated
            .SelectMany(e => KapsoEventParser.Parse(KapsoEventTypes.Named(e.EventType), e.Json, receivedAt))
            .ToList();
    }

    public static async Task RunAsync(List<LeadEvent> events, string workDirectory, Report report, CancellationToken ct)
    {

        // Warm-up (JIT, SQLite page cache code paths) on a throw-away file.
        await ApplyAsync(Path.Combine(workDirectory, "storage-warmup.db"), SqliteDurability.Full, events.Take(2_000).ToList(), 100, "storage warm-up", ct);

        foreach (var durability in new[] { SqliteDurability.Full, SqliteDurability.Normal })
        {
            var results = new List<(int Batch, int Events, TimeSpan Elapsed)>();
            foreach (var batch in BatchSizes)
            {
                // One transaction per event is fsync-bound: a few thousand events tell its rate.
                var sample = events.Take(batch switch { 1 => 3_000, 10 => 20_000, _ => events.Count }).ToList();
                var name = durability.ToString().ToLowerInvariant();
                var elapsed = await ApplyAsync(
                    Path.Combine(workDirectory, $"storage-{name}-{batch}.db"), durability, sample, batch, $"storage {name} batch {batch}", ct);
                results.Add((batch, sample.Count, elapsed));
            }

            var best = results.MaxBy(r => r.Events / r.Elapsed.TotalSeconds);
            var all = string.Join(", ", results.Select(r => string.Create(
                CultureInfo.InvariantCulture, $"{r.Batch}: {r.Events / r.Elapsed.TotalSeconds:N0}/s")));
            var full = durability == SqliteDurability.Full;
            report.Add(new ResultRow(
                full ? "storage-full" : "storage-normal",
                $"2{(full ? "a" : "b")}. storage limit: LeadStore → SQLite, WAL, synchronous={durability.ToString().ToUpperInvariant()}",
                best.Events,
                best.Elapsed,
                null,
                [],
                $"best batch {best.Batch}; events/s by batch size: {all}"));
        }
    }

    /// <summary>
    /// The same events, batches of 500, synchronous=FULL, into a file that already holds <paramref name="prefilled"/>
    /// messages (<see cref="PrefilledDatabase"/>) and, interleaved round by round, into a fresh file: on a shared
    /// machine the background load drifts by the minute, and interleaving puts the same drift on both sides.
    /// </summary>
    public static async Task RunPrefilledAsync(List<LeadEvent> events, string path, long prefilled, string workDirectory,
        Report report, CancellationToken ct)
    {
        var held = PrefilledDatabase.MessageCount(path);
        var fresh = Path.Combine(workDirectory, $"storage-control-{prefilled}.db");
        // Written to a copy: the cached file must hold the same messages for every run (it grew by each run's events).
        var copy = Path.Combine(workDirectory, $"storage-prefilled-{prefilled}.db");
        File.Copy(path, copy, overwrite: true);
        using var big = Store(copy);
        using var control = Store(fresh);
        var (bigTime, controlTime) = (TimeSpan.Zero, TimeSpan.Zero);
        long applied = 0;
        await using (Progress.Start($"storage, {prefilled:N0} messages in the file vs a fresh file", () => (events.Count * 2L, Interlocked.Read(ref applied))))
        {
            foreach (var round in events.Chunk(Math.Max(500, events.Count / 10)))
            {
                controlTime += await TimeAsync(control, round, ct);
                bigTime += await TimeAsync(big, round, ct);
                Interlocked.Add(ref applied, round.Length * 2L);
            }
        }

        var ratio = controlTime / bigTime;
        report.Figures[$"storage-prefilled-ratio-{prefilled}"] = ratio;
        report.Add(new ResultRow(
            $"storage-prefilled-{prefilled}",
            string.Create(CultureInfo.InvariantCulture, $"8. storage limit FULL with {prefilled:N0} messages already in the file"),
            events.Count,
            bigTime,
            null,
            [],
            string.Create(CultureInfo.InvariantCulture,
                $"batches of 500; the file held {held:N0} messages ({new FileInfo(path).Length / 1_000_000:N0} MB) at the start; interleaved in 10 rounds with a fresh file: {events.Count / controlTime.TotalSeconds:N0}/s, ratio {ratio:P0}")));

        static LeadStore Store(string file)
        {
            var connections = new SqliteConnectionFactory($"Data Source={file}", SqliteDurability.Full);
            DatabaseMigrator.Migrate(connections, NullLogger.Instance);
            return new LeadStore(connections, NullLogger<LeadStore>.Instance);
        }

        static async Task<TimeSpan> TimeAsync(LeadStore store, LeadEvent[] round, CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            foreach (var chunk in round.Chunk(500)) await store.ApplyAsync(chunk, ct);
            return clock.Elapsed;
        }
    }

    private static async Task<TimeSpan> ApplyAsync(
        string path, SqliteDurability durability, List<LeadEvent> events, int batch, string phase, CancellationToken ct)
    {
        var connections = new SqliteConnectionFactory($"Data Source={path}", durability);
        DatabaseMigrator.Migrate(connections, NullLogger.Instance);
        using var store = new LeadStore(connections, NullLogger<LeadStore>.Instance);
        long applied = 0;
        var clock = Stopwatch.StartNew();
        await using (Progress.Start(phase, () => (events.Count, Interlocked.Read(ref applied))))
        {
            foreach (var chunk in events.Chunk(batch))
            {
                await store.ApplyAsync(chunk, ct);
                Interlocked.Add(ref applied, chunk.Length);
            }
        }

        return clock.Elapsed;
    }
}
