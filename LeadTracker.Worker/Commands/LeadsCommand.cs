using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LeadTracker.Worker.Leads;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Commands;

/// <summary><c>leads stale|follow-up|recent|closing</c>: a table for people, <c>--json</c> for scripts.</summary>
internal static class LeadsCommand
{
    // Output for scripts and terminals, never embedded in HTML: keep '+' and accents readable.
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create(Func<SqliteConnectionFactory> connections)
    {
        var workspace = new Option<string?>("--workspace") { Description = "Only this business number (Kapso phone_number_id)" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var limit = new Option<int>("--limit") { Description = "At most this many leads", DefaultValueFactory = _ => 50 };
        var days = new Option<int>("--days") { Description = "Not contacted in this many days", DefaultValueFactory = _ => 7 };
        // A word that is no number is already the parser's error; these check the numbers.
        limit.Validators.Add(result =>
        {
            if (Number(result) < 1) result.AddError("--limit must be 1 or more.");
        });
        days.Validators.Add(result =>
        {
            if (Number(result) < 0) result.AddError("--days must be 0 or more.");
        });

        var stale = new Command("stale", "Leads we have not contacted in N days (or never)") { days, workspace, limit, json };
        stale.SetAction(parse => Run(parse, connections, json, queries =>
            queries.NotContactedSince(parse.GetValue(days), DateTimeOffset.UtcNow, parse.GetValue(workspace), parse.GetValue(limit))));

        var followUp = new Command("follow-up", "Leads who wrote after our last outreach") { workspace, limit, json };
        followUp.SetAction(parse => Run(parse, connections, json, queries =>
            queries.NeedingFollowUp(parse.GetValue(workspace), parse.GetValue(limit))));

        var recent = new Command("recent", "Leads by latest activity, either direction") { workspace, limit, json };
        recent.SetAction(parse => Run(parse, connections, json, queries =>
            queries.RecentlyActive(parse.GetValue(workspace), parse.GetValue(limit))));

        var hours = new Option<int>("--hours")
        {
            Description = "Reply windows that close within this many hours (1-24)",
            DefaultValueFactory = _ => LeadQueries.DefaultClosingHours,
        };
        hours.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 24) result.AddError("--hours must be a whole number from 1 to 24.");
        });
        var closing = new Command("closing", "Leads waiting for us whose 24 h reply window closes within N hours, soonest first")
        {
            hours, workspace, limit, json,
        };
        closing.SetAction(parse => Run(parse, connections, json, queries =>
            queries.ClosingSoon(parse.GetValue(hours), DateTimeOffset.UtcNow, parse.GetValue(workspace), parse.GetValue(limit))));

        return new Command("leads", "Answer the lead questions from the database (read-only; never creates it)")
        {
            stale, followUp, recent, closing,
        };
    }

    /// <summary>Runs a query on a read-only connection to the existing database; a missing one is one line, exit 1.</summary>
    private static int Run(ParseResult parse, Func<SqliteConnectionFactory> connections, Option<bool> json,
        Func<LeadQueries, IReadOnlyList<Lead>> query)
    {
        var readOnly = LeadDatabase.ReadOnly(connections().ConnectionString);
        return LeadDatabase.Check(readOnly, parse.InvocationConfiguration.Error)
            ? Print(parse, json, query(new LeadQueries(readOnly)))
            : 1;
    }

    private static int Print(ParseResult parse, Option<bool> json, IReadOnlyList<Lead> leads)
    {
        var output = parse.InvocationConfiguration.Output;
        if (parse.GetValue(json))
        {
            output.WriteLine(JsonSerializer.Serialize(leads, Json));
            return 0;
        }

        output.WriteLine($"{"NAME",-24} {"PHONE",-16} {"LAST ACTIVITY",-17} {"LAST CONTACT",-17} {"LAST INBOUND",-17} {"REPLY WINDOW",-20} {"MARKETING",-9} WORKSPACE");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var lead in leads)
        {
            output.WriteLine($"{Cut(TerminalText.Safe(lead.ProfileName ?? lead.Username ?? "-"), 24),-24} {TerminalText.Safe(lead.PhoneE164 ?? lead.Bsuid ?? "-"),-16} " +
                $"{Time(lead.LastActivityAt),-17} {Time(lead.LastContactAt),-17} {Time(lead.LastInboundAt),-17} {Window(lead, now),-20} " +
                $"{lead.MarketingStatus ?? "-",-9} {(lead.WorkspaceName is { } name ? $"{TerminalText.Safe(name)} ({lead.Workspace})" : lead.Workspace)}");
        }

        output.WriteLine($"{leads.Count} lead(s)");
        return 0;
    }

    private static string Time(long? unixMs) => unixMs is { } ms
        ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture)
        : "never";

    /// <summary>"3h 20m left", "closed", "never wrote"; "template" when a free-form send was refused since.</summary>
    private static string Window(Lead lead, long now)
    {
        if (lead.ReplyWindowClosesAt is not { } closes) return "never wrote";
        var left = TimeSpan.FromMilliseconds(closes - now);
        var text = left <= TimeSpan.Zero ? "closed" : $"{(int)left.TotalHours}h {left.Minutes:D2}m left";
        return lead.NeedsTemplate ? text + ", template" : text;
    }

    private static int? Number(System.CommandLine.Parsing.OptionResult result) =>
        result.Tokens is [var token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
