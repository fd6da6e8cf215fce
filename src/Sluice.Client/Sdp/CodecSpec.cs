using Sluice.Media;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Sdp;

/// <summary>
/// How the CLI offers one codec: its SDP name, clock rate, format parameters and the payload types we propose
/// (the answer's are the ones used). Kept here, not taken from the media library, because PTs and fmtp are offer policy.
/// </summary>
internal sealed record CodecSpec(MediaCodec Codec, string Kind, string Name, int ClockRate, int? Channels, string? Fmtp, int PayloadType, int? RtxPayloadType)
{
    // transport-cc: as a receiver the client records arrivals and sends feedback, so the node can estimate its path.
    private static readonly string[] VideoFeedback = ["nack", "nack pli", "ccm fir", "transport-cc"];

    public static CodecSpec VP8 { get; } = new(MediaCodec.VP8, "video", "VP8", 90000, null, null, 96, 97);

    public static CodecSpec VP9 { get; } = new(MediaCodec.VP9, "video", "VP9", 90000, null, "profile-id=0", 98, 99);

    /// <summary>Constrained baseline 3.1, packetization mode 1 (RFC 6184 §8.1): what every browser decodes.</summary>
    public static CodecSpec H264 { get; } = new(MediaCodec.H264, "video", "H264", 90000, null, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", 100, 101);

    public static CodecSpec AV1 { get; } = new(MediaCodec.AV1, "video", "AV1", 90000, null, null, 102, 103);

    public static CodecSpec Opus { get; } = new(MediaCodec.Opus, "audio", "opus", 48000, 2, "minptime=10;useinbandfec=1", 111, null);

    public static IReadOnlyList<CodecSpec> Video { get; } = [VP8, VP9, H264, AV1];

    public static IReadOnlyList<CodecSpec> All { get; } = [VP8, VP9, H264, AV1, Opus];

    public bool IsVideo => Kind == "video";

    public static CodecSpec For(MediaCodec codec)
    {
        foreach (var spec in All)
        {
            if (spec.Codec == codec)
            {
                return spec;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(codec), codec, "The CLI sends and receives VP8, VP9, H264, AV1 and Opus only.");
    }

    /// <summary>Finds the codec an SDP <c>a=rtpmap</c> name stands for (case-insensitive).</summary>
    public static CodecSpec? FindByName(string sdpName)
    {
        foreach (var spec in All)
        {
            if (spec.Name.Equals(sdpName, StringComparison.OrdinalIgnoreCase))
            {
                return spec;
            }
        }

        return null;
    }

    /// <summary>The rtpmap/fmtp/rtcp-fb entries for the offer: the codec and, for video, its RTX format (RFC 4588 §8.6).</summary>
    public IEnumerable<RtpCodec> ToRtpCodecs()
    {
        var codec = new RtpCodec(PayloadType, Name, ClockRate, Channels, Fmtp);
        if (IsVideo)
        {
            codec.Feedback.AddRange(VideoFeedback);
        }

        yield return codec;
        if (RtxPayloadType is { } rtx)
        {
            yield return new RtpCodec(rtx, "rtx", ClockRate, null, "apt=" + PayloadType);
        }
    }
}
