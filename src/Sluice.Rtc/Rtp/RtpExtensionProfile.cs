namespace Sluice.Rtc.Rtp;

/// <summary>RFC 8285 header extension forms and their "defined by profile" values.</summary>
public static class RtpExtensionProfile
{
    /// <summary>RFC 8285 §4.2: one-byte header form.</summary>
    public const ushort OneByte = 0xBEDE;

    /// <summary>RFC 8285 §4.3: two-byte header form, with 4 "appbits" in the low nibble (we write 0).</summary>
    public const ushort TwoByte = 0x1000;

    /// <summary>RFC 8285 §4.2: the largest local identifier of the one-byte form (15 is reserved).</summary>
    public const int MaxOneByteId = 14;

    /// <summary>RFC 8285 §4.2: the largest data length of a one-byte element.</summary>
    public const int MaxOneByteDataLength = 16;

    /// <summary>RFC 8285 §4.3: the largest data length of a two-byte element.</summary>
    public const int MaxTwoByteDataLength = 255;

    /// <summary>Whether <paramref name="profile"/> is the one-byte form.</summary>
    public static bool IsOneByte(ushort profile) => profile == OneByte;

    /// <summary>Whether <paramref name="profile"/> is the two-byte form (0x100 followed by any appbits).</summary>
    public static bool IsTwoByte(ushort profile) => (profile & 0xFFF0) == TwoByte;
}
