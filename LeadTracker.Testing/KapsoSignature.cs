using System.Security.Cryptography;
using System.Text;

namespace LeadTracker.Testing;

/// <summary>The <c>X-Webhook-Signature</c> Kapso sends: HMAC-SHA256 of the raw body with the webhook secret, lowercase hex.</summary>
public static class KapsoSignature
{
    /// <summary>The secret the fixtures in LeadTracker.Tests/Fixtures/Kapso are signed with, and the tests' services are given.</summary>
    public const string TestSecret = "test_secret";

    public static string Sign(ReadOnlySpan<byte> body, string secret = TestSecret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
