namespace Sluice.Media.Rtp;

/// <summary>
/// The AV1 RTP aggregation header (AV1 RTP Payload Format §4.4):
/// <code>
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// |Z|Y| W |N|-|-|-|
/// +-+-+-+-+-+-+-+-+
/// </code>
/// Z: the first OBU element continues a fragment from the previous packet. Y: the last element continues in the
/// next packet. W: element count, 0 meaning every element carries a LEB128 length (otherwise the last one does not).
/// N: the packet starts a new coded video sequence.
/// </summary>
internal static class Av1AggregationHeader
{
    public const byte Z = 0x80;
    public const byte Y = 0x40;
    public const byte N = 0x08;

    public static int ElementCount(byte header) => (header >> 4) & 0x03;
}
