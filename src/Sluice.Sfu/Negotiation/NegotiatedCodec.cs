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
    /// <summary>The peer takes REMB (<c>a=rtcp-fb:* goog-remb</c>).</summary>
    public bool Remb { get; init; }

    /// <summary>The peer takes transport-wide CC feedback (<c>a=rtcp-fb:* transport-cc</c>).</summary>
    public bool TransportCc { get; init; }

    /// <summary>The SDP form, to match it against another session's codecs (H264 profile and mode, VP9 profile).</summary>
    public SdpCodecCapability Capability => field ??= new(MediaCodecs.IsVideo(Codec) ? "video" : "audio", MediaCodecs.SdpName(Codec), ClockRate, Channels, Fmtp);

    /// <summary>As an SDP codec, for <see cref="SdpCodecCapability.Matches"/>.</summary>
    public RtpCodec AsRtpCodec => field ??= new(PayloadType, MediaCodecs.SdpName(Codec), ClockRate, Channels, Fmtp);

    /// <summary>True when <paramref name="other"/> is the same codec (H264 profile and mode, VP9 profile included).</summary>
    public bool Matches(NegotiatedCodec other) => Capability.Matches(Capability.Kind, other.AsRtpCodec);

    public override string ToString() => Fmtp is null ? $"{MediaCodecs.SdpName(Codec)}/{ClockRate}" : $"{MediaCodecs.SdpName(Codec)}/{ClockRate} ({Fmtp})";
}
