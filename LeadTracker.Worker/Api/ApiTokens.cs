using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace LeadTracker.Worker.Api;

/// <summary>
/// The configured bearer tokens, kept as SHA-256 hashes: a presented token is hashed and compared with every one
/// in constant time, so neither the comparison nor the token's length tells an attacker how close a guess was.
/// Tokens are separated by commas or line breaks only (a space is part of a token: "correct horse battery staple"
/// is one token, and too short), each at least <see cref="MinLength"/> characters. <see cref="Replace"/> swaps the
/// set on SIGHUP (WorkerHost), so a token is added or removed without a restart.
/// </summary>
internal sealed class ApiTokens
{
    /// <summary>32 characters: what 24 random bytes make in base64 (<c>head -c 24 /dev/urandom | base64</c>).</summary>
    public const int MinLength = 32;

    public const string Setting = "LeadTracker__Api__Tokens";

    public const string TooShort = $"{Setting}: every token must be at least 32 characters (tokens are separated by commas or " +
        "line breaks only; make one with: head -c 24 /dev/urandom | base64)";

    private static readonly char[] Separators = [',', '\n', '\r'];
    private volatile byte[][] _hashes;

    public ApiTokens(IEnumerable<string> tokens) => _hashes = Hashes(tokens);

    public int Count => _hashes.Length;

    /// <summary>From <c>LeadTracker:Api:Tokens</c>: one separated string, or one child per token (or both).</summary>
    public static IReadOnlyList<string> Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(ApiOptions.Section).GetSection(nameof(ApiOptions.Tokens));
        var values = new[] { section.Value }.Concat(section.GetChildren().Select(c => c.Value));
        return values.SelectMany(v => (v ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToArray();
    }

    public static bool AllStrong(IReadOnlyList<string> tokens) => tokens.All(t => t.Length >= MinLength);

    public static ApiTokens From(IConfiguration configuration) => new(Read(configuration));

    /// <summary>The set from now on; refused (false, the set unchanged) when a token is shorter than <see cref="MinLength"/>.</summary>
    public bool Replace(IReadOnlyList<string> tokens)
    {
        if (!AllStrong(tokens)) return false;
        _hashes = Hashes(tokens);
        return true;
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

    private static byte[][] Hashes(IEnumerable<string> tokens) =>
        tokens.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Select(Hash).ToArray();

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
