using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeadTracker.Hosting;

/// <summary>
/// Every setting checked before anything reads one: a missing secret or a bad value is one clear line and exit code
/// 2 (the usage/configuration code of the worker's command line too), never an unhandled exception's stack trace.
/// </summary>
public static class StartCheck
{
    public const int InvalidConfiguration = 2;

    /// <summary>Validates every option registered with <c>ValidateOnStart</c>; null when all hold, else what is wrong, in one line.</summary>
    public static string? InvalidSettings(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (OptionsValidationException e)
        {
            return string.Join("; ", e.Failures);
        }
        catch (InvalidOperationException e)
        {
            // A value that does not bind (a port of "abc"): the message names the setting.
            return e.Message;
        }
    }
}
