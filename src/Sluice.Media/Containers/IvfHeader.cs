namespace Sluice.Media.Containers;

/// <summary>
/// The 32-byte IVF file header (libvpx's container; also used for AV1 by the AV1 "low overhead bitstream format").
/// </summary>
/// <param name="FourCc">"VP80", "VP90" or "AV01".</param>
/// <param name="TimebaseDenominator">Timestamps count 1/<paramref name="TimebaseDenominator"/> × <paramref name="TimebaseNumerator"/> seconds.</param>
/// <param name="FrameCount">As written in the header; writers that could not seek leave it 0.</param>
public sealed record IvfHeader(string FourCc, int Width, int Height, int TimebaseDenominator, int TimebaseNumerator, int FrameCount)
{
    /// <summary>Size of the file header.</summary>
    public const int Length = 32;

    /// <summary>Size of the header before every frame (4-byte size, 8-byte timestamp).</summary>
    public const int FrameHeaderLength = 12;

    internal static string FourCcOf(MediaCodec codec) => codec switch
    {
        MediaCodec.VP8 => "VP80",
        MediaCodec.VP9 => "VP90",
        MediaCodec.AV1 => "AV01",
        MediaCodec.H264 => "H264",
        _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "IVF holds only video codecs"),
    };

    internal static bool TryCodecOf(string fourCc, out MediaCodec codec)
    {
        switch (fourCc.ToUpperInvariant())
        {
            case "VP80": codec = MediaCodec.VP8; return true;
            case "VP90": codec = MediaCodec.VP9; return true;
            case "AV01": codec = MediaCodec.AV1; return true;
            case "H264": codec = MediaCodec.H264; return true;
            default: codec = default; return false;
        }
    }
}
