using System.Text.Json;
using Dapper;
using LeadTracker.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress.Spool;

/// <summary>
/// A durable local queue for events the broker did not confirm. A webhook is answered 200 only after its events
/// are committed here with synchronous=FULL, so a crash of the ingress loses nothing it acknowledged. Rows leave
/// only after RabbitMQ confirmed their re-publish (<see cref="SpoolForwarder"/>).
/// </summary>
internal sealed partial class EventSpool : IDisposable
{
    private const int SqliteFull = 13;

    // Room kept back on the spool's disk for deletes: in WAL mode even a DELETE needs space, and a spool that
    // cannot forget what the broker confirmed would send it again and again once the disk is full.
    private const int ReserveBytes = 1024 * 1024;

    private readonly string _reserve;
    private readonly ILogger<EventSpool> _logger;
    private readonly string _connectionString;
    private readonly int _maxEvents;
    private readonly Lock _gate = new();
    private long _depth;
    private volatile string? _diskFull;

    public EventSpool(IOptions<SpoolOptions> options, ILogger<EventSpool>? logger = null)
    {
        _logger = logger ?? NullLogger<EventSpool>.Instance;
        var settings = options.Value;
        _maxEvents = settings.MaxEvents;
        var folder = Path.GetDirectoryName(Path.GetFullPath(settings.Path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = settings.Path, Pooling = true }.ToString();
        _reserve = Path.GetFullPath(settings.Path) + ".reserve";
        KeepReserve();

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

    /// <summary>Why the spool's disk refused the last write (SQLite's reason); null while it has room.</summary>
    public string? DiskFull => _diskFull;

    public bool IsFull => Depth >= _maxEvents || _diskFull is not null;

    /// <returns>False when the spool is full, by count or because its disk is: nothing was written.</returns>
    public bool TryAppend(IReadOnlyList<IKapsoEvent> events)
    {
        lock (_gate)
        {
            if (Depth + events.Count > _maxEvents) return false;
            try
            {
                Append(events);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == SqliteFull)
            {
                // The transaction rolled back: nothing of this webhook is held, so it is answered 503 and Kapso retries.
                if (_diskFull is null) Log.DiskFull(_logger, e.Message);
                _diskFull = e.Message;
                return false;
            }

            RoomAgain();
            Interlocked.Add(ref _depth, events.Count);
            return true;
        }
    }

    private void Append(IReadOnlyList<IKapsoEvent> events)
    {
        using var db = Open();
        using var tx = db.BeginTransaction();
        foreach (var e in events)
        {
            db.Execute("""
                INSERT INTO spooled_events (stream, event_type, idempotency_key, payload_json, received_at)
                VALUES (@Stream, @EventType, @IdempotencyKey, @PayloadJson, @ReceivedAt)
                """, new
                {
                    Stream = (int)e.EventType.Stream, EventType = e.EventType.Name, e.IdempotencyKey, PayloadJson = e.Payload.GetRawText(),
                    ReceivedAt = e.ReceivedAt.ToString("O"),
                }, tx);
        }

        tx.Commit();
    }

    private void Delete(long lastSeq)
    {
        using var db = Open();
        db.Execute("DELETE FROM spooled_events WHERE seq <= @lastSeq", new { lastSeq });
    }

    /// <summary>Sets the reserve aside again (drained, or at start); on a disk still full it waits for the next drain.</summary>
    private void KeepReserve()
    {
        if (File.Exists(_reserve)) return;
        try
        {
            using var file = new FileStream(_reserve, FileMode.CreateNew, FileAccess.Write);
            file.Write(new byte[ReserveBytes]);
            file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            File.Delete(_reserve);
        }
    }

    /// <summary>A write went through, or rows were freed for reuse: the disk is no longer what refuses webhooks.</summary>
    private void RoomAgain()
    {
        if (_diskFull is null) return;
        _diskFull = null;
        Log.DiskFullCleared(_logger);
    }

    /// <summary>The oldest spooled events, in arrival order.</summary>
    /// <remarks>An event type this version no longer knows comes back <see cref="KapsoEventTypes.Ignored"/>: the
    /// forwarder drops it (no parser could apply it) rather than stall the events behind it.</remarks>
    public IReadOnlyList<(long Seq, IKapsoEvent Event)> Peek(int count)
    {
        using var db = Open();
        // A value tuple is filled by column position, so reading the spool does not depend on Dapper's process-wide
        // name matching (the worker turns snake_case matching on; the ingress never does).
        return db.Query<(long Seq, long Stream, string EventType, string? IdempotencyKey, string PayloadJson, string ReceivedAt)>("""
                SELECT seq, stream, event_type, idempotency_key, payload_json, received_at
                FROM spooled_events ORDER BY seq LIMIT @count
                """, new { count })
            .Select(r => (r.Seq, IKapsoEvent.Create(KapsoEventTypes.Named(r.EventType), r.IdempotencyKey, Payload(r.PayloadJson),
                DateTimeOffset.Parse(r.ReceivedAt, System.Globalization.CultureInfo.InvariantCulture), traceParent: null)))
            .ToArray();
    }

    /// <summary>Forgets events up to <paramref name="lastSeq"/>: call only after the broker confirmed them.</summary>
    public void Remove(long lastSeq, int count)
    {
        lock (_gate)
        {
            try
            {
                Delete(lastSeq);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == SqliteFull && File.Exists(_reserve))
            {
                File.Delete(_reserve);
                Log.ReserveReleased(_logger, ReserveBytes);
                Delete(lastSeq);
            }

            Interlocked.Add(ref _depth, -count);
            RoomAgain();
            if (Depth == 0) KeepReserve();
        }
    }

    public void Dispose() => SqliteConnection.ClearAllPools();

    private static JsonElement Payload(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private SqliteConnection Open()
    {
        var db = new SqliteConnection(_connectionString);
        db.Open();
        // An acknowledged webhook must survive power loss: sync every commit.
        db.Execute("PRAGMA synchronous = FULL;");
        return db;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4010, Level = LogLevel.Error,
            Message = "Spool disk full ({Reason}): webhooks the broker cannot take are answered 503 until there is room")]
        public static partial void DiskFull(ILogger logger, string reason);

        [LoggerMessage(EventId = 4012, Level = LogLevel.Warning,
            Message = "Spool disk full while forgetting forwarded events: released the {Bytes}-byte reserve kept for this")]
        public static partial void ReserveReleased(ILogger logger, int bytes);

        [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Spool disk has room again")]
        public static partial void DiskFullCleared(ILogger logger);
    }
}
