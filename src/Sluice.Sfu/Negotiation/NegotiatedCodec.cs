using Sluice.Media;
using Sluice.Rtc.Sdp;

namespace Sluice.Sfu.Negotiation;

/// <summary>One codec as a session negotiated it: its payload type, its RTX payload type, its feedback.</summary>
public sealed record NegotiatedCodec(
    MediaCodec Codec,
    int PayloadType,
    int ClockRate,
    int? Channels,
    string? Fmtp,
    int? RtxPayloadType,
    bool Nack,
    bool Pli,
    bool Fir)
{
    /// <summary>The SDP form, to match it against another session's codecs (H264 profile and mode, VP9 profile).</summary>
    public SdpCodecCapability ToCapability(string kind) => new(kind, MediaCodecs.SdpName(Codec), ClockRate, Channels, Fmtp);

    public override string ToString() => Fmtp is null ? $"{MediaCodecs.SdpName(Codec)}/{ClockRate}" : $"{MediaCodecs.SdpName(Codec)}/{ClockRate} ({Fmtp})";
}
