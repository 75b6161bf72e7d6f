using Microsoft.Extensions.Logging;

namespace LeadTracker.Hosting;

/// <summary>
/// One log line when RabbitMQ is lost and one when it is back (with the failed attempts and the outage's length), in
/// place of MassTransit's warning and stack trace on every reconnect attempt (its category is logged from Error up
/// in both apps' appsettings.json). Both apps report each broker failure and success here.
/// </summary>
public sealed partial class BrokerOutageLog(TimeProvider time, ILogger<BrokerOutageLog> logger, string meanwhile)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _since;
    private int _attempts;

    /// <summary>An attempt to reach the broker failed: the first of an outage is logged, the others counted.</summary>
    public void Failed(string reason)
    {
        lock (_gate)
        {
            _attempts++;
            if (_since is not null) return;
            _since = time.GetUtcNow();
            _attempts = 1;
        }

        Log.Lost(logger, reason, meanwhile);
    }

    /// <summary>The broker answered: ends an outage (logged once), otherwise nothing.</summary>
    public void Succeeded()
    {
        DateTimeOffset since;
        int attempts;
        lock (_gate)
        {
            if (_since is null) return;
            (since, attempts) = (_since.Value, _attempts);
            _since = null;
        }

        var seconds = (time.GetUtcNow() - since).TotalSeconds;
        Log.Back(logger, seconds, attempts);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 900, Level = LogLevel.Warning,
            Message = "RabbitMQ unreachable ({Reason}): {Meanwhile}; retrying quietly, one line when it is back")]
        public static partial void Lost(ILogger logger, string reason, string meanwhile);

        [LoggerMessage(EventId = 901, Level = LogLevel.Information,
            Message = "RabbitMQ reachable again after {Seconds:F0} s and {Attempts} failed attempts")]
        public static partial void Back(ILogger logger, double seconds, int attempts);
    }
}
