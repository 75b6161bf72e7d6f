using System.Text;
using System.Text.Json;

namespace LeadTracker.Tests.Support;

/// <summary>A Kapso payload as stored, with the headers its manifest says Kapso sends with it.</summary>
public sealed record KapsoFixture(string File, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string EventType => Headers.TryGetValue("X-Webhook-Event", out var type) ? type : "";

    public string Json => Encoding.UTF8.GetString(Body);

    public override string ToString() => File;
}

/// <summary>The fixtures copied byte for byte from Kapso's shapes; their signatures use <see cref="Secret"/>.</summary>
internal static class KapsoFixtures
{
    public const string Secret = KapsoSignature.TestSecret;

    private static readonly Lazy<IReadOnlyList<KapsoFixture>> Loaded = new(Load);

    private static string Folder => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "Kapso");

    public static IReadOnlyList<KapsoFixture> All => Loaded.Value;

    public static KapsoFixture Get(string file) => All.Single(f => f.File == file);

    public static string Sign(byte[] body, string secret = Secret) => KapsoSignature.Sign(body, secret);

    /// <summary>
    /// A request exactly as the manifest describes it (its own signature), or carrying another
    /// <paramref name="body"/> with the fixture's headers, signed for that body.
    /// </summary>
    public static HttpRequestMessage Request(KapsoFixture fixture, byte[]? body = null, string secret = Secret)
    {
        var signature = body is null && secret == Secret ? fixture.Headers["X-Webhook-Signature"] : null;
        body ??= fixture.Body;
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/kapso") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in fixture.Headers)
        {
            if (name is "Content-Type" or "X-Webhook-Signature") continue;
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("X-Webhook-Signature", signature ?? KapsoSignature.Sign(body, secret));
        return request;
    }

    private static List<KapsoFixture> Load()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "manifest.json")));
        return manifest.RootElement.GetProperty("fixtures").EnumerateArray().Select(f =>
        {
            var file = f.GetProperty("file").GetString()!;
            var headers = f.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!);
            return new KapsoFixture(file, File.ReadAllBytes(Path.Combine(Folder, file)), headers);
        }).ToList();
    }
}
