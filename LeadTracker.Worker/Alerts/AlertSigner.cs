using System.Globalization;
using StandardWebhooks;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// The Standard Webhooks headers of one request: <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix seconds of this
/// attempt) and <c>webhook-signature</c> (<c>v1,</c> then the base64 HMAC-SHA256 of <c>id.timestamp.body</c> under
/// the secret's key), made by the StandardWebhooks package.
/// </summary>
internal static class AlertSigner
{
    public static IReadOnlyList<KeyValuePair<string, string>> Headers(string secret, string id, DateTimeOffset at, string body)
    {
        var signature = new StandardWebhook(secret).Sign(id, at, body);
        return
        [
            new("webhook-id", id),
            new("webhook-timestamp", at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            new("webhook-signature", signature),
        ];
    }
}
