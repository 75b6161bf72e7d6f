using System.ComponentModel.DataAnnotations;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker;

/// <summary>Worker settings, bound from <c>LeadTracker:Worker</c> and validated at start.</summary>
internal sealed class WorkerOptions
{
    public const string Section = "LeadTracker:Worker";

    /// <summary>Create a workspace the first time a <c>phone_number_id</c> is seen; off: such events go to <c>_error</c>.</summary>
    public bool CreateWorkspaces { get; set; } = true;

    /// <summary>Messages in flight per queue (prefetch and concurrent consumers): what a group commit can batch.</summary>
    [Range(1, 10_000)]
    public int PrefetchCount { get; set; } = 16;

    /// <summary>The most events applied in one SQLite transaction.</summary>
    [Range(1, 10_000)]
    public int MaxBatchEvents { get; set; } = 500;

    /// <summary>WAL pages (4 KiB) the writer lets accumulate before a checkpoint; lower on a small disk (~40 MB at the default).</summary>
    [Range(100, 1_000_000)]
    public int WalCheckpointPages { get; set; } = SqliteConnectionFactory.DefaultWalCheckpointPages;

    /// <summary><c>Full</c>: acknowledged means on disk. <c>Normal</c>: faster, may lose the last commits on power loss.</summary>
    public SqliteDurability Durability { get; set; } = SqliteDurability.Full;

    /// <summary>Where the worker's HTTP listener (health, read API, page) listens; <c>;</c> between several.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Urls { get; set; } = "http://127.0.0.1:5081";

    /// <summary>How long a stop may take to finish the messages in hand (keep it below systemd's TimeoutStopSec).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);
}
