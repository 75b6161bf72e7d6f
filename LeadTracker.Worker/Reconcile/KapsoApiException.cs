namespace LeadTracker.Worker.Reconcile;

/// <summary>Kapso's API cannot be used right now (refused key, unreachable, an answer we cannot read): the run stops.</summary>
internal sealed class KapsoApiException(string message, Exception? inner = null) : Exception(message, inner);
