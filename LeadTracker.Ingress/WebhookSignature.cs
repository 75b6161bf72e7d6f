using System.Security.Cryptography;

namespace LeadTracker.Ingress;

internal enum SignatureCheck
{
    Valid,
    Missing,
    Malformed,
    Mismatch,
}

/// <summary>
/// Kapso's <c>X-Webhook-Signature</c>: lowercase hex HMAC-SHA256 of the raw body bytes with the webhook secret,
/// no prefix (docs/kapso.md). Computed over the bytes received, never re-serialized JSON, and compared in constant
/// time so the answer's timing says nothing about how much of a guess was right.
/// </summary>
internal sealed class WebhookSignature(byte[] secret)
{
    private const int HexLength = HMACSHA256.HashSizeInBytes * 2;

    public SignatureCheck Check(ReadOnlySpan<byte> body, string? header)
    {
        if (string.IsNullOrEmpty(header)) return SignatureCheck.Missing;
        if (header.Length != HexLength) return SignatureCheck.Malformed;

        Span<byte> claimed = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(header, claimed, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != claimed.Length)
        {
            return SignatureCheck.Malformed;
        }

        Span<byte> actual = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, body, actual);
        return CryptographicOperations.FixedTimeEquals(actual, claimed) ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    /// <summary>The header value for <paramref name="body"/>: what Kapso sends, and what tests and tools sign with.</summary>
    public string Sign(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));
}
