using System.Net;

namespace Sluice.Rtc.Ice;

internal static class SocketAddressExtensions
{
    /// <summary>An owned copy, safe to keep after the receive buffer's address is overwritten.</summary>
    public static SocketAddress Clone(this SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span.CopyTo(copy.Buffer.Span);
        return copy;
    }

    /// <summary>For logs and stats only: allocates.</summary>
    public static IPEndPoint ToIPEndPoint(this SocketAddress address)
    {
        var template = address.Family == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        return (IPEndPoint)template.Create(address);
    }
}
