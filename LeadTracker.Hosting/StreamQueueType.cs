namespace LeadTracker.Hosting;

/// <summary>
/// The RabbitMQ queue type of the stream queues and their <c>_error</c> and <c>_skipped</c> queues. A queue's type is
/// fixed when it is declared: changing the setting for queues that already exist is the move docs/operations.md describes ("Moving to quorum queues").
/// </summary>
public enum StreamQueueType
{
    /// <summary>One copy on one node: the queues of a single broker before quorum queues were the default.</summary>
    Classic,

    /// <summary>Raft-replicated over the cluster's nodes (one on a single node); survives the loss of a minority.</summary>
    Quorum,
}
