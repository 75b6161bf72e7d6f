using System.Globalization;
using DbUp;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// Forward-only migrations: the embedded Storage/Migrations/*.sql scripts, each applied once, in name order,
/// journaled by DbUp in the SchemaVersions table. Run at worker start and by the <c>migrate</c> verb.
/// </summary>
internal static partial class DatabaseMigrator
{
    /// <returns>The names of the scripts applied now (empty when the schema was current).</returns>
    public static IReadOnlyList<string> Migrate(SqliteConnectionFactory connections, ILogger logger)
    {
        EnsureFolderExists(connections.DataSource);
        connections.EnableWriteAheadLog();

        var upgrader = DeployChanges.To
            .SqliteDatabase(connections.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly, IsMigration)
            .WithTransactionPerScript()
            .LogTo(new DbUpLog(logger))
            .Build();

        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
        return result.Scripts.Select(s => s.Name).ToArray();
    }

    /// <summary>The scripts this version knows, by the names DbUp journals them under.</summary>
    public static IReadOnlyList<string> Scripts() =>
        typeof(DatabaseMigrator).Assembly.GetManifestResourceNames().Where(IsMigration).Order(StringComparer.Ordinal).ToArray();

    private static bool IsMigration(string name) => name.Contains(".Storage.Migrations.", StringComparison.Ordinal);

    private static void EnsureFolderExists(string dataSource)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
    }

    private sealed class DbUpLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }

        public void LogDebug(string format, params object[] args) { }

        public void LogInformation(string format, params object[] args) => Write(LogLevel.Information, format, args, null);

        public void LogWarning(string format, params object[] args) => Write(LogLevel.Warning, format, args, null);

        public void LogError(string format, params object[] args) => Write(LogLevel.Error, format, args, null);

        public void LogError(Exception ex, string format, params object[] args) => Write(LogLevel.Error, format, args, ex);

        // DbUp hands a format string and its arguments: format them only for a line that is written.
        private void Write(LogLevel level, string format, object[] args, Exception? exception)
        {
            if (!logger.IsEnabled(level)) return;
            Log.Migration(logger, level, args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args), exception);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3100, Message = "[Migrations] {Text}")]
        public static partial void Migration(ILogger logger, LogLevel level, string text, Exception? exception);
    }
}
