using Sluice.Rtc.Sdp;

namespace Sluice.Sfu.Negotiation;

/// <summary>What a node forwards: the codecs of live777 (AV1, VP9, VP8, H264, Opus, G722) plus G.711, and the header extensions worth forwarding.</summary>
public static class SfuCodecs
{
    public static IReadOnlyList<SdpCodecCapability> Video { get; } =
    [
        SdpCodecCapability.VP8,
        SdpCodecCapability.VP9Profile0,
        new("video", "VP9", 90000, null, "profile-id=2"),
        SdpCodecCapability.H264ConstrainedBaseline,
        new("video", "H264", 90000, null, "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"),
        new("video", "H264", 90000, null, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"),
        new("video", "H264", 90000, null, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"),
        new("video", "H264", 90000, null, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032"),
        SdpCodecCapability.AV1,
    ];

    public static IReadOnlyList<SdpCodecCapability> Audio { get; } =
    [
        SdpCodecCapability.Opus,
        SdpCodecCapability.G722,
        new("audio", "PCMU", 8000),
        new("audio", "PCMA", 8000),
    ];

    public static IReadOnlyList<SdpCodecCapability> All { get; } = [.. Video, .. Audio];

    public const string AudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    public const string VideoOrientation = "urn:3gpp:video-orientation";
    public const string Mid = "urn:ietf:params:rtp-hdrext:sdes:mid";
    public const string RtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    public const string RepairedRtpStreamId = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    public const string TransportWideCc = Rtc.Rtcp.TransportCcRecorder.ExtensionUri;
    public const string DependencyDescriptor = Rtc.Rtp.DependencyDescriptor.ExtensionUri;

    /// <summary>
    /// RTCP feedback the node takes part in, for every codec: NACK and keyframe requests (RFC 4585, 5104), and
    /// both congestion-control schemes: transport-wide CC where the peer has it, REMB where that is all it has.
    /// </summary>
    public static IReadOnlyList<string> Feedback { get; } = ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"];

    /// <summary>
    /// Extensions accepted from a publisher. MID, RID and repaired RID route packets to tracks and encodings
    /// (RFC 8843 §9.2, RFC 8852) but are never forwarded: mids and rids are per session. Send-time and
    /// congestion-control extensions describe the publisher's link, not the subscriber's: the transport-wide
    /// sequence number is the node's feedback to the publisher, and each subscriber gets numbers of its own.
    /// The dependency descriptor tells the node AV1's temporal layers; it is not forwarded: the subscriber's
    /// receiver then assembles frames by sequence number, which the node keeps continuous when it drops frames,
    /// while forwarding it would need its frame numbers and structures kept continuous across simulcast switches.
    /// </summary>
    public static IReadOnlyList<string> PublisherExtensions { get; } = [Mid, RtpStreamId, RepairedRtpStreamId, AudioLevel, VideoOrientation, TransportWideCc, DependencyDescriptor];

    /// <summary>
    /// Extensions a subscriber gets: audio level and orientation stay true after forwarding; the transport-wide
    /// sequence number is the node's own, stamped on every packet sent to this subscriber.
    /// </summary>
    public static IReadOnlyList<string> SubscriberExtensions { get; } = [AudioLevel, VideoOrientation, TransportWideCc];
}
