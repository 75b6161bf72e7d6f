namespace LeadTracker.Worker.Domain;

/// <summary>The lead stopped or resumed marketing messages; <paramref name="Sequence"/> orders the changes.</summary>
internal sealed record MarketingFact(string Status, long Sequence);
