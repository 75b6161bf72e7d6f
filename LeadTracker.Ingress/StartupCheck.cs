using LeadTracker.Hosting;
using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress;

/// <summary>
/// The ingress's start: a bad setting is one line on stderr and exit code <see cref="StartCheck.InvalidConfiguration"/>,
/// a port that cannot be bound one line and exit code 1, never an unhandled exception's stack trace.
/// </summary>
internal static partial class StartupCheck
{
    /// <summary>Checks every validated setting now (<see cref="StartCheck"/>); false after saying what is wrong.</summary>
    public static bool SettingsAreValid(this WebApplication app)
    {
        if (StartCheck.InvalidSettings(app.Services) is not { } reason) return true;
        Console.Error.WriteLine($"leadtracker-ingress: invalid configuration: {reason}");
        return false;
    }

    /// <summary>Says at start, loudly, that webhook signatures are not checked (local development only).</summary>
    public static void WarnWhenUnsigned(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<KapsoOptions>>().Value.AllowUnsigned) Log.UnsignedAllowed(app.Logger);
    }

    public static int RunChecked(this WebApplication app)
    {
        try
        {
            app.Run();
            return 0;
        }
        catch (IOException e)
        {
            // Kestrel could not bind (address in use, no permission): say it in one line, as the worker CLI does.
            Console.Error.WriteLine($"leadtracker-ingress: could not start: {e.Message}");
            return 1;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning,
            Message = "!!! LeadTracker__Kapso__AllowUnsigned=true: webhook signatures are NOT checked. Never in production. !!!")]
        public static partial void UnsignedAllowed(ILogger logger);
    }
}
