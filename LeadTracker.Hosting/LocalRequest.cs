using System.Net;

namespace LeadTracker.Hosting;

/// <summary>
/// A request from this machine itself: from a loopback address (or over no IP at all: a Unix socket, or in process),
/// with no forwarding header. A TLS proxy on the same machine connects from loopback too, but adds
/// <c>X-Forwarded-For</c> (docs/security.md, "Health"), so what it relays from strangers is not local. Both apps
/// show their health details only to such a request.
/// </summary>
public static class LocalRequest
{
    private static readonly string[] ForwardingHeaders = ["X-Forwarded-For", "Forwarded", "X-Real-IP"];

    /// <param name="remote">The connection's remote address; null when it is not an IP connection.</param>
    /// <param name="hasHeader">Whether the request carries a header of that name.</param>
    public static bool Is(IPAddress? remote, Func<string, bool> hasHeader) =>
        (remote is null || IPAddress.IsLoopback(remote)) && !ForwardingHeaders.Any(hasHeader);
}
