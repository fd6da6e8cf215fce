using System.Net;
using System.Net.Sockets;

namespace Sluice.Testing;

/// <summary>A port on 127.0.0.1 that nothing uses now, for a server a test or benchmark starts on a fixed one.</summary>
public static class FreePorts
{
    public static int Tcp() => Free(SocketType.Stream, ProtocolType.Tcp);

    public static int Udp() => Free(SocketType.Dgram, ProtocolType.Udp);

    private static int Free(SocketType type, ProtocolType protocol)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
