namespace LeadTracker.Worker.Storage;

/// <summary>A verified backup file: where, how big, what it holds, when its snapshot was taken and how long it took.</summary>
internal sealed record BackupResult(string Path, long Bytes, long Messages, long Contacts, DateTimeOffset TakenAt, long DurationMs);
