using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// Checks <see cref="AlertOptions"/> at start: each failure names the environment variable to fix, and the secret's
/// value never appears in it.
/// </summary>
internal sealed class AlertOptionsValidator : IValidateOptions<AlertOptions>
{
    public const string SecretPrefix = "whsec_";

    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            var endpoint = options.Endpoints[i];
            var prefix = $"LeadTracker__Alerts__Endpoints__{i}__";
            if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                failures.Add($"{prefix}Url must be an absolute http:// or https:// URL");
            if (SecretKey(endpoint.Secret) is null)
                failures.Add($"{prefix}Secret must be {SecretPrefix} followed by the base64 of 24 to 64 bytes");
        }

        Positive(failures, "WaitingAfter", options.WaitingAfter, TimeSpan.FromDays(1));
        Positive(failures, "ClosingWithin", options.ClosingWithin, TimeSpan.FromDays(1));
        Positive(failures, "ScanInterval", options.ScanInterval, TimeSpan.FromHours(1));
        Positive(failures, "Timeout", options.Timeout, TimeSpan.FromMinutes(5));
        Positive(failures, "FirstRetryDelay", options.FirstRetryDelay, TimeSpan.FromHours(1));
        Positive(failures, "MaxRetryDelay", options.MaxRetryDelay, TimeSpan.FromDays(1));
        Positive(failures, "RetryFor", options.RetryFor, TimeSpan.FromDays(7));
        if (options.MaxConcurrency is < 1 or > 64) failures.Add("LeadTracker__Alerts__MaxConcurrency must be 1 to 64");
        if (options.PageUrl is { } page && (!page.IsAbsoluteUri || (page.Scheme != Uri.UriSchemeHttp && page.Scheme != Uri.UriSchemeHttps)))
            failures.Add("LeadTracker__Alerts__PageUrl must be an absolute http:// or https:// URL");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The HMAC key a well-formed secret stands for; null when it is not one.</summary>
    public static byte[]? SecretKey(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal)) return null;
        var text = secret[SecretPrefix.Length..];
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var length) && length is >= 24 and <= 64 ? bytes[..length] : null;
    }

    private static void Positive(List<string> failures, string setting, TimeSpan value, TimeSpan max)
    {
        if (value <= TimeSpan.Zero || value > max) failures.Add($"LeadTracker__Alerts__{setting} must be more than 0 and at most {max}");
    }
}
