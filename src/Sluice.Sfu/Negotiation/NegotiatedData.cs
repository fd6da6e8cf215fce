using Sluice.Rtc.Sdp;

namespace Sluice.Sfu.Negotiation;

/// <summary>A session's accepted <c>m=application</c> section (RFC 8841): the peer's SCTP port and the largest message it takes.</summary>
public sealed record NegotiatedData(string? Mid, int RemotePort, int RemoteMaxMessageSize)
{
    /// <summary>The node's <c>a=sctp-port</c>.</summary>
    public const int LocalPort = 5000;

    /// <summary>The node's <c>a=max-message-size</c>: the largest message it accepts.</summary>
    public const int LocalMaxMessageSize = 262144;

    /// <summary>
    /// The data section both descriptions accept: its mid as <paramref name="local"/> names it, and the
    /// peer's SCTP port and message size from <paramref name="remote"/>. For a peer's offer the node's answer is the
    /// local side; for the node's own offer (a cascade) the other server's answer is the remote one.
    /// </summary>
    public static NegotiatedData? From(SessionDescription remote, SessionDescription local)
    {
        for (var i = 0; i < local.Media.Count && i < remote.Media.Count; i++)
        {
            var section = local.Media[i];
            var theirs = remote.Media[i];
            // Port 0 on their side is a refusal, unless the section is bundle-only (an offer's, RFC 8843 §6).
            if (section.Kind == "application" && section.Port != 0 && theirs.IsLive)
            {
                return new NegotiatedData(section.Mid, theirs.RemoteSctpPort, theirs.MessageSizeLimit);
            }
        }

        return null;
    }
}
