namespace LeadTracker.Ingress.Spool;

/// <summary>
/// Remembers that the broker just failed, so that during an outage webhooks go straight to the spool instead of
/// each waiting out the publish timeout. The forwarder closes it once a re-publish is confirmed.
/// </summary>
internal sealed class BrokerCircuit(TimeProvider time)
{
    private static readonly TimeSpan OpenFor = TimeSpan.FromSeconds(5);
    private long _openUntilTicks;

    public bool IsOpen => time.GetUtcNow().UtcTicks < Interlocked.Read(ref _openUntilTicks);

    public void Open() => Interlocked.Exchange(ref _openUntilTicks, (time.GetUtcNow() + OpenFor).UtcTicks);

    public void Close() => Interlocked.Exchange(ref _openUntilTicks, 0);
}
