using System.Text.Json.Serialization;

namespace LeadTracker.Worker.Reconcile;

/// <summary>What a catch-up run did, message by message (a message read back may stand for several webhooks).</summary>
internal sealed class ReconcileTally
{
    private readonly HashSet<long> _leadsChanged = [];
    private readonly SortedDictionary<string, string> _failed = new(StringComparer.Ordinal);

    /// <summary>Messages read from Kapso's API.</summary>
    public int Read { get; private set; }

    public int Inserted { get; private set; }

    public int Updated { get; private set; }

    public int Unchanged { get; private set; }

    /// <summary>Distinct leads whose row differs after the run (new, or a time, name or identity moved).</summary>
    public int LeadsChanged => _leadsChanged.Count;

    /// <summary>Messages the parser could not apply (logged with their reason); absent from the JSON when 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Skipped { get; private set; }

    /// <summary>
    /// The workspaces whose window could not be read or applied, each with its reason (their watermarks did not
    /// move); absent from the JSON when none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Failed => _failed.Count == 0 ? null : new SortedDictionary<string, string>(_failed, StringComparer.Ordinal);

    public void Count(Storage.WriteOutcome outcome)
    {
        Read++;
        switch (outcome)
        {
            case Storage.WriteOutcome.Inserted: Inserted++; break;
            case Storage.WriteOutcome.Updated: Updated++; break;
            default: Unchanged++; break;
        }
    }

    public void Skip()
    {
        Read++;
        Skipped++;
    }

    public void LeadChanged(long contactId) => _leadsChanged.Add(contactId);

    public void Fail(string phoneNumberId, string reason) => _failed[phoneNumberId] = reason;

    /// <summary>The summary line of <c>reconcile</c>.</summary>
    public override string ToString() =>
        $"reconcile: {Read} read, {Inserted} inserted, {Updated} updated, {Unchanged} unchanged, {LeadsChanged} leads changed"
        + (Skipped > 0 ? $", {Skipped} skipped" : "");
}
