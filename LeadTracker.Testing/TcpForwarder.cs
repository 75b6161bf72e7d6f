using System.Net;
using System.Net.Sockets;

namespace LeadTracker.Testing;

/// <summary>
/// Forwards every connection made to a loopback port to another address, from the moment it is started: a service
/// pointed at the port before that sees a broker that is away, then one that comes back (no broker is stopped).
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private Task _accepting = Task.CompletedTask;

    public TcpForwarder(int port, string targetHost, int targetPort)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _targetHost = targetHost;
        _targetPort = targetPort;
    }

    public void Start()
    {
        _listener.Start();
        _accepting = AcceptAsync(_stop.Token);
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = PipeAsync(client, ct);
        }
    }

    private async Task PipeAsync(TcpClient client, CancellationToken ct)
    {
        using (client)
        using (var target = new TcpClient())
        {
            try
            {
                await target.ConnectAsync(_targetHost, _targetPort, ct);
                using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var inbound = client.GetStream().CopyToAsync(target.GetStream(), done.Token);
                var outbound = target.GetStream().CopyToAsync(client.GetStream(), done.Token);
                await Task.WhenAny(inbound, outbound);
                await done.CancelAsync();
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // One side closed: the other is closed with it.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
        _listener.Dispose();
    }
}
