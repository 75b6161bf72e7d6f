using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// The one retry policy for SQLite contention: another process (a backup, an operator's sqlite3, a lead query)
/// holding the write lock. Only SQLITE_BUSY and SQLITE_LOCKED are retried; everything else is a real fault for
/// MassTransit's retry and the error queue.
/// </summary>
internal static partial class SqliteRetry
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    public static bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };

    /// <param name="maxAttempts">Retries; with the 1 s busy timeout of each attempt this rides out ~30 s of lock.</param>
    public static ResiliencePipeline Create(ILogger logger, int maxAttempts = 30) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SqliteException>(IsTransient),
                MaxRetryAttempts = maxAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(25),
                MaxDelay = TimeSpan.FromSeconds(1),
                OnRetry = args =>
                {
                    Log.DatabaseBusy(logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds,
                        args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
            Message = "SQLite is busy (attempt {Attempt}); retrying in {DelayMs:F0} ms: {Reason}")]
        public static partial void DatabaseBusy(ILogger logger, int attempt, double delayMs, string? reason);
    }
}
