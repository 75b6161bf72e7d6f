using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Tests.Support;

/// <summary>One log call as every sink could render it: the message, each structured value, the exception.</summary>
internal sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, string Text);

/// <summary>
/// Keeps every log line written through it, at every level, with its structured values and exception text too:
/// a JSON console or a log shipper writes those as well, so a secret hidden in one of them still leaks.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> _logs = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<CapturedLog> Logs => _logs;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Waits for a line matching <paramref name="match"/>; fails the test after 30 s (a condition, not a sleep).</summary>
    public async Task WaitForAsync(Func<CapturedLog, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!_logs.Any(match))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"no log line within 30 s: {what}");
            await Task.Delay(20);
        }
    }

    public ILogger<T> CreateLogger<T>() => new Logger<T>(new SingleProviderFactory(this));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            var text = new System.Text.StringBuilder(message);
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values) text.Append(" | ").Append(key).Append('=').Append(value);
            }

            owner._scopes.ForEachScope((scope, builder) => builder.Append(" | scope=").Append(scope), text);
            if (exception is not null) text.Append(" | ").Append(exception);
            owner._logs.Enqueue(new CapturedLog(category, logLevel, eventId, message, text.ToString()));
        }
    }

    private sealed class SingleProviderFactory(CapturingLoggerProvider provider) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
