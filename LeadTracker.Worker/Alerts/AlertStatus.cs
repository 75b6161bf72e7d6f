namespace LeadTracker.Worker.Alerts;

/// <summary>
/// The alerts as the health JSON (<see cref="Json"/>, shown as <c>alerts</c>) and the metrics see them: each
/// endpoint and whether a 410 disabled it, pending deliveries and the oldest one's age. Refreshed by the delivery
/// loop every round; replaced whole, so readers on other threads see one consistent snapshot.
/// </summary>
internal sealed class AlertStatus(TimeProvider time)
{
    private volatile Snapshot _current = new(false, [], 0, null, null);

    public Snapshot Current => _current;

    public void Update(bool enabled, IReadOnlyList<EndpointState> endpoints, long pending, DateTimeOffset? oldestPending, DateTimeOffset at) =>
        _current = new Snapshot(enabled, endpoints, pending, oldestPending, at);

    /// <summary>Seconds since the oldest pending delivery's alert was made; 0 when nothing is pending.</summary>
    public double OldestPendingAgeSeconds => _current.OldestPending is { } oldest ? Math.Max(0, (time.GetUtcNow() - oldest).TotalSeconds) : 0;

    public object Json()
    {
        var s = _current;
        return new
        {
            enabled = s.Enabled,
            endpoints = s.Endpoints.Select(e => new
            {
                endpoint = e.Index,
                host = e.Host,
                workspace = e.Workspace,
                disabled = e.DisabledAt is not null,
                disabledAt = e.DisabledAt,
                disabledReason = e.DisabledReason,
            }),
            pending = s.Pending,
            oldestPendingAgeSeconds = Math.Round(OldestPendingAgeSeconds),
            checkedAt = s.CheckedAt,
        };
    }

    internal sealed record EndpointState(int Index, string Host, string? Workspace, DateTimeOffset? DisabledAt, string? DisabledReason);

    internal sealed record Snapshot(bool Enabled, IReadOnlyList<EndpointState> Endpoints, long Pending, DateTimeOffset? OldestPending,
        DateTimeOffset? CheckedAt);
}
