using System.Collections.Frozen;

namespace LeadTracker.Worker.Api;

/// <summary>
/// The page for sales staff at <c>/</c>: one HTML file, its stylesheet and script, embedded in the assembly (no
/// build step, nothing on disk to deploy). It holds no data: everything comes from the API with the token the
/// person types in.
/// </summary>
internal static class LeadPage
{
    // Only our own script and styles run; the page is never framed.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string Type)> Assets = new Dictionary<string, (byte[], string)>
    {
        ["/"] = (Read("index.html"), "text/html; charset=utf-8"),
        ["/app.css"] = (Read("app.css"), "text/css; charset=utf-8"),
        ["/app.js"] = (Read("app.js"), "text/javascript; charset=utf-8"),
    }.ToFrozenDictionary();

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (path, (bytes, type)) in Assets)
        {
            app.MapGet(path, (HttpContext http) =>
            {
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache";
                return Results.Bytes(bytes, type);
            });
        }
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(LeadPage).Assembly.GetManifestResourceStream("LeadTracker.Page." + name)
            ?? throw new InvalidOperationException($"The page's {name} is not embedded in the worker");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
