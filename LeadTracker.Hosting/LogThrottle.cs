namespace LeadTracker.Hosting;

/// <summary>
/// "At most one log line a minute per key, with the count": what keeps an unauthenticated sender (bad signature,
/// bad token) from choosing our log volume. Both apps use it, so it lives in the one assembly they share. The keys
/// are bounded too: past <see cref="MaxKeys"/> remote addresses, new ones share one entry.
/// </summary>
public sealed class LogThrottle(TimeProvider time, TimeSpan interval)
{
    public const int MaxKeys = 4096;

    /// <summary>The key new addresses share once <see cref="MaxKeys"/> are tracked.</summary>
    public const string Overflow = "(other addresses)";

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public LogThrottle(TimeProvider time)
        : this(time, TimeSpan.FromMinutes(1))
    {
    }

    /// <summary>Records one occurrence for <paramref name="key"/>.</summary>
    /// <returns>
    /// 0 when a line for this key was written less than the interval ago (stay quiet); otherwise how many occurrences
    /// the line to write now stands for: this one and every one kept quiet since the last line.
    /// </returns>
    public long Hit(string key)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.ContainsKey(key) && _entries.Count >= MaxKeys)
            {
                foreach (var stale in _entries.Where(e => now - e.Value.LoggedAt >= interval).Select(e => e.Key).ToList())
                    _entries.Remove(stale);
                if (_entries.Count >= MaxKeys) key = Overflow;
            }

            if (_entries.TryGetValue(key, out var entry) && now - entry.LoggedAt < interval)
            {
                entry.Quiet++;
                return 0;
            }

            var count = (entry?.Quiet ?? 0) + 1;
            _entries[key] = new Entry { LoggedAt = now };
            return count;
        }
    }

    private sealed class Entry
    {
        public DateTimeOffset LoggedAt { get; init; }

        public long Quiet { get; set; }
    }
}
