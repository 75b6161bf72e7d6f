using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Tests;

/// <summary>The group commit: many writes, one transaction, each answered only after the commit.</summary>
[TestFixture]
public sealed class LeadWriterTests
{
    [Test]
    public async Task A_bad_write_in_a_batch_fails_alone_and_its_neighbours_commit()
    {
        using var db = new TempDatabase();
        using (var setup = db.Connections.Open())
            setup.Execute("INSERT INTO workspaces (phone_number_id, created_at) VALUES ('known', 0)");
        using var logs = new CapturingLoggerProvider();
        using var store = new LeadStore(db.Connections, logs.CreateLogger<LeadStore>(), createWorkspaces: false);
        await using var writer = new LeadWriter(store, logs.CreateLogger<LeadWriter>());

        // Hold SQLite's write lock so the first write waits and the next three queue up behind it as one batch.
        using var writeLock = db.HoldWriteLock();
        var first = writer.WriteAsync([Inbound("w0", "known")]);
        // Not a sleep: the writer loop has taken the first write once the store reports the lock (its retry log).
        await logs.WaitForAsync(l => l.Message.StartsWith("SQLite is busy", StringComparison.Ordinal), "the first write meets the lock");
        var good1 = writer.WriteAsync([Inbound("w1", "known")]);
        var bad = writer.WriteAsync([Inbound("w2", "unknown-number")]);
        var good2 = writer.WriteAsync([Inbound("w3", "known")]);
        writeLock.Release();

        await first;
        Assert.Multiple(async () =>
        {
            Assert.That((await good1)[0].Message, Is.EqualTo(WriteOutcome.Inserted));
            Assert.That((await good2)[0].Message, Is.EqualTo(WriteOutcome.Inserted));
            Assert.That(async () => await bad, Throws.TypeOf<UnknownWorkspaceException>());
            Assert.That(logs.Logs.Select(l => l.Message), Has.Some.Contains("A batch of 3 writes failed"), "the fallback ran");
            using var connection = db.Connections.Open();
            Assert.That(connection.Query<string>("SELECT wamid FROM messages ORDER BY wamid"), Is.EqualTo(new[] { "w0", "w1", "w3" }));
        });
    }

    [Test]
    public async Task Stopping_the_writer_returns_only_after_the_writes_already_queued_are_committed()
    {
        using var db = new TempDatabase();
        using var logs = new CapturingLoggerProvider();
        using var store = new LeadStore(db.Connections, logs.CreateLogger<LeadStore>());
        var writer = new LeadWriter(store, logs.CreateLogger<LeadWriter>());

        // Hold SQLite's write lock: the writes wait in the writer while it is asked to stop.
        using var writeLock = db.HoldWriteLock();
        var writes = Enumerable.Range(0, 20).Select(i => writer.WriteAsync([InboundEvents.Received($"m{i}")])).ToArray();
        await logs.WaitForAsync(l => l.Message.StartsWith("SQLite is busy", StringComparison.Ordinal), "the writes meet the lock");

        var stopping = writer.DisposeAsync().AsTask();
        Assert.That(stopping.IsCompleted, Is.False, "stopping waits while the queued writes cannot commit");
        writeLock.Release();
        await stopping;

        Assert.Multiple(() =>
        {
            Assert.That(writes.Count(w => w.IsCompletedSuccessfully), Is.EqualTo(20), "every queued write answered when stopping returns");
            using var connection = db.Connections.Open();
            Assert.That(connection.ExecuteScalar<long>("SELECT COUNT(*) FROM messages"), Is.EqualTo(20));
        });
    }

    private static LeadEvent Inbound(string wamid, string business) => new()
    {
        EventType = "whatsapp.message.received",
        PhoneNumberId = business,
        ReceivedAtMs = 1_000,
        Contact = new ContactFact { PhoneE164 = "+15550100123", ObservedAtMs = 1_000 },
        Message = new MessageFact { Wamid = wamid, Direction = Direction.Inbound, Status = MessageStatus.Received, OccurredAtMs = 1_000 },
    };
}
