using LeadTracker.Worker.Leads;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Api;

/// <summary>What the API reads with: its own read-only connections (never the writer's), the zone for CSV.</summary>
internal sealed class LeadReadModel(SqliteConnectionFactory readOnly, TimeZoneInfo zone, TimeProvider clock)
{
    public SqliteConnectionFactory Connections => readOnly;

    public LeadQueries Queries { get; } = new(readOnly);

    public LeadCsv Csv { get; } = new(zone);

    public TimeZoneInfo Zone => zone;

    public DateTimeOffset Now => clock.GetUtcNow();
}
