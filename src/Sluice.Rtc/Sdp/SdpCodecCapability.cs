namespace Sluice.Rtc.Sdp;

/// <summary>
/// A codec we can receive or send, matched against offered codecs by kind, name (case-insensitive), clock rate,
/// channels and the format parameters that select a decoder (see <see cref="Matches"/>).
/// </summary>
public sealed record SdpCodecCapability(string Kind, string Name, int ClockRate, int? Channels = null, string? Fmtp = null)
{
    public static SdpCodecCapability Opus { get; } = new("audio", "opus", 48000, 2, "minptime=10;useinbandfec=1");

    public static SdpCodecCapability G722 { get; } = new("audio", "G722", 8000);

    public static SdpCodecCapability VP8 { get; } = new("video", "VP8", 90000);

    public static SdpCodecCapability VP9Profile0 { get; } = new("video", "VP9", 90000, null, "profile-id=0");

    /// <summary>H.264 constrained baseline, packetization mode 1: what every browser can decode.</summary>
    public static SdpCodecCapability H264ConstrainedBaseline { get; } =
        new("video", "H264", 90000, null, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");

    public static SdpCodecCapability AV1 { get; } = new("video", "AV1", 90000);

    /// <summary>
    /// True when <paramref name="offered"/> is this codec: for H264 the profile (profile_idc and the constraint
    /// bits of profile-iop, as libwebrtc compares them) and packetization-mode (RFC 6184 §8.1) must be equal;
    /// for VP9 the profile-id; other codecs match on name, clock rate and channels.
    /// </summary>
    public bool Matches(string kind, RtpCodec offered)
    {
        if (!Kind.Equals(kind, StringComparison.OrdinalIgnoreCase)
            || !Name.Equals(offered.Name, StringComparison.OrdinalIgnoreCase)
            || ClockRate != offered.ClockRate
            || (Channels ?? 1) != (offered.Channels ?? 1))
        {
            return false;
        }

        var ours = new RtpCodec(0, Name, ClockRate, Channels, Fmtp);
        if (Name.Equals("H264", StringComparison.OrdinalIgnoreCase))
        {
            return H264Profiles.FromFmtp(ours) is { } profile
                && H264Profiles.FromFmtp(offered) == profile
                && (ours.GetParameter("packetization-mode") ?? "0") == (offered.GetParameter("packetization-mode") ?? "0");
        }

        if (Name.Equals("VP9", StringComparison.OrdinalIgnoreCase))
        {
            return (ours.GetParameter("profile-id") ?? "0") == (offered.GetParameter("profile-id") ?? "0");
        }

        return true;
    }
}
