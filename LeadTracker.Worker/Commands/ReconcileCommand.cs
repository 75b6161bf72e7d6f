using System.CommandLine;
using System.Text.Json;
using Dapper;
using LeadTracker.Worker.Reconcile;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Commands;

/// <summary>
/// <c>reconcile</c>: catch the lead database up from Kapso's API after webhooks were lost (an outage longer than
/// Kapso's ~2.5 minutes of retries), and check or re-enable the numbers' webhooks. Misuse is one line on stderr and
/// exit 2; an API or database failure is one line and exit 1, keeping whatever pages were already applied. A workspace
/// that fails does not stop the others: the line, after they ran, names each failed one with its reason.
/// </summary>
internal static class ReconcileCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Create(IServiceProvider services)
    {
        var since = new Option<string?>("--since") { Description = "Read messages Kapso stored from this time: " + ReconcileTime.Help };
        var until = new Option<string?>("--until") { Description = "… up to this time (same forms; default now)" };
        var workspace = new Option<string?>("--workspace")
        {
            Description = "Only this business number (Kapso phone_number_id); may be a new one when Worker:CreateWorkspaces is on. Default: every workspace in the database",
        };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var lookback = new Option<string>("--status-lookback")
        {
            Description = "Also re-read outbound messages stored this long before --since, for statuses that moved (0: off)",
            DefaultValueFactory = _ => "7d",
        };
        var checkWebhooks = new Option<bool>("--check-webhooks") { Description = "List each number's Kapso webhooks and say which are inactive; changes nothing" };
        var reenable = new Option<bool>("--reenable-webhooks") { Description = "Switch inactive webhooks back on (PATCH active=true at Kapso)" };

        var command = new Command("reconcile",
            "Catch up from Kapso's API: read its stored messages and apply them to the lead database (writes the SQLite file, " +
            "migrating it first; reads Kapso with LeadTracker__Kapso__ApiKey). Safe to repeat: nothing is applied twice.")
        {
            since, until, workspace, json, lookback, checkWebhooks, reenable,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new Invocation(parse, services,
            parse.GetValue(since), parse.GetValue(until), parse.GetValue(workspace), parse.GetValue(json),
            parse.GetValue(lookback), parse.GetValue(checkWebhooks), parse.GetValue(reenable)), cancellationToken));
        return command;
    }

    private sealed record Invocation(ParseResult Parse, IServiceProvider Services, string? Since, string? Until,
        string? Workspace, bool Json, string? StatusLookback, bool CheckWebhooks, bool ReenableWebhooks)
    {
        public TextWriter Out => Parse.InvocationConfiguration.Output;

        public TextWriter Error => Parse.InvocationConfiguration.Error;

        public int Fail(int code, string message)
        {
            Error.WriteLine("reconcile: " + message);
            return code;
        }
    }

    private static async Task<int> RunAsync(Invocation call, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;

        DateTimeOffset from = default, to = now;
        var statusLookback = TimeSpan.Zero;
        var webhooks = call.CheckWebhooks || call.ReenableWebhooks;
        if (!webhooks)
        {
            if (call.Since is null) return call.Fail(CommandLine.Usage, "--since is required: " + ReconcileTime.Help);
            if (!ReconcileTime.TryParseInstant(call.Since, now, out from))
                return call.Fail(CommandLine.Usage, $"--since '{call.Since}' is not {ReconcileTime.Help}");
            if (call.Until is not null && !ReconcileTime.TryParseInstant(call.Until, now, out to))
                return call.Fail(CommandLine.Usage, $"--until '{call.Until}' is not {ReconcileTime.Help}");
            if (from >= to) return call.Fail(CommandLine.Usage, $"--since ({from:u}) must be before --until ({to:u})");
            if (!ReconcileTime.TryParseDuration(call.StatusLookback, out statusLookback))
                return call.Fail(CommandLine.Usage, $"--status-lookback '{call.StatusLookback}' is not a duration such as 7d, 36h or 0");
        }

        // The options `run` uses, validated as there (WorkerServices); the key, which `run` may go without, is checked here.
        KapsoApiOptions api;
        try
        {
            api = call.Services.GetRequiredService<IOptions<KapsoApiOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            return call.Fail(CommandLine.Usage, string.Join("; ", e.Failures));
        }

        if (!api.HasKey)
            return call.Fail(CommandLine.Usage, "LeadTracker__Kapso__ApiKey is not set: reading Kapso's API needs a project API key");

        var worker = call.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        var connections = call.Services.GetRequiredService<SqliteConnectionFactory>();
        string[] workspaces;
        try
        {
            DatabaseMigrator.Migrate(connections, NullLogger.Instance);
            using var db = connections.Open();
            var known = db.Query<string>("SELECT phone_number_id FROM workspaces ORDER BY phone_number_id").ToArray();
            if (call.Workspace is { } only)
            {
                if (string.IsNullOrWhiteSpace(only)) return call.Fail(CommandLine.Usage, "--workspace needs a Kapso phone_number_id");
                if (!known.Contains(only) && !worker.CreateWorkspaces)
                    return call.Fail(CommandLine.Usage, $"workspace {only} is not in the database and LeadTracker__Worker__CreateWorkspaces is off");
                workspaces = [only];
            }
            else if (known.Length == 0)
            {
                return call.Fail(CommandLine.Usage, "the database has no workspaces yet: name one with --workspace PHONE_NUMBER_ID");
            }
            else
            {
                workspaces = known;
            }
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            return call.Fail(CommandLine.Failed, $"cannot open the lead database {connections.DataSource}: {e.Message}");
        }

        try
        {
            return webhooks
                ? await WebhooksAsync(call, call.Services.GetRequiredService<KapsoApiClient>(), workspaces, cancellationToken)
                : await CatchUpAsync(call, workspaces, from, to, statusLookback, cancellationToken);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    private static async Task<int> CatchUpAsync(Invocation call, string[] workspaces, DateTimeOffset since, DateTimeOffset until,
        TimeSpan statusLookback, CancellationToken cancellationToken)
    {
        var tally = new ReconcileTally();
        var reconciler = call.Services.GetRequiredService<Reconciler>();

        // On a terminal, a line per page; never in a pipe or a log, where only the summary belongs.
        var progress = Console.IsErrorRedirected ? null : new Lines(call.Error);
        await reconciler.CatchUpAsync(workspaces.Select(id => new WorkspaceWindow(id, since)), until, statusLookback, tally,
            progress, cancellationToken);

        if (call.Json || tally.Failed is null) call.Out.WriteLine(call.Json ? JsonSerializer.Serialize(tally, Json) : tally.ToString());
        if (tally.Failed is not { } failed) return 0;
        var which = string.Join("; ", failed.Select(f => $"{f.Key}: {f.Value}"));
        return call.Fail(CommandLine.Failed, $"{failed.Count} of {workspaces.Length} workspace(s) failed, their watermarks kept: {which} " +
                                             $"(applied: {Counts(tally)})");
    }

    private static async Task<int> WebhooksAsync(Invocation call, KapsoApiClient client, string[] workspaces,
        CancellationToken cancellationToken)
    {
        int listed = 0, inactive = 0, reenabled = 0;
        try
        {
            foreach (var phoneNumberId in workspaces)
            {
                foreach (var hook in await client.ListWebhooksAsync(phoneNumberId, cancellationToken))
                {
                    listed++;
                    var state = hook.Active ? "active" : "INACTIVE";
                    if (!hook.Active)
                    {
                        inactive++;
                        if (call.ReenableWebhooks)
                        {
                            await client.EnableWebhookAsync(phoneNumberId, hook.Id, cancellationToken);
                            reenabled++;
                            state = "INACTIVE, re-enabled";
                        }
                    }

                    call.Out.WriteLine($"{phoneNumberId} webhook {hook.Id} {state} {hook.Url} ({string.Join(", ", hook.Events)})");
                }
            }
        }
        catch (KapsoApiException e)
        {
            return call.Fail(CommandLine.Failed, "stopped: " + e.Message);
        }

        call.Out.WriteLine($"webhooks: {listed} listed, {inactive} inactive" + (call.ReenableWebhooks ? $", {reenabled} re-enabled" : "") +
                           (inactive > reenabled ? " (run reconcile --reenable-webhooks, then reconcile --since the time they stopped)" : ""));
        return 0;
    }

    private static string Counts(ReconcileTally tally) => tally.ToString()["reconcile: ".Length..];

    /// <summary>Progress written as it happens (System.Progress would post it to the thread pool, out of order).</summary>
    private sealed class Lines(TextWriter error) : IProgress<ReconcilePage>
    {
        public void Report(ReconcilePage value) =>
            error.WriteLine($"reconcile: {value.PhoneNumberId} {value.Pass} page {value.Page}: {value.Messages} messages; " +
                            Counts(value.Tally));
    }
}
