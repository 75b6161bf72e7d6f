using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Benchmark.Alerts;

/// <summary>
/// A team's alert receiver for row 11: real HTTP on a loopback port of its own that answers 200 at once and counts
/// the distinct <c>webhook-id</c>s it saw. It checks no signature (the tests' receiver does that); it only has to be
/// a fast, willing endpoint so the worker's alert loop is as busy as it can be.
/// </summary>
internal sealed class AlertSink : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public Uri Url { get; } = new($"http://127.0.0.1:{LoopbackPort.Free()}/hooks/leads");

    /// <summary><c>whsec_</c> and the base64 of 32 random bytes, the way the worker is configured.</summary>
    public string Secret { get; } = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Distinct alerts received so far.</summary>
    public int Received => _ids.Count;

    public async Task StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Url.Port}");
        _app = builder.Build();
        _app.MapPost(Url.AbsolutePath, async (HttpContext http) =>
        {
            // Read the body as a real receiver would before it answers.
            await http.Request.Body.CopyToAsync(Stream.Null, http.RequestAborted);
            _ids.TryAdd(http.Request.Headers["webhook-id"].ToString(), 0);
            return Results.Ok();
        });
        await _app.StartAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
