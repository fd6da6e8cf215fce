namespace Sluice.Rtc.Sdp;

/// <summary>
/// H.264 profiles as libwebrtc derives them from the first two bytes of <c>profile-level-id</c>
/// (RFC 6184 §8.1: profile_idc, then profile-iop with the constraint_set flags).
/// </summary>
internal enum H264Profile
{
    ConstrainedBaseline = 0,
    Baseline = 1,
    Main = 2,
    ConstrainedHigh = 3,
    High = 4,
    PredictiveHigh444 = 5,
}

internal static class H264Profiles
{
    /// <summary>The profile named by a codec's fmtp, or null when unknown; absent means constrained baseline, as libwebrtc assumes.</summary>
    public static H264Profile? FromFmtp(RtpCodec codec)
    {
        var text = codec.GetParameter("profile-level-id");
        if (text is null)
        {
            return H264Profile.ConstrainedBaseline;
        }

        if (text.Length != 6 || !byte.TryParse(text.AsSpan(0, 2), System.Globalization.NumberStyles.HexNumber, null, out var idc)
            || !byte.TryParse(text.AsSpan(2, 2), System.Globalization.NumberStyles.HexNumber, null, out var iop))
        {
            return null;
        }

        // Bit patterns over profile-iop, MSB first; 'x' is either value (libwebrtc's table).
        return idc switch
        {
            0x42 when Match(iop, "x1xx0000") => H264Profile.ConstrainedBaseline,
            0x4D when Match(iop, "1xxx0000") => H264Profile.ConstrainedBaseline,
            0x58 when Match(iop, "11xx0000") => H264Profile.ConstrainedBaseline,
            0x42 when Match(iop, "x0xx0000") => H264Profile.Baseline,
            0x58 when Match(iop, "10xx0000") => H264Profile.Baseline,
            0x4D when Match(iop, "0x0x0000") => H264Profile.Main,
            0x64 when iop == 0x00 => H264Profile.High,
            0x64 when iop == 0x0C => H264Profile.ConstrainedHigh,
            0xF4 when iop == 0x00 => H264Profile.PredictiveHigh444,
            _ => null,
        };
    }

    private static bool Match(byte value, string pattern)
    {
        for (var i = 0; i < 8; i++)
        {
            var bit = (value >> (7 - i)) & 1;
            if ((pattern[i] == '1' && bit != 1) || (pattern[i] == '0' && bit != 0))
            {
                return false;
            }
        }

        return true;
    }
}
