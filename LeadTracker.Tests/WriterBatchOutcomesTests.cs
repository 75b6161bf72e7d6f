using LeadTracker.Tests.Support;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Tests;

/// <summary>
/// Each write of a group commit gets its own events' outcomes back, in order, and a write that fails on its own is
/// not retried as a batch. LeadWriterTests covers a batch with a bad write in it.
/// </summary>
[TestFixture]
public sealed class WriterBatchOutcomesTests
{
    [Test]
    public async Task Writes_committed_together_each_get_their_own_outcomes()
    {
        using var db = new TempDatabase();
        using var logs = new CapturingLoggerProvider();
        using var store = new LeadStore(db.Connections, logs.CreateLogger<LeadStore>());
        await using var writer = new LeadWriter(store, logs.CreateLogger<LeadWriter>());

        // Hold SQLite's write lock so the next two writes queue up behind the first as one batch.
        using var writeLock = db.HoldWriteLock();

        var first = writer.WriteAsync([InboundEvents.Received("w0")]);
        await logs.WaitForAsync(l => l.Message.StartsWith("SQLite is busy", StringComparison.Ordinal), "the first write meets the lock");
        var one = writer.WriteAsync([InboundEvents.Received("m1")]);
        var two = writer.WriteAsync([InboundEvents.Received("m1"), InboundEvents.Received("m2"), InboundEvents.Received("m2")]);
        writeLock.Release();

        Assert.Multiple(async () =>
        {
            Assert.That((await first).Select(o => o.Message), Is.EqualTo(new[] { WriteOutcome.Inserted }));
            Assert.That((await one).Select(o => (o.Event.Message!.Wamid, o.Message)), Is.EqualTo(new[] { ("m1", WriteOutcome.Inserted) }));
            Assert.That((await two).Select(o => (o.Event.Message!.Wamid, o.Message)), Is.EqualTo(new[]
            {
                ("m1", WriteOutcome.Unchanged), ("m2", WriteOutcome.Inserted), ("m2", WriteOutcome.Unchanged),
            }));
        });
    }

    [Test]
    public async Task A_write_that_fails_alone_fails_once_without_a_batch_line()
    {
        using var db = new TempDatabase();
        using var logs = new CapturingLoggerProvider();
        using var store = new LeadStore(db.Connections, logs.CreateLogger<LeadStore>(), createWorkspaces: false);
        await using var writer = new LeadWriter(store, logs.CreateLogger<LeadWriter>());

        Assert.That(async () => await writer.WriteAsync([InboundEvents.Received("m1")]), Throws.TypeOf<UnknownWorkspaceException>());
        Assert.That(logs.Logs.Select(l => l.Message), Has.None.Contains("A batch of"));
    }
}
