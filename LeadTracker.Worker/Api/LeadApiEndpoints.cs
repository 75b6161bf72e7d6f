using System.Text.Json;
using LeadTracker.Worker.Leads;
using LeadTracker.Worker.Workspaces;
using Microsoft.AspNetCore.Http.Extensions;

namespace LeadTracker.Worker.Api;

/// <summary>
/// The read API's handlers: the four lead lists (closing: docs/reply-window.md), search, one lead with its timeline, tab counts and workspaces.
/// Lists are JSON <c>{ leads, next }</c> (the leads are the objects <c>leads --json</c> prints) or CSV; <c>next</c>
/// (also a <c>Link: rel="next"</c> header) is the <c>after=</c> value of the following page.
/// </summary>
internal static class LeadApiEndpoints
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly Dictionary<string, LeadView> Views = new(StringComparer.Ordinal)
    {
        ["stale"] = LeadView.Stale,
        ["follow-up"] = LeadView.FollowUp,
        ["recent"] = LeadView.Recent,
        ["closing"] = LeadView.Closing,
    };

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/leads", Search);
        api.MapGet("/leads/counts", Counts);
        api.MapGet("/leads/{id:long}", Lead);
        api.MapGet("/leads/{view}", List);
        api.MapGet("/workspaces", ListWorkspaces);
    }

    private static IResult List(string view, HttpRequest request, LeadReadModel model)
    {
        if (!Views.TryGetValue(view, out var kind))
            return Invalid("view", $"There is no list '{Shorten(view)}': stale, follow-up, recent or closing (or /api/leads?search=, /api/leads/ID).");

        var query = new ListRequest(request);
        var days = kind == LeadView.Stale ? query.Days() : 0;
        var hours = kind == LeadView.Closing ? query.Hours() : 0;
        var after = query.After(view);
        if (!query.IsValid) return Invalid(query);

        // One row more than asked says whether there is a next page.
        var rows = kind switch
        {
            LeadView.Stale => model.Queries.NotContactedSince(days, model.Now, query.Workspace, query.Limit + 1, after),
            LeadView.FollowUp => model.Queries.NeedingFollowUp(query.Workspace, query.Limit + 1, after),
            LeadView.Closing => model.Queries.ClosingSoon(hours, model.Now, query.Workspace, query.Limit + 1, after),
            _ => model.Queries.RecentlyActive(query.Workspace, query.Limit + 1, after),
        };
        return Leads(request, model, query, kind, view, rows);
    }

    private static IResult Search(HttpRequest request, LeadReadModel model)
    {
        var query = new ListRequest(request);
        if (query.Text("source")?.Trim() is { Length: > 0 } source) return BySource(request, model, query, source);
        var text = query.Text("search")?.Trim();
        if (string.IsNullOrEmpty(text)) query.Fail("search", "search= is required here (a name, username or phone digits; or source= an ad's id); the lists are /api/leads/stale, /follow-up, /recent and /closing.");
        else if (text.Length > 100) query.Fail("search", "search= is at most 100 characters.");
        else if (text.Any(char.IsControl)) query.Fail("search", "search= may not contain control characters (such as %00 or a line break).");
        var after = query.After("search");
        if (!query.IsValid) return Invalid(query);

        var rows = model.Queries.Search(text!, query.Workspace, query.Limit + 1, after);
        return Leads(request, model, query, LeadView.Search, "search", rows);
    }

    /// <summary>Leads an ad or page button brought: <c>source=</c> its <c>source_id</c>, most recently active first.</summary>
    private static IResult BySource(HttpRequest request, LeadReadModel model, ListRequest query, string source)
    {
        if (source.Length > 100) query.Fail("source", "source= is at most 100 characters.");
        var after = query.After("source");
        if (!query.IsValid) return Invalid(query);

        var rows = model.Queries.BySource(source, query.Workspace, query.Limit + 1, after);
        return Leads(request, model, query, LeadView.Search, "source", rows);
    }

    private static IResult Lead(long id, HttpRequest request, LeadReadModel model)
    {
        var query = new ListRequest(request);
        var list = $"timeline-{id}";
        var after = query.After(list);
        if (!query.IsValid) return Invalid(query);
        if (model.Queries.Find(id) is not { } lead)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such lead", detail: $"There is no lead {id}.");

        var rows = model.Queries.Timeline(id, query.Limit + 1, after);
        var (messages, next) = Cut(rows, query.Limit, m => ApiCursor.Encode(list, new LeadCursor(m.OccurredAt, m.Id)));
        Link(request, next);
        return query.AsCsv
            ? Results.File(model.Csv.Timeline(lead, messages), LeadCsv.ContentType, $"lead-{id}-timeline.csv")
            : Results.Json(new LeadTimeline(lead, messages, next), Json);
    }

    private static IResult Counts(HttpRequest request, LeadReadModel model)
    {
        var query = new ListRequest(request);
        var days = query.Days();
        var hours = query.Hours();
        return query.IsValid ? Results.Json(model.Queries.Count(days, model.Now, query.Workspace, hours), Json) : Invalid(query);
    }

    private static IResult ListWorkspaces(LeadReadModel model) =>
        Results.Json(new WorkspaceList(WorkspaceRows.List(model.Connections), model.Zone.Id), Json);

    private static IResult Leads(HttpRequest request, LeadReadModel model, ListRequest query, LeadView kind, string list,
        IReadOnlyList<Lead> rows)
    {
        var (leads, next) = Cut(rows, query.Limit, l => ApiCursor.Encode(list, kind.CursorAfter(l)));
        Link(request, next);
        return query.AsCsv
            ? Results.File(model.Csv.Leads(leads), LeadCsv.ContentType, $"leads-{list}.csv")
            : Results.Json(new LeadList(leads, next), Json);
    }

    private static (IReadOnlyList<T> Page, string? Next) Cut<T>(IReadOnlyList<T> rows, int limit, Func<T, string> cursor) =>
        rows.Count > limit ? (rows.Take(limit).ToArray(), cursor(rows[limit - 1])) : (rows, null);

    /// <summary>The next page's address in a <c>Link</c> header, for CSV clients (and anyone who prefers it).</summary>
    private static void Link(HttpRequest request, string? next)
    {
        if (next is null) return;
        var query = new QueryBuilder(request.Query.Where(p => p.Key != "after")) { { "after", next } };
        request.HttpContext.Response.Headers.Link = $"<{request.PathBase}{request.Path}{query}>; rel=\"next\"";
    }

    private static IResult Invalid(ListRequest query) =>
        Results.ValidationProblem(query.Errors, title: "The request's parameters are not valid",
            detail: string.Join(" ", query.Errors.Values.SelectMany(v => v)));

    private static IResult Invalid(string name, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [name] = [message] },
            title: "The request's parameters are not valid", detail: message);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private sealed record LeadList(IReadOnlyList<Lead> Leads, string? Next);

    private sealed record LeadTimeline(Lead Lead, IReadOnlyList<TimelineMessage> Messages, string? Next);

    private sealed record WorkspaceList(IReadOnlyList<Workspace> Workspaces, string TimeZone);
}
