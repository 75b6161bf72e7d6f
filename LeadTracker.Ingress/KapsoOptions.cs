using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress;

/// <summary>The webhook's shared secret, bound from <c>LeadTracker:Kapso</c>.</summary>
internal sealed class KapsoOptions
{
    public const string Section = "LeadTracker:Kapso";

    /// <summary>The secret Kapso signs with (the webhook's <c>secret_key</c>). Required.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Development only: accept unsigned webhooks. Logged loudly at start.</summary>
    public bool AllowUnsigned { get; set; }
}

internal sealed class KapsoOptionsValidator : IValidateOptions<KapsoOptions>
{
    public ValidateOptionsResult Validate(string? name, KapsoOptions options) =>
        string.IsNullOrWhiteSpace(options.WebhookSecret) && !options.AllowUnsigned
            ? ValidateOptionsResult.Fail(
                "LeadTracker:Kapso:WebhookSecret is required (environment LeadTracker__Kapso__WebhookSecret); " +
                "set LeadTracker__Kapso__AllowUnsigned=true only for local development")
            : ValidateOptionsResult.Success;
}
