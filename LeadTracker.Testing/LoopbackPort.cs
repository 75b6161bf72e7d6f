using System.Net;
using System.Net.Sockets;

namespace LeadTracker.Testing;

/// <summary>TCP ports on 127.0.0.1 for the services a test or a benchmark phase starts.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listens on now (the OS's pick); the caller binds it soon after.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
