using System.Net;
using System.Net.Sockets;

namespace Sluice.Rtc.Transport;

/// <summary>
/// A transport we open toward a peer that answered our offer: our own clients' WHIP/WHEP sessions and a node's
/// cascades and relays. It has its own UDP socket, because the mux routes media by remote address and one peer
/// (a server's single media port) may serve several of our sessions; ICE is the controlling full agent, and the
/// peer's candidates are checked from the answer (an ICE-lite server never sends checks of its own).
/// </summary>
public sealed class OutboundTransport : IDisposable
{
    private readonly UdpMux _mux;

    private readonly UdpMux? _host;

    /// <param name="candidates">The peer's UDP candidates; the socket binds the family of the first IPv4 one if any, on loopback when all are.</param>
    /// <param name="host">
    /// The mux whose receive thread serves this socket (a node's, so that its forwarding keeps one thread); null: a
    /// receive thread of its own (our clients).
    /// </param>
    public OutboundTransport(IReadOnlyList<IPEndPoint> candidates, WebRtcTransportOptions options, TimeProvider? time = null, UdpMux? host = null)
    {
        _host = host;
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(options);
        if (candidates.Count == 0)
        {
            throw new ArgumentException("An outbound transport needs at least one candidate of the peer.", nameof(candidates));
        }

        var family = candidates.Any(c => c.AddressFamily == AddressFamily.InterNetwork) ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        var loopback = candidates.All(c => c.AddressFamily != family || IPAddress.IsLoopback(c.Address));
        var bind = family == AddressFamily.InterNetwork
            ? (loopback ? IPAddress.Loopback : IPAddress.Any)
            : (loopback ? IPAddress.IPv6Loopback : IPAddress.IPv6Any);
        _mux = new UdpMux(new IPEndPoint(bind, 0), time);
        Transport = new WebRtcTransport(_mux, options, time);
        foreach (var candidate in candidates)
        {
            if (candidate.AddressFamily == family)
            {
                Transport.AddRemoteCandidate(candidate);
            }
        }
    }

    public WebRtcTransport Transport { get; }

    public IPEndPoint LocalEndPoint => _mux.LocalEndPoint;

    /// <summary>Called every 100 ms on the receive thread (timers of what rides on the transport, such as SCTP).</summary>
    public Action? HeartbeatTick
    {
        get => _mux.HeartbeatTick;
        set => _mux.HeartbeatTick = value;
    }

    /// <summary>Starts receiving and the connectivity checks.</summary>
    public void Start()
    {
        if (_host is null)
        {
            _mux.Start();
        }
        else
        {
            _host.Host(_mux);
        }

        Transport.Start();
    }

    public void Dispose()
    {
        Transport.Dispose();
        _mux.Dispose();
    }
}
