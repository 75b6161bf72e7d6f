using LeadTracker.Worker.Storage;
using LeadTracker.Worker.Telemetry;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Api;

/// <summary>
/// The read API (<c>/api/…</c>) and the page (<c>/</c>) on the worker's HTTP listener, behind bearer tokens from
/// <c>LeadTracker:Api:Tokens</c>. Without a token neither is mapped (404), and the log says so once.
/// </summary>
internal static partial class LeadApi
{
    public static IServiceCollection AddLeadApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section)
            .Validate(o => ApiOptions.IsKnownTimeZone(o.TimeZone),
                "LeadTracker:Api:TimeZone must be an IANA time zone id such as UTC, Europe/Madrid or America/Mexico_City")
            .ValidateOnStart();
        services.AddSingleton(ApiTokens.From(configuration));
        services.AddSingleton(sp => new RefusedTokens(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        var connectionString = configuration.LeadsConnectionString();
        services.AddSingleton(sp => new LeadReadModel(LeadDatabase.ReadOnly(connectionString),
            TimeZoneInfo.FindSystemTimeZoneById(sp.GetRequiredService<IOptions<ApiOptions>>().Value.TimeZone), TimeProvider.System));
        return services;
    }

    public static WebApplication MapLeadApi(this WebApplication app)
    {
        var tokens = app.Services.GetRequiredService<ApiTokens>();
        var refused = app.Services.GetRequiredService<RefusedTokens>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LeadTracker.Worker.Api");
        if (tokens.Count == 0)
        {
            Log.Off(logger);
            return app;
        }

        Log.On(logger, tokens.Count);
        LeadPage.Map(app);
        var api = app.MapGroup("/api");
        api.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (!tokens.Accepts(http.Request.Headers.Authorization))
            {
                WorkerMetrics.TokenRefused();
                var remote = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                if (refused.Throttle.Hit(remote) is var count and > 0) Log.TokenRefused(logger, remote, count);
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in",
                    detail: "Send the header Authorization: Bearer <token>, with a token from LeadTracker__Api__Tokens.");
            }

            http.Response.Headers.CacheControl = "no-store";
            try
            {
                return await next(context);
            }
            catch (SqliteException e)
            {
                // SQLite's text names files, tables and the query's shape: it stays in the log, one line without a
                // stack trace; the client gets the trace id to quote.
                var traceId = System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
                Log.ReadFailed(logger, http.Request.Path, e.SqliteErrorCode, e.Message, traceId);
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The lead database cannot be read now",
                    detail: $"Try again later; if it lasts, give the operator the trace id {traceId}.",
                    extensions: new Dictionary<string, object?> { ["traceId"] = traceId });
            }
        });
        LeadApiEndpoints.Map(api);
        return app;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4000, Level = LogLevel.Information,
            Message = "Read API and page are off (they answer 404): no token in LeadTracker__Api__Tokens")]
        public static partial void Off(ILogger logger);

        [LoggerMessage(EventId = 4001, Level = LogLevel.Information,
            Message = "Read API (/api/leads/…) and page (/) on, {Tokens} bearer token(s) accepted")]
        public static partial void On(ILogger logger, int tokens);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning,
            Message = "Read API: refused a missing or wrong token from {RemoteIp} ({Count} refused from there since the last such line)")]
        public static partial void TokenRefused(ILogger logger, string remoteIp, long count);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Error,
            Message = "Read API: reading {Path} failed: SQLite error {SqliteErrorCode}: {Reason} (trace {TraceId})")]
        public static partial void ReadFailed(ILogger logger, string path, int sqliteErrorCode, string reason, string traceId);
    }
}
