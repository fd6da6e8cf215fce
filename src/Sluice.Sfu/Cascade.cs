using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;

namespace Sluice.Sfu;

/// <summary>Which way a cascade carries a stream.</summary>
public enum CascadeDirection
{
    /// <summary>The node subscribes to another server's stream (WHEP) and publishes it here.</summary>
    Pull,

    /// <summary>The node publishes its stream to another server (WHIP).</summary>
    Push,
}

/// <summary>
/// How a session reaches another server: the node is that server's WHIP or WHEP client. Operators create cascades
/// (live777's <c>/api/cascade</c>, or configuration); a cluster creates relays between its nodes the same way.
/// </summary>
/// <param name="Url">The WHEP endpoint pulled from, or the WHIP endpoint pushed to.</param>
public sealed record CascadeLink(CascadeDirection Direction, Uri Url)
{
    /// <summary>The session resource the remote server created (its <c>Location</c>), which ending the session DELETEs.</summary>
    public Uri? SessionUrl { get; init; }

    /// <summary>The bearer token the remote server takes, if any; never shown by the API.</summary>
    public string? Token { get; init; }

    /// <summary>Made by the cluster to carry a stream or a publisher between two of its nodes, not by an operator.</summary>
    public bool IsRelay { get; init; }
}

/// <summary>The node's offer toward another server, waiting for that server's answer (<see cref="SfuNode.AcceptCascade"/>).</summary>
public sealed class CascadeOffer
{
    internal CascadeOffer(RoomId room, CascadeDirection direction, SessionDescription offer, IceParameters localIce)
    {
        Room = room;
        Direction = direction;
        Offer = offer;
        LocalIce = localIce;
        Sdp = offer.ToString();
    }

    public RoomId Room { get; }

    public CascadeDirection Direction { get; }

    /// <summary>The offer to POST (<c>application/sdp</c>).</summary>
    public string Sdp { get; }

    internal SessionDescription Offer { get; }

    internal IceParameters LocalIce { get; }
}
