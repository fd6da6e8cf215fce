namespace Sluice.Media.Codecs;

/// <summary>obu_type values (AV1 Bitstream Specification §6.2.2).</summary>
public enum Av1ObuType
{
    SequenceHeader = 1,
    TemporalDelimiter = 2,
    FrameHeader = 3,
    TileGroup = 4,
    Metadata = 5,
    Frame = 6,
    RedundantFrameHeader = 7,
    TileList = 8,
    Padding = 15,
}
