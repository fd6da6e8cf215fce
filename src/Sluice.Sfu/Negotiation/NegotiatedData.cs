using Sluice.Rtc.Sdp;

namespace Sluice.Sfu.Negotiation;

/// <summary>A session's accepted <c>m=application</c> section (RFC 8841): the peer's SCTP port and the largest message it takes.</summary>
public sealed record NegotiatedData(string? Mid, int RemotePort, int RemoteMaxMessageSize)
{
    /// <summary>The node's <c>a=sctp-port</c>.</summary>
    public const int LocalPort = 5000;

    /// <summary>The node's <c>a=max-message-size</c>: the largest message it accepts.</summary>
    public const int LocalMaxMessageSize = 262144;

    /// <summary>The data section an answer accepted, with what its offer said; null when none was accepted.</summary>
    public static NegotiatedData? From(SessionDescription offer, SessionDescription answer)
    {
        for (var i = 0; i < answer.Media.Count && i < offer.Media.Count; i++)
        {
            var section = answer.Media[i];
            if (section.Kind == "application" && section.Port != 0)
            {
                var offered = offer.Media[i];
                return new NegotiatedData(section.Mid, offered.RemoteSctpPort, offered.MessageSizeLimit);
            }
        }

        return null;
    }
}
