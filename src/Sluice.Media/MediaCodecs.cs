namespace Sluice.Media;

/// <summary>SDP names (RFC 8866 rtpmap encoding names) and RTP clock rates of <see cref="MediaCodec"/>.</summary>
public static class MediaCodecs
{
    /// <summary>Maps an rtpmap encoding name (case-insensitive) to a codec.</summary>
    public static bool TryParse(string sdpName, out MediaCodec codec)
    {
        codec = default;
        if (sdpName is null)
        {
            return false;
        }

        switch (sdpName.ToUpperInvariant())
        {
            case "VP8": codec = MediaCodec.VP8; return true;
            case "VP9": codec = MediaCodec.VP9; return true;
            case "H264": codec = MediaCodec.H264; return true;
            case "AV1": codec = MediaCodec.AV1; return true;
            case "OPUS": codec = MediaCodec.Opus; return true;
            case "G722": codec = MediaCodec.G722; return true;
            case "PCMU": codec = MediaCodec.PCMU; return true;
            case "PCMA": codec = MediaCodec.PCMA; return true;
            default: return false;
        }
    }

    /// <summary>The encoding name as browsers write it in SDP.</summary>
    public static string SdpName(MediaCodec codec) => codec switch
    {
        MediaCodec.VP8 => "VP8",
        MediaCodec.VP9 => "VP9",
        MediaCodec.H264 => "H264",
        MediaCodec.AV1 => "AV1",
        MediaCodec.Opus => "opus",
        MediaCodec.G722 => "G722",
        MediaCodec.PCMU => "PCMU",
        MediaCodec.PCMA => "PCMA",
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "unknown codec"),
    };

    /// <summary>
    /// The RTP clock rate. G722 samples at 16 kHz but is signalled as 8000 because of an error
    /// in the original RFC 1890 kept for compatibility (RFC 3551 §4.5.2).
    /// </summary>
    public static int ClockRate(MediaCodec codec) => codec switch
    {
        MediaCodec.VP8 or MediaCodec.VP9 or MediaCodec.H264 or MediaCodec.AV1 => 90000,
        MediaCodec.Opus => 48000,
        MediaCodec.G722 or MediaCodec.PCMU or MediaCodec.PCMA => 8000,
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "unknown codec"),
    };

    /// <summary>Whether the codec is a video codec.</summary>
    public static bool IsVideo(MediaCodec codec) =>
        codec is MediaCodec.VP8 or MediaCodec.VP9 or MediaCodec.H264 or MediaCodec.AV1;

    /// <summary>The RTP audio channel count advertised in SDP (Opus is always "opus/48000/2", RFC 7587 §7).</summary>
    public static int SdpChannels(MediaCodec codec) => codec == MediaCodec.Opus ? 2 : 1;
}
