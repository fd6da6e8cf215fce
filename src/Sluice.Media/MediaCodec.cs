namespace Sluice.Media;

/// <summary>The codecs Sluice can carry, contain and packetize.</summary>
public enum MediaCodec
{
    VP8 = 0,
    VP9 = 1,
    H264 = 2,
    AV1 = 3,
    Opus = 4,
    G722 = 5,
    PCMU = 6,
    PCMA = 7,
}
