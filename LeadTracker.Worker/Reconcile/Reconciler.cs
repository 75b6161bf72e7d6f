using System.Text.Json;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Worker.Reconcile;

/// <summary>A workspace and where its window starts.</summary>
internal sealed record WorkspaceWindow(string PhoneNumberId, DateTimeOffset Since);

/// <summary>One page read and applied: for progress lines.</summary>
internal sealed record ReconcilePage(string PhoneNumberId, string Pass, int Page, int Messages, ReconcileTally Tally);

/// <summary>
/// Catch-up: reads Kapso's stored messages for a window and applies each as the webhooks it stands for
/// (<see cref="ApiMessageEvents"/>), through <see cref="KapsoEventParser"/> and the <see cref="LeadWriter"/>, a page
/// per transaction. Idempotent like every write: a re-run, or a live webhook for the same message, changes nothing.
/// What was applied before a failure stays applied, and one workspace's failure never stops the others.
/// </summary>
internal sealed partial class Reconciler(KapsoApiClient api, LeadWriter writer, SqliteConnectionFactory connections,
    ILogger<Reconciler> logger)
{
    /// <summary>
    /// Each workspace's window up to <paramref name="until"/>, one after the other; a workspace whose window was read
    /// and applied whole gets its watermark moved (<see cref="ReconcileWatermarks.AdvanceAsync"/>). One that fails
    /// (Kapso answers 404 for it, a cursor loop, a page above the cap, a database error) is recorded in
    /// <see cref="ReconcileTally.Failed"/> with its reason, keeps its watermark, and the next workspace runs.
    /// </summary>
    public async Task CatchUpAsync(IEnumerable<WorkspaceWindow> windows, DateTimeOffset until, TimeSpan statusLookback,
        ReconcileTally tally, IProgress<ReconcilePage>? progress, CancellationToken cancellationToken)
    {
        foreach (var (phoneNumberId, since) in windows)
        {
            try
            {
                await RunAsync(phoneNumberId, since, until, statusLookback, tally, progress, cancellationToken);
                await ReconcileWatermarks.AdvanceAsync(connections, logger, phoneNumberId, since, until, cancellationToken);
            }
            catch (KapsoApiException e)
            {
                tally.Fail(phoneNumberId, e.Message);
            }
            catch (Exception e) when (e is SqliteException or UnknownWorkspaceException)
            {
                tally.Fail(phoneNumberId, "cannot write the lead database: " + e.Message);
            }
        }
    }

    /// <summary>
    /// Every message Kapso stored from <paramref name="since"/> to <paramref name="until"/>, then (when
    /// <paramref name="statusLookback"/> is positive) <see cref="StatusesAsync"/> over the lookback before it.
    /// </summary>
    public async Task RunAsync(string phoneNumberId, DateTimeOffset since, DateTimeOffset until, TimeSpan statusLookback,
        ReconcileTally tally, IProgress<ReconcilePage>? progress, CancellationToken cancellationToken)
    {
        await PassAsync(phoneNumberId, since, until, direction: null, "messages", tally, progress, cancellationToken);
        if (statusLookback > TimeSpan.Zero)
            await StatusesAsync(phoneNumberId, since - statusLookback, since, tally, progress, cancellationToken);
    }

    /// <summary>
    /// The outbound messages Kapso stored from <paramref name="since"/> to <paramref name="until"/>: sent before a
    /// window, their statuses may have moved during it (a status does not make a message new in Kapso's store).
    /// </summary>
    private Task StatusesAsync(string phoneNumberId, DateTimeOffset since, DateTimeOffset until, ReconcileTally tally,
        IProgress<ReconcilePage>? progress, CancellationToken cancellationToken) =>
        PassAsync(phoneNumberId, since, until, Directions.Outbound, "statuses", tally, progress, cancellationToken);

    private async Task PassAsync(string phoneNumberId, DateTimeOffset since, DateTimeOffset until, string? direction,
        string pass, ReconcileTally tally, IProgress<ReconcilePage>? progress, CancellationToken cancellationToken)
    {
        var conversations = new Dictionary<string, KapsoConversationInfo?>(StringComparer.Ordinal);
        await foreach (var page in api.ListMessagesAsync(phoneNumberId, since, until, direction, cancellationToken))
        {
            await ApplyAsync(phoneNumberId, page.Items, conversations, tally, cancellationToken);
            Log.Page(logger, phoneNumberId, pass, page.Number, page.Items.Count);
            progress?.Report(new ReconcilePage(phoneNumberId, pass, page.Number, page.Items.Count, tally));
        }
    }

    private async Task ApplyAsync(string phoneNumberId, IReadOnlyList<JsonElement> items,
        Dictionary<string, KapsoConversationInfo?> conversations, ReconcileTally tally, CancellationToken cancellationToken)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        var events = new List<LeadEvent>();
        var ranges = new List<(int Start, int Count)>();
        foreach (var item in items)
        {
            var conversation = await ConversationOfAsync(phoneNumberId, item, conversations, cancellationToken);
            try
            {
                var parsed = ApiMessageEvents.From(item, phoneNumberId, conversation)
                    .Select(w => KapsoEventParser.Parse(w.Type, w.Body, receivedAt))
                    .ToArray();
                ranges.Add((events.Count, parsed.Length));
                events.AddRange(parsed);
            }
            catch (InvalidKapsoPayloadException e)
            {
                // The same reason the webhook path would give it for the error queue; the run goes on.
                Log.Skipped(logger, ApiMessageEvents.Wamid(item) ?? "(no id)", e.Message);
                tally.Skip();
            }
        }

        var identities = events.SelectMany(e => e.Contact?.Identities() ?? []).Distinct(StringComparer.Ordinal).ToArray();
        var before = LeadFingerprints.Read(connections, phoneNumberId, identities);
        var outcomes = events.Count == 0 ? [] : await writer.WriteAsync(events);
        var after = LeadFingerprints.Read(connections, phoneNumberId, identities);

        foreach (var (start, count) in ranges)
        {
            var mine = outcomes.Skip(start).Take(count).Select(o => o.Message).ToArray();
            tally.Count(mine.Contains(WriteOutcome.Inserted) ? WriteOutcome.Inserted
                : mine.Contains(WriteOutcome.Updated) ? WriteOutcome.Updated
                : WriteOutcome.Unchanged);
        }

        foreach (var outcome in outcomes)
        {
            if (outcome.Message is not (WriteOutcome.Inserted or WriteOutcome.Updated) || outcome.Event.Message is not { } m) continue;
            var direction = m.Direction.Name();
            Log.KapsoSync(logger, direction, m.Wamid, outcome.Message, outcome.Event.EventType, m.Status.Name);
        }

        foreach (var (identity, now) in after)
        {
            if (!before.TryGetValue(identity, out var then) || then.Fingerprint != now.Fingerprint) tally.LeadChanged(now.ContactId);
        }
    }

    private async Task<KapsoConversationInfo?> ConversationOfAsync(string phoneNumberId, JsonElement item,
        Dictionary<string, KapsoConversationInfo?> conversations, CancellationToken cancellationToken)
    {
        if (ApiMessageEvents.NamesItsLead(item, phoneNumberId) || ApiMessageEvents.ConversationId(item) is not { } id) return null;
        if (!conversations.TryGetValue(id, out var conversation))
        {
            conversation = await api.GetConversationAsync(phoneNumberId, id, cancellationToken);
            conversations[id] = conversation;
        }

        return conversation;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5010, Level = LogLevel.Debug,
            Message = "[Reconcile] {PhoneNumberId} {Pass} page {Page}: {Messages} messages")]
        public static partial void Page(ILogger logger, string phoneNumberId, string pass, int page, int messages);

        [LoggerMessage(EventId = 5011, Level = LogLevel.Warning,
            Message = "[Reconcile] message {MessageId} skipped: {Reason}")]
        public static partial void Skipped(ILogger logger, string messageId, string reason);

        [LoggerMessage(EventId = 5012, Level = LogLevel.Information,
            Message = "[Kapso Sync] {Direction} message {MessageId} {Outcome} ({EventType} via reconcile, status {Status})")]
        public static partial void KapsoSync(ILogger logger, string direction, string messageId, WriteOutcome outcome,
            string eventType, string status);
    }
}
