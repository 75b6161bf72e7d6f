using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace LeadTracker.Worker.Api;

/// <summary>
/// The configured bearer tokens, kept as SHA-256 hashes: a presented token is hashed and compared with every one
/// in constant time, so neither the comparison nor the token's length tells an attacker how close a guess was.
/// </summary>
internal sealed class ApiTokens
{
    private static readonly char[] Separators = [',', ';', ' ', '\t', '\n', '\r'];
    private readonly byte[][] _hashes;

    public ApiTokens(IEnumerable<string> tokens) =>
        _hashes = tokens.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Select(Hash).ToArray();

    public int Count => _hashes.Length;

    /// <summary>From <c>LeadTracker:Api:Tokens</c>: one separated string, or one child per token (or both).</summary>
    public static ApiTokens From(IConfiguration configuration)
    {
        var section = configuration.GetSection(ApiOptions.Section).GetSection(nameof(ApiOptions.Tokens));
        var values = new[] { section.Value }.Concat(section.GetChildren().Select(c => c.Value));
        return new ApiTokens(values.SelectMany(v => (v ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries)));
    }

    /// <summary>True when <paramref name="authorization"/> is <c>Bearer &lt;one of the tokens&gt;</c>.</summary>
    public bool Accepts(StringValues authorization)
    {
        const string scheme = "Bearer ";
        if (authorization.Count != 1 || authorization[0] is not { } header
            || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;

        var presented = Hash(header[scheme.Length..].Trim());
        var accepted = false;
        foreach (var hash in _hashes) accepted |= CryptographicOperations.FixedTimeEquals(hash, presented);
        return accepted;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
