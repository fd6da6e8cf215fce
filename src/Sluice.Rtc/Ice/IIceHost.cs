using System.Net;

namespace Sluice.Rtc.Ice;

/// <summary>
/// What an ICE agent needs from the transport that owns it: a way to send, and a place to report
/// the remote addresses it validated and the one it selected. Keeps agents testable without sockets.
/// </summary>
public interface IIceHost
{
    void SendTo(ReadOnlySpan<byte> datagram, SocketAddress remote);

    /// <summary>A binding check from or to <paramref name="remote"/> authenticated: the pair is valid (RFC 8445 §7.2.5.3.2).</summary>
    void OnValidatedAddress(SocketAddress remote);

    /// <summary>The selected pair changed (first nomination, or a newly nominated pair).</summary>
    void OnSelectedAddressChanged(SocketAddress remote);

    void OnIceStateChanged(IceState state);
}
