using Dapper;
using LeadTracker.Worker.Domain;
using Microsoft.Extensions.Logging;
using Polly;

namespace LeadTracker.Worker.Storage;

/// <summary>What applying one <see cref="LeadEvent"/> did, known only after its transaction committed.</summary>
internal sealed record EventOutcome(LeadEvent Event, WriteOutcome Message);

/// <summary>
/// All writes of LeadTracker: a list of events applied in one SQLite transaction, idempotent and commutative
/// (docs/architecture.md, "Why each guarantee holds"), wrapped in the SQLITE_BUSY retry pipeline. SQLite has one writer:
/// so does the store, on one connection kept open with its prepared statements (<see cref="LeadDb"/>). Not
/// thread-safe, by design: the one guard is <see cref="LeadWriter"/>'s single loop, the store's only caller in
/// the worker (write through the writer, never around it).
/// </summary>
internal sealed class LeadStore : IDisposable
{
    private readonly SqliteConnectionFactory _connections;
    private readonly bool _createWorkspaces;
    private readonly ResiliencePipeline _retry;
    // Like everything the store touches, used by one writer loop at a time.
    private readonly Dictionary<string, long> _workspaces = new(StringComparer.Ordinal);
    private LeadDb? _db;

    public LeadStore(SqliteConnectionFactory connections, ILogger<LeadStore> logger, bool createWorkspaces = true,
        ResiliencePipeline? retry = null)
    {
        _connections = connections;
        _createWorkspaces = createWorkspaces;
        _retry = retry ?? SqliteRetry.Create(logger);
    }

    /// <summary>Applies every event in one transaction: all of them commit, or none.</summary>
    public async Task<IReadOnlyList<EventOutcome>> ApplyAsync(IReadOnlyList<LeadEvent> events, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(static (state, _) => ValueTask.FromResult(state.self.Apply(state.events)),
            (self: this, events), cancellationToken);

    /// <summary>
    /// Copies the write-ahead log into the database and truncates it to nothing, giving its space back to a full
    /// disk; a failure (the database itself cannot grow) changes nothing and is ignored: the caller waits anyway.
    /// </summary>
    public void TryTruncateWriteAheadLog()
    {
        try
        {
            _db ??= new LeadDb(_connections.OpenWriter());
            _db.Connection.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            _db?.Dispose();
            _db = null;
        }
    }

    public void Dispose()
    {
        _db?.Dispose();
        _db = null;
    }

    private EventOutcome[] Apply(IReadOnlyList<LeadEvent> events)
    {
        _db ??= new LeadDb(_connections.OpenWriter());
        try
        {
            return Apply(_db, events);
        }
        catch
        {
            // Whatever failed (busy, I/O, a bad row), the next attempt starts on a fresh connection.
            _db.Dispose();
            _db = null;
            throw;
        }
    }

    private EventOutcome[] Apply(LeadDb db, IReadOnlyList<LeadEvent> events)
    {
        using var tx = db.Begin();
        var created = new Dictionary<string, long>();
        var outcomes = new EventOutcome[events.Count];
        for (var i = 0; i < events.Count; i++) outcomes[i] = Apply(db, events[i], created);
        tx.Commit();

        // Only now are new workspaces real: a rolled-back transaction must not leave ids in the cache.
        foreach (var (phoneNumberId, id) in created) _workspaces[phoneNumberId] = id;
        return outcomes;
    }

    private EventOutcome Apply(LeadDb db, LeadEvent change, Dictionary<string, long> created)
    {
        if (change.Contact is not { } contact) return new EventOutcome(change, WriteOutcome.None);

        var workspaceId = Workspace(db, change.PhoneNumberId, change.ReceivedAtMs, created);
        var contactId = IdentityResolution.Resolve(db, workspaceId, contact);
        if (change.Marketing is { } marketing) ContactUpdates.ApplyMarketing(db, contactId, marketing);
        if (change.Message is not { } message)
        {
            ContactUpdates.Fold(db, contactId, contact);
            return new EventOutcome(change, WriteOutcome.None);
        }

        var outcome = MessageRows.Upsert(db, workspaceId, contactId, message, change.ReceivedAtMs);

        // A message id is one conversation with one person: when the row already belongs to another contact (its
        // first event carried other identities of this lead, e.g. a phone where this one carries a business-scoped
        // id), the two contacts are one lead. Merged here, the rows do not depend on which event came first.
        if (outcome != WriteOutcome.Inserted && MessageRows.OwnerOf(db, workspaceId, message.Wamid) is { } owner
            && owner != contactId)
        {
            contactId = IdentityResolution.Link(db, contactId, owner);
        }

        var inserted = outcome == WriteOutcome.Inserted;
        ContactUpdates.Fold(db, contactId, contact,
            inboundAt: inserted && message.Direction == Direction.Inbound ? message.OccurredAtMs : null,
            outreachAt: inserted && message.IsOutreach ? message.OccurredAtMs : null,
            templateAt: inserted && message.NeedsTemplate ? message.OccurredAtMs : null);

        // A row that existed may have become outreach, failed, or earlier (another event of the message carried an
        // earlier time, and a message's time is its earliest): derive the times from the rows, so a failed send is
        // never outreach and a lead's times are those of its messages, whichever event came first.
        if (outcome == WriteOutcome.Updated) ContactUpdates.RecomputeTimes(db, contactId);

        // The lead's source is its earliest message's referral: re-derived when a message with one is stored, or
        // when a message row moved earlier (it may be the one with the referral).
        if (message.Referral is { } referral) ContactUpdates.KeepReferral(db, message.Wamid, referral);
        if (message.Referral is not null || outcome == WriteOutcome.Updated) ContactUpdates.RecomputeSource(db, contactId);

        return new EventOutcome(change, outcome);
    }

    private long Workspace(LeadDb db, string phoneNumberId, long seenAtMs,
        Dictionary<string, long> created)
    {
        if (_workspaces.TryGetValue(phoneNumberId, out var cached) || created.TryGetValue(phoneNumberId, out cached))
            return cached;

        var id = db.Connection.ExecuteScalar<long?>("SELECT id FROM workspaces WHERE phone_number_id = @phoneNumberId",
            new { phoneNumberId }, db.Transaction);
        if (id is { } existing)
        {
            // Not created by this transaction (that would be in 'created'), so it is committed: safe to cache.
            _workspaces[phoneNumberId] = existing;
            return existing;
        }

        if (!_createWorkspaces) throw new UnknownWorkspaceException(phoneNumberId);
        var newId = db.Connection.ExecuteScalar<long>("""
            INSERT INTO workspaces (phone_number_id, created_at) VALUES (@phoneNumberId, @seenAtMs)
            RETURNING id
            """, new { phoneNumberId, seenAtMs }, db.Transaction);
        created[phoneNumberId] = newId;
        return newId;
    }
}
