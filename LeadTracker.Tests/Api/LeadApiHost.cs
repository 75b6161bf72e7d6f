using System.Net.Http.Headers;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Tests.Api;

/// <summary>
/// The read API as the worker wires it (<c>AddLeadApi</c>, <c>MapLeadApi</c>), on a real Kestrel socket over a real
/// SQLite file, without the bus: what these tests check is the HTTP surface.
/// </summary>
internal sealed class LeadApiHost : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef-0123456789";
    public const string SecondToken = "rotated-token-fedcba9876543210-fedcba";

    private readonly WebApplication _app;

    private LeadApiHost(WebApplication app, Uri address, CapturingLoggerProvider logs)
    {
        _app = app;
        Logs = logs;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    /// <summary>A client that sends <see cref="Token"/>.</summary>
    public HttpClient Http { get; }

    public CapturingLoggerProvider Logs { get; }

    public static async Task<LeadApiHost> StartAsync(string connectionString, string? tokens = Token + "," + SecondToken,
        string? timeZone = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Leads"] = connectionString };
        if (tokens is not null) settings["LeadTracker:Api:Tokens"] = tokens;
        if (timeZone is not null) settings["LeadTracker:Api:TimeZone"] = timeZone;
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddLeadApi(builder.Configuration);

        var app = builder.Build();
        app.MapLeadApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LeadApiHost(app, new Uri(address), logs);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
