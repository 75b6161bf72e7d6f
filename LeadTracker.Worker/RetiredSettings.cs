using Microsoft.Extensions.Options;

namespace LeadTracker.Worker;

/// <summary>
/// Worker settings an earlier release read and this one does not. An install that still sets one (an env file
/// from before the rename) would otherwise start quietly with the default in its place, its listener somewhere
/// else than asked; instead the start check names the setting to use.
/// </summary>
internal sealed class RetiredSettings(IConfiguration configuration) : IValidateOptions<WorkerOptions>
{
    private static readonly (string Key, string Replacement)[] Retired =
    [
        ("LeadTracker:Worker:HealthUrls", "LeadTracker__Worker__Urls"),
    ];

    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var failures = Retired
            .Where(setting => configuration[setting.Key] is not null)
            .Select(setting => $"{setting.Key.Replace(":", "__", StringComparison.Ordinal)} is no longer read: rename it {setting.Replacement}")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
