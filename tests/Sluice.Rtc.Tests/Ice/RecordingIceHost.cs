using System.Net;
using Sluice.Rtc.Ice;

namespace Sluice.Rtc.Tests.Ice;

/// <summary>An ICE host that records what an agent sends and reports, or forwards it to a peer agent.</summary>
internal sealed class RecordingIceHost : IIceHost
{
    public List<(byte[] Datagram, SocketAddress To)> Sent { get; } = [];

    public List<SocketAddress> Validated { get; } = [];

    public List<SocketAddress> Selected { get; } = [];

    public List<IceState> States { get; } = [];

    /// <summary>When set, each datagram sent is handed to this callback as well (a wire to a peer).</summary>
    public Action<byte[], SocketAddress>? Wire { get; set; }

    public void SendTo(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        var copy = datagram.ToArray();
        Sent.Add((copy, remote));
        Wire?.Invoke(copy, remote);
    }

    public void OnValidatedAddress(SocketAddress remote) => Validated.Add(Copy(remote));

    public void OnSelectedAddressChanged(SocketAddress remote) => Selected.Add(Copy(remote));

    public void OnIceStateChanged(IceState state) => States.Add(state);

    private static SocketAddress Copy(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span.CopyTo(copy.Buffer.Span);
        return copy;
    }
}
