using System.Collections.Concurrent;
using LeadTracker.Worker.Reconcile;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadTracker.Tests;

/// <summary>
/// Issue 17, item 6: the catch-up client never carries <c>X-API-Key</c> through a redirect (.NET strips only
/// <c>Authorization</c>), and never sends it in clear over a network. Real HTTP on loopback: a server that
/// answers 302 to a second one, which records every key it receives.
/// </summary>
[TestFixture]
public sealed class KapsoApiRedirectTests
{
    [Test]
    public async Task A_redirect_is_an_error_and_the_api_key_never_reaches_its_target()
    {
        var keysSeen = new ConcurrentQueue<string>();
        await using var target = await ServeAsync(http =>
        {
            keysSeen.Enqueue(http.Request.Headers["X-API-Key"].ToString());
            return Results.Json(new { data = Array.Empty<object>() });
        });
        // localhost vs 127.0.0.1: another host, as a redirect to a stranger would be.
        var elsewhere = new UriBuilder(target.Url) { Host = "localhost" }.Uri;
        await using var kapso = await ServeAsync(http => Results.Redirect(new Uri(elsewhere, http.Request.Path + http.Request.QueryString).ToString()));

        using var handler = KapsoApiClient.NewHandler();
        using var safe = new HttpClient(handler);
        var failure = Assert.ThrowsAsync<KapsoApiException>(async () => await ReadAsync(safe, kapso.Url));

        // The same request with .NET's default handler: the key follows the redirect (what the client must avoid).
        using var naive = new HttpClient();
        await ReadAsync(naive, kapso.Url);

        Assert.Multiple(() =>
        {
            Assert.That(failure!.Message, Does.Contain("302").And.Contain("not followed"));
            Assert.That(keysSeen, Has.Count.EqualTo(1), "only the default handler reached the target");
            Assert.That(keysSeen.Single(), Is.EqualTo("secret-kapso-key"), "which is why redirects are off");
        });
    }

    [TestCase("http://api.kapso.example", false)]
    [TestCase("http://10.0.0.5:8080", false)]
    [TestCase("https://api.kapso.ai", true)]
    [TestCase("http://127.0.0.1:9000", true)]
    [TestCase("http://localhost:9000", true)]
    [TestCase("http://[::1]:9000", true)]
    public void The_api_key_goes_over_https_or_to_loopback_only(string url, bool allowed) =>
        Assert.That(KapsoApiOptions.IsSafe(new Uri(url)), Is.EqualTo(allowed));

    private static async Task ReadAsync(HttpClient http, Uri baseUrl)
    {
        var client = new KapsoApiClient(http, Options.Create(new KapsoApiOptions { ApiKey = "secret-kapso-key", ApiBaseUrl = baseUrl }),
            NullLogger<KapsoApiClient>.Instance);
        await foreach (var _ in client.ListMessagesAsync("110000000000901", DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow,
                           null, CancellationToken.None))
        {
        }
    }

    private static async Task<Server> ServeAsync(Func<HttpContext, IResult> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Map("/{**path}", answer);
        await app.StartAsync();
        return new Server(app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
    }

    private sealed record Server(WebApplication App, Uri Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await App.DisposeAsync();
    }
}
