namespace Sluice.Media.Codecs;

/// <summary>H.264 nal_unit_type values (ITU-T H.264 Table 7-1) and the RTP packet types of RFC 6184 §5.4.</summary>
public enum H264NalType
{
    Unspecified = 0,
    NonIdrSlice = 1,
    SliceDataA = 2,
    SliceDataB = 3,
    SliceDataC = 4,
    IdrSlice = 5,
    Sei = 6,
    Sps = 7,
    Pps = 8,
    AccessUnitDelimiter = 9,
    EndOfSequence = 10,
    EndOfStream = 11,
    Filler = 12,

    /// <summary>RFC 6184 §5.7.1 single-time aggregation packet.</summary>
    StapA = 24,
    StapB = 25,
    Mtap16 = 26,
    Mtap24 = 27,

    /// <summary>RFC 6184 §5.8 fragmentation unit.</summary>
    FuA = 28,
    FuB = 29,
}
