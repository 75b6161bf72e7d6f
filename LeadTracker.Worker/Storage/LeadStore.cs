using System.Data;
using Dapper;
using LeadTracker.Worker.Kapso;
using Microsoft.Extensions.Logging;
using Polly;

namespace LeadTracker.Worker.Storage;

/// <summary>What applying one <see cref="LeadEvent"/> did, known only after its transaction committed.</summary>
internal sealed record EventOutcome(LeadEvent Event, WriteOutcome Message);

/// <summary>
/// All writes of LeadTracker: a list of events applied in one SQLite transaction, idempotent and commutative
/// (DESIGN.md, "Rules that make this safe"), wrapped in the SQLITE_BUSY retry pipeline.
/// </summary>
internal sealed class LeadStore
{
    private readonly SqliteConnectionFactory _connections;
    private readonly bool _createWorkspaces;
    private readonly ResiliencePipeline _retry;

    static LeadStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

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

    private EventOutcome[] Apply(IReadOnlyList<LeadEvent> events)
    {
        using var db = _connections.Open();
        using var tx = db.BeginTransaction();
        var outcomes = new EventOutcome[events.Count];
        for (var i = 0; i < events.Count; i++) outcomes[i] = Apply(db, tx, events[i]);
        tx.Commit();
        return outcomes;
    }

    private EventOutcome Apply(IDbConnection db, IDbTransaction tx, LeadEvent change)
    {
        if (change.Contact is null) return new EventOutcome(change, WriteOutcome.None);

        var workspaceId = Workspace(db, tx, change.PhoneNumberId, change.ReceivedAtMs);
        var contactId = ContactRows.Resolve(db, tx, workspaceId, change.Contact);
        if (change.Marketing is { } marketing) ContactRows.ApplyMarketing(db, tx, contactId, marketing);
        if (change.Message is not { } message) return new EventOutcome(change, WriteOutcome.None);

        var outcome = MessageRows.Upsert(db, tx, workspaceId, contactId, message, change.ReceivedAtMs);
        if (outcome != WriteOutcome.Unchanged)
        {
            if (message.Direction == Direction.Inbound)
                MessageRows.TouchInbound(db, tx, contactId, message.OccurredAtMs);
            else if (message.IsOutreach || message.Status == MessageStatus.Failed)
                // A failed send is not outreach, whichever came first: derive the times from the rows.
                ContactRows.RecomputeTimes(db, tx, contactId);
        }

        return new EventOutcome(change, outcome);
    }

    private long Workspace(IDbConnection db, IDbTransaction tx, string phoneNumberId, long seenAtMs)
    {
        var id = db.ExecuteScalar<long?>("SELECT id FROM workspaces WHERE phone_number_id = @phoneNumberId",
            new { phoneNumberId }, tx);
        if (id is { } existing) return existing;
        if (!_createWorkspaces) throw new UnknownWorkspaceException(phoneNumberId);

        return db.ExecuteScalar<long>("""
            INSERT INTO workspaces (phone_number_id, created_at) VALUES (@phoneNumberId, @seenAtMs)
            RETURNING id
            """, new { phoneNumberId, seenAtMs }, tx);
    }
}
