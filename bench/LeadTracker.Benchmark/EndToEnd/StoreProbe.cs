using Dapper;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Benchmark.EndToEnd;

internal sealed record StoreCounts(long Messages, long StatusAdvanced, long MarketingContacts, long MarketingSequenceSum)
{
    public static readonly StoreCounts Empty = new(0, 0, 0, 0);

    /// <summary>What the progress line and the stall check follow: message rows until they are all in, then receipts and marketing too.</summary>
    public long Applied => Messages + StatusAdvanced + MarketingContacts;

    public bool Covers(Expectation e) =>
        Messages >= e.Messages && StatusAdvanced >= e.StatusAdvanced && MarketingSequenceSum >= e.MarketingSequenceSum;
}

/// <summary>
/// Reads the counts that tell whether every event reached SQLite, through a read-only connection so the writer under
/// test is not disturbed. Only the cheap <c>COUNT(*)</c> runs until every message row is in; the full check then.
/// Works on LeadTracker's schema and on the naive baseline's (same table and column names).
/// </summary>
internal sealed class StoreProbe(string databasePath)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadOnly,
        Pooling = false,
        DefaultTimeout = 5,
    }.ToString();

    public StoreCounts Read(Expectation? expected = null)
    {
        if (!File.Exists(databasePath))
        {
            return StoreCounts.Empty;
        }

        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            var messages = connection.ExecuteScalar<long>("SELECT COUNT(*) FROM messages");
            if (expected is not null && messages < expected.Messages)
            {
                return new StoreCounts(messages, 0, 0, 0);
            }

            var status = connection.ExecuteScalar<long>("SELECT COUNT(*) FROM messages WHERE status IN ('delivered', 'read')");
            var (contacts, sum) = connection.QuerySingle<(long, long)>(
                "SELECT COUNT(*), COALESCE(SUM(marketing_sequence), 0) FROM contacts WHERE marketing_status IS NOT NULL");
            return new StoreCounts(messages, status, contacts, sum);
        }
        catch (SqliteException)
        {
            // Not migrated yet, or a checkpoint holds it for a moment: nothing stored as far as we can tell.
            return StoreCounts.Empty;
        }
    }

    /// <summary>Polls until the store covers <paramref name="expected"/>, or nothing new lands for <paramref name="stallTimeout"/>.</summary>
    public async Task<(StoreCounts Counts, bool Complete)> WaitForAsync(
        Expectation expected, TimeSpan stallTimeout, Action<StoreCounts> observe, CancellationToken ct)
    {
        var last = StoreCounts.Empty;
        var lastChange = DateTime.UtcNow;
        while (true)
        {
            var counts = Read(expected);
            observe(counts);
            if (counts.Covers(expected))
            {
                return (counts, true);
            }

            if (counts.Applied != last.Applied)
            {
                last = counts;
                lastChange = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - lastChange > stallTimeout)
            {
                return (counts, false);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(counts.Messages >= expected.Messages * 0.95 ? 100 : 200), ct);
        }
    }
}
