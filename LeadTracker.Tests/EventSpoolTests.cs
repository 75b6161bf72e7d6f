using LeadTracker.Tests.Support;
using LeadTracker.Contracts;
using LeadTracker.Ingress.Relay;
using LeadTracker.Ingress.Spool;
using LeadTracker.Ingress;
using Microsoft.Extensions.Options;

namespace LeadTracker.Tests;

/// <summary>The outage spool on a real SQLite file: what goes in comes back out, in order, until confirmed.</summary>
[TestFixture]
public sealed class EventSpoolTests
{
    private string _path = "";

    [SetUp]
    public void CreatePath()
    {
        _path = Path.Combine(Path.GetTempPath(), "leadtracker-tests", $"spool-{Guid.NewGuid():N}", "spool.db");
    }

    [TearDown]
    public void DeleteFolder()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);
    }

    [Test]
    public void Spooled_events_come_back_in_arrival_order_and_survive_a_restart_until_removed()
    {
        var received = new DateTimeOffset(2026, 1, 15, 10, 0, 0, TimeSpan.FromHours(-3));
        var first = TestEvents.Of("whatsapp.message.received", """{"a":1}""", received, "k#0");
        var second = TestEvents.Of("whatsapp.contact.identity_changed", """{"b":2}""", received);

        using (var spool = Spool(10)) Assert.That(spool.TryAppend([first, second]), Is.True);

        using var reopened = Spool(10);
        var peeked = reopened.Peek(10);
        Assert.That(reopened.Depth, Is.EqualTo(2));
        Assert.That(peeked.Select(p => p.Event.Members()), Is.EqualTo(new[] { first.Members(), second.Members() }));

        reopened.Remove(peeked[0].Seq, 1);
        Assert.That(reopened.Peek(10).Select(p => p.Event.Members()), Is.EqualTo(new[] { second.Members() }));
        Assert.That(reopened.Depth, Is.EqualTo(1));
    }

    [Test]
    public void A_full_spool_takes_nothing_of_a_request_that_does_not_fit()
    {
        using var spool = Spool(2);
        var e = TestEvents.Of("whatsapp.message.sent", "{}", DateTimeOffset.UnixEpoch);

        Assert.That(spool.TryAppend([e, e, e]), Is.False);
        Assert.That(spool.Depth, Is.Zero);
        Assert.That(spool.TryAppend([e, e]), Is.True);
        Assert.That(spool.IsFull, Is.True);
    }

    private EventSpool Spool(int max) =>
        new(Options.Create(new SpoolOptions { Path = _path, MaxEvents = max }));
}
