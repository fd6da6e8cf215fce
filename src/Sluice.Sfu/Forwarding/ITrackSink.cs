using Sluice.Media.Rtp;
using Sluice.Rtc.Rtp;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Forwarding;

/// <summary>
/// Where a published track's packets go: a subscriber session's <see cref="Subscription"/> today, a recorder or a
/// relay to another node later. A track calls its sinks on the thread that received the packet, one after the
/// other, from an immutable array swapped whole on change; a sink must not block, lock or allocate, and the
/// packet is valid only during the call (copy it to <paramref name="scratch"/> to rewrite it).
/// </summary>
public interface ITrackSink
{
    /// <param name="encoding">Which of the track's encodings (simulcast layers) the packet belongs to.</param>
    /// <param name="codec">The publisher's codec of the packet (its payload type).</param>
    /// <param name="keyframeStart">The packet starts a keyframe (a video decoder can start here); never a packet that came after later ones.</param>
    /// <param name="layer">The packet's temporal layer, read once for all sinks (VP8; none for other codecs).</param>
    /// <param name="now">The arrival time, from the node's <see cref="TimeProvider"/>, read once per packet.</param>
    void OnRtp(TrackEncoding encoding, NegotiatedCodec codec, in RtpPacket rtp, bool keyframeStart, in TemporalLayerInfo layer, long now, Span<byte> scratch);

    /// <summary>The publisher's sender report for <paramref name="encoding"/>: its NTP/RTP mapping (RFC 3550 §6.4.1).</summary>
    void OnSenderReport(TrackEncoding encoding, ulong ntpTimestamp, uint rtpTimestamp);
}
