using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using LeadTracker.Worker.Alerts;
using LeadTracker.Worker.Leads;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Commands;

/// <summary>
/// <c>alerts list|test|replay</c> (docs/alerts.md): what the alert loop did, a signed sample to check an endpoint,
/// and an alert sent again. Misuse is one line on stderr and exit 2.
/// </summary>
internal static class AlertsCommand
{
    public static Command Create(Func<AlertOptions> settings, Func<SqliteConnectionFactory> connections)
    {
        var pending = new Option<bool>("--pending") { Description = "Only deliveries still being tried" };
        var failed = new Option<bool>("--failed") { Description = "Only deliveries given up (refused, endpoint gone, or retried too long)" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var limit = new Option<int>("--limit") { Description = "At most this many deliveries", DefaultValueFactory = _ => 50 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--limit must be 1 or more.");
        });
        var list = new Command("list", "List alerts and their deliveries, newest first (reads the lead database, changes nothing)")
        {
            pending, failed, json, limit,
        };
        list.Validators.Add(r =>
        {
            if (r.GetValue(pending) && r.GetValue(failed)) r.AddError("--pending and --failed exclude each other: give one or neither.");
        });
        list.SetAction(parse =>
        {
            var db = LeadDatabase.ReadOnly(connections().ConnectionString);
            if (!LeadDatabase.Check(db, parse.InvocationConfiguration.Error)) return CommandLine.Failed;
            var status = parse.GetValue(pending) ? "pending" : parse.GetValue(failed) ? "failed" : null;
            var rows = AlertRows.List(db, status, parse.GetValue(limit));
            var names = Endpoints(settings).ToDictionary(e => e.Key, e => $"{e.Index} ({e.Host})");
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(rows.Select(r => new
                {
                    r.Id, r.Kind, r.Workspace, r.Name, r.Phone, createdAt = Iso(r.CreatedAt),
                    endpoint = names.GetValueOrDefault(r.Endpoint, r.Endpoint), r.Status, r.Attempts,
                    nextAttemptAt = r.Status == "pending" ? Iso(r.NextAttemptAt) : null,
                    lastAttemptAt = r.LastAttemptAt is { } l ? Iso(l) : null, r.LastResult,
                    sentAt = r.SentAt is { } s ? Iso(s) : null,
                }), LeadsCommand.Json));
                return 0;
            }

            output.WriteLine($"{"ALERT",-38} {"KIND",-8} {"LEAD",-28} {"ENDPOINT",-22} {"STATUS",-10} {"TRIES",5}  LAST RESULT");
            foreach (var r in rows)
            {
                var lead = TerminalText.Safe(r.Name ?? r.Phone ?? "-");
                output.WriteLine($"{r.Id,-38} {r.Kind,-8} {Cut(lead, 28),-28} {Cut(names.GetValueOrDefault(r.Endpoint, r.Endpoint), 22),-22} " +
                    $"{r.Status,-10} {r.Attempts,5}  {TerminalText.Safe(r.LastResult ?? "-")}" +
                    (r.Status == "pending" ? $" (next {Iso(r.NextAttemptAt)[..19]}Z)" : ""));
            }

            output.WriteLine($"{rows.Count} deliver{(rows.Count == 1 ? "y" : "ies")}");
            return 0;
        });

        var endpoint = new Option<int>("--endpoint") { Description = "The endpoint's number N (LeadTracker__Alerts__Endpoints__N__Url)", Required = true };
        var test = new Command("test",
            "Send a signed sample alert to endpoint N now and print its answer (network only: touches no database, sends to nothing else)")
        {
            endpoint,
        };
        test.SetAction(async (parse, ct) =>
        {
            var options = settings();
            var error = parse.InvocationConfiguration.Error;
            var n = parse.GetValue(endpoint);
            if (n < 0 || n >= options.Endpoints.Count)
            {
                await error.WriteLineAsync(options.Endpoints.Count == 0
                    ? "No alert endpoint is configured: set LeadTracker__Alerts__Endpoints__0__Url and __Secret."
                    : $"No endpoint {n}: endpoints 0 to {options.Endpoints.Count - 1} are configured.");
                return CommandLine.Usage;
            }

            var target = AlertEndpoint.From(options)[n];
            var id = "alert_test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var now = DateTimeOffset.UtcNow;
            var sample = new Lead
            {
                Id = 0, Workspace = target.Workspace ?? "000000000000000", ProfileName = "Sample Lead (test alert)", PhoneE164 = "+15550000000",
                LastInboundAt = now.AddMinutes(-45).ToUnixTimeMilliseconds(), LastActivityAt = now.AddMinutes(-45).ToUnixTimeMilliseconds(),
            };
            var body = AlertBody.For(id, AlertKind.Waiting, sample, now, options.PageUrl).ToJson();
            using var handler = AlertSender.NewHandler();
            using var http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
            var result = await new AlertSender(() => http, TimeProvider.System).SendAsync(target, id, body, options.Timeout, ct);
            var line = $"endpoint {n} ({target.Host}): {result.Result}, webhook-id {id}";
            if (result.Outcome == AttemptOutcome.Sent)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(line + ": accepted");
                return 0;
            }

            await error.WriteLineAsync(line + ": not accepted");
            return CommandLine.Failed;
        });

        var alertId = new Argument<string>("ID") { Description = "The alert's id (alert_…), as `alerts list` shows it" };
        var replay = new Command("replay",
            "Send an alert again with the same id and body: sets its deliveries pending in the lead database; the running worker sends them at its next scan")
        {
            alertId,
        };
        replay.SetAction(parse =>
        {
            var db = LeadDatabase.ReadWrite(connections().ConnectionString);
            if (!LeadDatabase.Check(db, parse.InvocationConfiguration.Error)) return CommandLine.Failed;
            var id = parse.GetValue(alertId)!.Trim();
            var count = AlertRows.Replay(db, id, DateTimeOffset.UtcNow);
            if (count == 0)
            {
                parse.InvocationConfiguration.Error.WriteLine($"No alert {TerminalText.Safe(id)}: `alerts list` shows their ids.");
                return CommandLine.Failed;
            }

            parse.InvocationConfiguration.Output.WriteLine($"Alert {id}: {count} deliver{(count == 1 ? "y" : "ies")} pending again; the worker sends {(count == 1 ? "it" : "them")} at its next scan.");
            return 0;
        });

        return new Command("alerts", "Alerts that come to the team: list them, test an endpoint, replay one (docs/alerts.md)") { list, test, replay };
    }

    // The list reads only the database: endpoint names are a courtesy, so settings that would stop `run` do not stop it.
    private static IReadOnlyList<AlertEndpoint> Endpoints(Func<AlertOptions> settings)
    {
        try
        {
            return AlertEndpoint.From(settings());
        }
        catch (OptionsValidationException)
        {
            return [];
        }
    }

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
