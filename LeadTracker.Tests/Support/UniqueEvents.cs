using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;

namespace LeadTracker.Tests.Support;

/// <summary>One generated inbound message: its WhatsApp id, the lead who wrote it, and the signed body.</summary>
internal sealed record UniqueEvent(string Wamid, string Phone, string IdempotencyKey, byte[] Body)
{
    public const string EventType = "whatsapp.message.received";

    /// <summary>A signed POST exactly as Kapso sends a single (unbuffered) v2 event.</summary>
    public HttpRequestMessage ToRequest() => UniqueEvents.Request(Body, EventType, IdempotencyKey);

    public override string ToString() => Wamid;
}

/// <summary>
/// Never-repeating Kapso v2 <c>whatsapp.message.received</c> webhooks from <see cref="WebhookGenerator"/> (the
/// benchmark's), signed with the fixtures' secret: a unique wamid per event, leads spread over a fixed set of phone
/// numbers on workspace <see cref="WebhookGenerator.PhoneNumberId"/>.
/// </summary>
internal sealed class UniqueEvents(int contacts = 200)
{
    // A seed of its own: two generators in one test must not share idempotency keys.
    private readonly WebhookGenerator _generator = new(KapsoSignature.TestSecret, contacts, Random.Shared.Next());

    public IReadOnlyList<UniqueEvent> Take(int count) =>
        _generator.ReceivedTexts(count).Select(w => new UniqueEvent(w.Events[0].Wamid!, w.Events[0].Phone!, w.IdempotencyKey, w.Body)).ToArray();

    public UniqueEvent Next() => Take(1)[0];

    /// <summary>A body for an arbitrary event type (a poison event, say), signed with the test secret.</summary>
    public static HttpRequestMessage Request(byte[] body, string eventType, string idempotencyKey) =>
        Webhook.Create(eventType, body, idempotencyKey).ToRequest();

    /// <summary>
    /// Starts posting <paramref name="events"/> through the ingress, <paramref name="concurrency"/> at a time, in
    /// order of the list; returns at once. The <see cref="WebhookDelivery"/> records every answer as it comes.
    /// </summary>
    /// <param name="perSecond">Paced like real traffic: event i is not sent before i / perSecond seconds;
    /// null sends as fast as the ingress answers.</param>
    public static WebhookDelivery Send(HttpClient http, IReadOnlyList<UniqueEvent> events, int concurrency = 16,
        int? perSecond = null)
    {
        var delivery = new WebhookDelivery(events);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var started = -1;
        delivery.Completion = Task.Run(() => Parallel.ForEachAsync(events,
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (e, token) =>
            {
                var due = TimeSpan.FromSeconds((double)Interlocked.Increment(ref started) / (perSecond ?? int.MaxValue));
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, token);
                try
                {
                    using var request = e.ToRequest();
                    using var response = await http.SendAsync(request, token);
                    var outcome = response.IsSuccessStatusCode ? OutcomeOf(await response.Content.ReadAsStringAsync(token)) : null;
                    delivery.Record(e, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), response.IsSuccessStatusCode, outcome);
                }
                catch (Exception x) when (x is HttpRequestException or TaskCanceledException)
                {
                    delivery.Record(e, x.GetType().Name, accepted: false);
                }
            }));
        return delivery;
    }

    /// <summary>The ingress says how it kept an accepted event: <c>{"accepted":1,…,"outcome":"published"|"spooled"}</c>.</summary>
    private static string OutcomeOf(string answer)
    {
        try
        {
            using var json = JsonDocument.Parse(answer);
            return json.RootElement.TryGetProperty("outcome", out var outcome) ? outcome.GetString() ?? "?" : "?";
        }
        catch (JsonException)
        {
            return "?";
        }
    }
}

/// <summary>A stream of webhooks in flight, and what the ingress answered for each (thread-safe, live).</summary>
internal sealed class WebhookDelivery(IReadOnlyList<UniqueEvent> events)
{
    private readonly ConcurrentDictionary<string, UniqueEvent> _accepted = new();
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly ConcurrentDictionary<string, int> _outcomes = new();
    private int _completed;

    public IReadOnlyList<UniqueEvent> Events { get; } = events;

    /// <summary>Answered so far (any status, or a transport error).</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Answered 2xx: the ingress promised not to lose these.</summary>
    public IReadOnlyCollection<UniqueEvent> Accepted => _accepted.Values.ToArray();

    /// <summary>How many got each answer: "200", "503", "HttpRequestException", ….</summary>
    public IReadOnlyDictionary<string, int> Answers => _answers;

    /// <summary>How the ingress kept the accepted ones: "published" (RabbitMQ confirmed) or "spooled".</summary>
    public IReadOnlyDictionary<string, int> Outcomes => _outcomes;

    public Task Completion { get; internal set; } = Task.CompletedTask;

    public string AnswerSummary => Summary(_answers);

