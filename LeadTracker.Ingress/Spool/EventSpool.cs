using Dapper;
using LeadTracker.Contracts;
using LeadTracker.Ingress.Relay;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress.Spool;

/// <summary>
/// A durable local queue for events the broker did not confirm. A webhook is answered 200 only after its events
/// are committed here with synchronous=FULL, so a crash of the ingress loses nothing it acknowledged. Rows leave
/// only after RabbitMQ confirmed their re-publish (<see cref="SpoolForwarder"/>).
/// </summary>
internal sealed class EventSpool : IDisposable
{
    private readonly string _connectionString;
    private readonly int _maxEvents;
    private readonly Lock _gate = new();
    private long _depth;

    public EventSpool(IOptions<SpoolOptions> options)
    {
        var settings = options.Value;
        _maxEvents = settings.MaxEvents;
        var folder = Path.GetDirectoryName(Path.GetFullPath(settings.Path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = settings.Path, Pooling = true }.ToString();

        using var db = Open();
        db.Execute("""
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS spooled_events (
                seq             INTEGER PRIMARY KEY AUTOINCREMENT,
                stream          INTEGER NOT NULL,
                event_type      TEXT    NOT NULL,
                idempotency_key TEXT,
                payload_json    TEXT    NOT NULL,
                received_at     TEXT    NOT NULL
            );
            """);
        _depth = db.ExecuteScalar<long>("SELECT COUNT(*) FROM spooled_events");
    }

    /// <summary>Events waiting for the broker.</summary>
    public long Depth => Interlocked.Read(ref _depth);

    public bool IsFull => Depth >= _maxEvents;

    /// <returns>False when the spool is full: nothing was written.</returns>
    public bool TryAppend(IReadOnlyList<RelayedEvent> events)
    {
        lock (_gate)
        {
            if (Depth + events.Count > _maxEvents) return false;
            using var db = Open();
            using var tx = db.BeginTransaction();
            foreach (var e in events)
            {
                db.Execute("""
                    INSERT INTO spooled_events (stream, event_type, idempotency_key, payload_json, received_at)
                    VALUES (@Stream, @EventType, @IdempotencyKey, @PayloadJson, @ReceivedAt)
                    """, new { Stream = (int)e.Stream, e.EventType, e.IdempotencyKey, e.PayloadJson, ReceivedAt = e.ReceivedAt.ToString("O") }, tx);
            }

            tx.Commit();
            Interlocked.Add(ref _depth, events.Count);
            return true;
        }
    }

    /// <summary>The oldest spooled events, in arrival order.</summary>
    public IReadOnlyList<(long Seq, RelayedEvent Event)> Peek(int count)
    {
        using var db = Open();
        // A value tuple is filled by column position, so reading the spool does not depend on Dapper's process-wide
        // name matching (the worker turns snake_case matching on; the ingress never does).
        return db.Query<(long Seq, long Stream, string EventType, string? IdempotencyKey, string PayloadJson, string ReceivedAt)>("""
                SELECT seq, stream, event_type, idempotency_key, payload_json, received_at
                FROM spooled_events ORDER BY seq LIMIT @count
                """, new { count })
            .Select(r => (r.Seq, new RelayedEvent((EventStream)r.Stream, r.EventType, r.IdempotencyKey, r.PayloadJson,
                DateTimeOffset.Parse(r.ReceivedAt, System.Globalization.CultureInfo.InvariantCulture))))
            .ToArray();
    }

    /// <summary>Forgets events up to <paramref name="lastSeq"/>: call only after the broker confirmed them.</summary>
    public void Remove(long lastSeq, int count)
    {
        lock (_gate)
        {
            using var db = Open();
            db.Execute("DELETE FROM spooled_events WHERE seq <= @lastSeq", new { lastSeq });
            Interlocked.Add(ref _depth, -count);
        }
    }

    public void Dispose() => SqliteConnection.ClearAllPools();

    private SqliteConnection Open()
    {
        var db = new SqliteConnection(_connectionString);
        db.Open();
        // An acknowledged webhook must survive power loss: sync every commit.
        db.Execute("PRAGMA synchronous = FULL;");
        return db;
    }
}
