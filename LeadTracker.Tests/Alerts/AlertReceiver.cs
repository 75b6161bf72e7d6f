using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Tests.Alerts;

/// <summary>
/// A team's alert receiver: real HTTP on a loopback port of its own, checking each request's Standard Webhooks
/// signature with its own HMAC code (an oracle independent of the StandardWebhooks package the worker signs with),
/// answering what the test says, and keeping every request. It can go down (connection refused) and come back on
/// the same port.
/// </summary>
internal sealed class AlertReceiver : IAsyncDisposable
{
    private WebApplication? _app;

    public AlertReceiver()
    {
        Url = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/hooks/leads");
    }

    /// <summary><c>whsec_</c> and the base64 of 32 random bytes, the way the worker is configured.</summary>
    public string Secret { get; } = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public Uri Url { get; }

    /// <summary>The status code to answer a request with (200 unless told otherwise).</summary>
    public Func<ReceivedAlert, int> Answer { get; set; } = _ => 200;

    /// <summary>How long to take before answering (a slow receiver).</summary>
    public TimeSpan Delay { get; set; }

    public ConcurrentQueue<ReceivedAlert> Requests { get; } = new();

    /// <summary>Requests answered 2xx: what the team has seen.</summary>
    public IReadOnlyList<ReceivedAlert> Accepted => [.. Requests.Where(r => r.Answered is >= 200 and < 300)];

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Url.Port}");
        _app = builder.Build();
        _app.MapPost(Url.AbsolutePath, async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var id = http.Request.Headers["webhook-id"].ToString();
            var timestamp = http.Request.Headers["webhook-timestamp"].ToString();
            var signature = http.Request.Headers["webhook-signature"].ToString();
            var request = new ReceivedAlert(id, timestamp, body, Verified(Secret, id, timestamp, body, signature), 0, DateTimeOffset.UtcNow);
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay);
            var status = request.Verified ? Answer(request) : 401;
            Requests.Enqueue(request with { Answered = status });
            return Results.StatusCode(status);
        });
        await _app.StartAsync();
    }

    /// <summary>Down: nothing listens on the port until <see cref="StartAsync"/> again.</summary>
    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// The receiver-side check of docs/alerts.md: HMAC-SHA256 of "id.timestamp.body" under the base64-decoded key
    /// after "whsec_", compared in constant time with each "v1," signature in the header; the timestamp within
    /// five minutes of now (replays of old requests are refused).
    /// </summary>
    public static bool Verified(string secret, string id, string timestamp, string body, string header)
    {
        if (id.Length == 0 || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300) return false;
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = Encoding.ASCII.GetBytes(Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"))));
        return header.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith("v1,", StringComparison.Ordinal))
            .Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), expected));
    }
}

/// <summary>One request as the receiver saw it; <see cref="Answered"/> is the status it answered with.</summary>
internal sealed record ReceivedAlert(string Id, string Timestamp, string Body, bool Verified, int Answered, DateTimeOffset At);