    public string OutcomeSummary => Summary(_outcomes);

    /// <summary>Several finished streams counted as one.</summary>
    public static WebhookDelivery Combine(params WebhookDelivery[] deliveries)
    {
        var all = new WebhookDelivery(deliveries.SelectMany(d => d.Events).ToArray());
        foreach (var d in deliveries)
        {
            foreach (var e in d.Accepted) all._accepted[e.Wamid] = e;
            foreach (var (answer, n) in d.Answers) all._answers.AddOrUpdate(answer, n, (_, m) => m + n);
            foreach (var (outcome, n) in d.Outcomes) all._outcomes.AddOrUpdate(outcome, n, (_, m) => m + n);
            Interlocked.Add(ref all._completed, d.Completed);
        }

        return all;
    }

    internal void Record(UniqueEvent e, string answer, bool accepted, string? outcome = null)
    {
        if (accepted) _accepted[e.Wamid] = e;
        _answers.AddOrUpdate(answer, 1, (_, n) => n + 1);
        if (outcome is not null) _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _completed);
    }

    /// <summary>Waits until at least <paramref name="count"/> webhooks are answered (or all of them are).</summary>
    public async Task WaitForAnswersAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Completed < Math.Min(count, Events.Count))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"only {Completed} of {count} webhooks answered within {timeout} ({AnswerSummary})");
            if (Completion.IsFaulted) await Completion;
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until every webhook is answered.</summary>
    public async Task FinishAsync(TimeSpan timeout)
    {
        try
        {
            await Completion.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"only {Completed} of {Events.Count} webhooks answered within {timeout} ({AnswerSummary})");
        }
    }
    private static string Summary(ConcurrentDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}×{a.Value}"));
}

/// <summary>
/// What was accepted against what is in SQLite. Lost: answered 2xx but absent from <c>messages</c>. Doubled: more rows
/// than unique message ids (the UNIQUE index makes that 0 by construction), plus rows this stream never sent, plus
/// leads split into more than one contact.
/// </summary>
internal sealed record FaultTally(string Fault, int Events, int Accepted, int Stored, int Lost, int Doubled,
    long Rows, long DistinctWamids, long Contacts, int DistinctPhones, long MisdatedContacts, SyncLineTally Applications)
{
    public string Line => $"[fault] {Fault}: events={Events} accepted={Accepted} stored={Stored} lost={Lost} doubled={Doubled}";

    public static FaultTally Take(string fault, LeadTrackerSystem system, WebhookDelivery delivery)
    {
        var sent = delivery.Events.ToDictionary(e => e.Wamid);
        var accepted = delivery.Accepted.Select(e => e.Wamid).ToHashSet(StringComparer.Ordinal);

        using var db = system.OpenDatabase();
        var rows = db.ExecuteScalar<long>("SELECT COUNT(*) FROM messages");
        var distinct = db.ExecuteScalar<long>("SELECT COUNT(DISTINCT wamid) FROM messages");
        var wamids = db.Query<string>("SELECT wamid FROM messages").ToHashSet(StringComparer.Ordinal);
        var contacts = db.ExecuteScalar<long>("SELECT COUNT(*) FROM contacts");
        // Redeliveries and replays must not move a lead's times: each is its newest stored inbound message's.
        var misdated = db.ExecuteScalar<long>("""
            SELECT COUNT(*) FROM contacts c
            WHERE c.last_inbound_at IS NOT (SELECT MAX(m.occurred_at) FROM messages m
                                            WHERE m.contact_id = c.id AND m.direction = 'inbound')
            """);

        var stored = wamids.Count(sent.ContainsKey);
        var lost = accepted.Count(w => !wamids.Contains(w));
        var strangers = wamids.Count(w => !sent.ContainsKey(w));
        var phones = wamids.Where(sent.ContainsKey).Select(w => sent[w].Phone).Distinct(StringComparer.Ordinal).Count();
        var split = (int)Math.Max(0, contacts - phones);
        // Rows cannot double (wamid is unique): an event applied twice shows only in the worker's [Kapso Sync] lines,
        // counted over every worker process of the test (a restarted worker starts a new output).
        var applications = SyncLineTally.Of(system.Worker.OutputAcrossRestarts);
        var doubled = (int)(rows - distinct) + strangers + split + applications.Reapplied.Count;

        return new FaultTally(fault, sent.Count, accepted.Count, stored, lost, doubled, rows, distinct, contacts, phones, misdated,
            applications);
    }

    public FaultTally Print()
    {
        TestContext.Out.WriteLine(Line);
        TestContext.Out.WriteLine($"        rows={Rows} distinct-wamids={DistinctWamids} contacts={Contacts} distinct-phones={DistinctPhones} " +
                                  $"misdated-contacts={MisdatedContacts} sync-lines={Applications.Lines} " +
                                  $"applied-twice={Applications.Reapplied.Count} redelivered={Applications.Redelivered.Count}");
        return this;
    }
}
