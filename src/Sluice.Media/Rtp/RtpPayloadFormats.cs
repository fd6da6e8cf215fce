namespace Sluice.Media.Rtp;

/// <summary>Creates the payloader and depayloader of a codec's RTP payload format.</summary>
public static class RtpPayloadFormats
{
    public static RtpPayloader CreatePayloader(MediaCodec codec) => codec switch
    {
        MediaCodec.VP8 => new Vp8Payloader(),
        MediaCodec.VP9 => new Vp9Payloader(),
        MediaCodec.H264 => new H264Payloader(),
        MediaCodec.AV1 => new Av1Payloader(),
        MediaCodec.Opus or MediaCodec.G722 or MediaCodec.PCMU or MediaCodec.PCMA => new AudioPayloader(codec),
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "unknown codec"),
    };

    public static RtpDepayloader CreateDepayloader(MediaCodec codec) => codec switch
    {
        MediaCodec.VP8 => new Vp8Depayloader(),
        MediaCodec.VP9 => new Vp9Depayloader(),
        MediaCodec.H264 => new H264Depayloader(),
        MediaCodec.AV1 => new Av1Depayloader(),
        MediaCodec.Opus or MediaCodec.G722 or MediaCodec.PCMU or MediaCodec.PCMA => new AudioDepayloader(codec),
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "unknown codec"),
    };
}
