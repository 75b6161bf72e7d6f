using System.Diagnostics;
using System.Globalization;
using Dapper;
using LeadTracker.Benchmark.Reporting;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Benchmark.Storage;

/// <summary>
/// What one new event costs on a lead with a long history against a lead with a short one, in the same file:
/// new inbound messages, new sends and their receipts (a receipt updates a row, so the lead's times are
/// re-derived from its messages). Batches of 100, synchronous=FULL, as the worker writes; three interleaved rounds, the best of each.
/// </summary>
internal static class LeadCost
{
    private const string Workspace = "110000000000777";
    private const int EventsPerLead = 9_000;

    public static async Task RunAsync(string workDirectory, long bigLead, Report report, CancellationToken ct)
    {
        var path = Path.Combine(workDirectory, "storage-lead-cost.db");
        var connections = new SqliteConnectionFactory($"Data Source={path}", SqliteDurability.Full);
        DatabaseMigrator.Migrate(connections, NullLogger.Instance);
        using (var db = connections.Open())
        {
            db.Execute("INSERT INTO workspaces (phone_number_id, created_at) VALUES (@Workspace, 0)", new { Workspace });
            Seed(db, "+15550177001", 10);
            Seed(db, "+15550177002", bigLead);
        }

        using var store = new LeadStore(connections, NullLogger<LeadStore>.Instance);
        await store.ApplyAsync(Events("+15550177003", 300), ct); // warm-up: JIT, prepared statements
        // Interleaved, best of three each: the machine's noise hits both leads alike.
        var (small, big) = (TimeSpan.MaxValue, TimeSpan.MaxValue);
        for (var round = 0; round < 3; round++)
        {
            var mark = string.Create(CultureInfo.InvariantCulture, $".r{round}");
            small = Min(small, await TimeAsync(store, Events("+15550177001", EventsPerLead, mark), ct));
            big = Min(big, await TimeAsync(store, Events("+15550177002", EventsPerLead, mark), ct));
        }

        report.Figures["lead-cost-ratio"] = big / small;
        report.Figures["lead-cost-messages"] = bigLead;
        report.Add(new ResultRow(
            "lead-cost",
            string.Create(CultureInfo.InvariantCulture, $"9. storage: new events on a lead with {bigLead:N0} messages (vs one with 10)"),
            EventsPerLead,
            big,
            null,
            [],
            string.Create(CultureInfo.InvariantCulture,
                $"µs per event: lead with {bigLead:N0} messages {big.TotalMicroseconds / EventsPerLead:N0}, lead with 10 {small.TotalMicroseconds / EventsPerLead:N0} (ratio {big / small:F2}); in turn a new inbound message, a new send, its receipt")));
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static async Task<TimeSpan> TimeAsync(LeadStore store, List<LeadEvent> events, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var chunk in events.Chunk(100)) await store.ApplyAsync(chunk, ct);
        return clock.Elapsed;
    }

    private static void Seed(System.Data.IDbConnection db, string phone, long messages)
    {
        using var tx = db.BeginTransaction();
        var contact = db.ExecuteScalar<long>("""
            INSERT INTO contacts (workspace_id, phone_e164, created_at, updated_at)
            VALUES ((SELECT id FROM workspaces WHERE phone_number_id = @Workspace), @phone, 0, 0) RETURNING id
            """, new { Workspace, phone }, tx);
        db.Execute("""
            INSERT INTO contact_identities (workspace_id, identity, contact_id)
            VALUES ((SELECT id FROM workspaces WHERE phone_number_id = @Workspace), 'phone:' || @phone, @contact)
            """, new { Workspace, phone, contact }, tx);
        // Alternating inbound messages and our sends, spread over the past.
        db.Execute("""
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < @messages)
            INSERT INTO messages (workspace_id, contact_id, wamid, direction, type, body, status, status_rank, outreach, occurred_at, received_at)
            SELECT (SELECT id FROM workspaces WHERE phone_number_id = @Workspace), @contact, printf('wamid.%s.%012d', @phone, i),
                   CASE i % 2 WHEN 0 THEN 'inbound' ELSE 'outbound' END, 'text', 'earlier message ' || i,
                   CASE i % 2 WHEN 0 THEN 'received' ELSE 'sent' END, i % 2, i % 2, 1700000000000 + i * 1000, 1700000000000 + i * 1000
            FROM n
            """, new { Workspace, phone, contact, messages }, tx, commandTimeout: 0);
        db.Execute("""
            UPDATE contacts SET last_inbound_at = 1700000000000, last_contact_at = 1700000000000, last_activity_at = 1700000000000
            WHERE id = @contact
            """, new { contact }, tx);
        tx.Commit();
    }

    /// <summary>In turn: a new inbound message, a new send, and the receipt for that send (which updates its row).</summary>
    private static List<LeadEvent> Events(string phone, int count, string mark = "")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var events = new List<LeadEvent>(count);
        for (var i = 0; i < count; i++)
        {
            var kind = i % 3;
            var sendOf = kind == 2 ? i - 1 : i;
            events.Add(new LeadEvent
            {
                EventType = kind switch { 0 => "whatsapp.message.received", 1 => "whatsapp.message.sent", _ => "whatsapp.message.delivered" },
                PhoneNumberId = Workspace,
                ReceivedAtMs = now,
                Contact = new ContactFact { PhoneE164 = phone, ObservedAtMs = now + i },
                Message = new MessageFact
                {
                    Wamid = string.Create(CultureInfo.InvariantCulture, $"wamid.{phone}.new{mark}.{sendOf:D8}"),
                    Direction = kind == 0 ? Direction.Inbound : Direction.Outbound,
                    Type = "text",
                    Body = kind == 2 ? null : "new message " + i,
                    Status = kind switch { 0 => MessageStatus.Received, 1 => MessageStatus.Sent, _ => MessageStatus.Delivered },
                    OccurredAtMs = now + sendOf,
                    IsOutreach = kind == 1,
                },
            });
        }

        return events;
    }
}
