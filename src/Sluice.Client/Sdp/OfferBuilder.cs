using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Sdp;

/// <summary>One track we publish: its codec, SSRC and (video) RTX SSRC, announced with a=ssrc lines (RFC 5576).</summary>
internal sealed record PublishTrack(CodecSpec Codec, uint Ssrc, uint? RtxSsrc)
{
    /// <summary>The track's msid track id in the offer (RFC 8830), which LiveKit's add-track names it by too.</summary>
    public string TrackId => Codec.Kind + "-" + Ssrc.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Builds the offers of the CLI's WHIP and WHEP clients (RFC 9725 §4.2): BUNDLE, rtcp-mux, a=setup:actpass,
/// our fingerprint and ICE credentials; no candidates, since the server is ICE-lite and learns our address from checks.
/// </summary>
internal static class OfferBuilder
{
    /// <summary>A sendonly offer: video (one codec + RTX) and/or Opus audio.</summary>
    public static SessionDescription CreatePublishOffer(string iceUfrag, string icePwd, string fingerprint, string cname, IReadOnlyList<PublishTrack> tracks, bool data = false)
    {
        var streamId = "sluice-cli-" + cname;
        var media = new List<SdpOfferMedia>();
        foreach (var track in tracks)
        {
            var trackId = track.TrackId;
            media.Add(new SdpOfferMedia(track.Codec.Kind, MediaDirection.SendOnly, [.. track.Codec.ToRtpCodecs()])
            {
                Configure = m => m.AddSendStream(track.Ssrc, cname, streamId, trackId, track.RtxSsrc),
            });
        }

        return SdpOfferer.CreateOffer(new SdpOfferOptions { IceUfrag = iceUfrag, IcePwd = icePwd, Fingerprint = fingerprint, Media = media, DataChannel = data });
    }

    /// <summary>The transport-wide sequence number a receiver offers, so the sender can estimate the path from its feedback.</summary>
    private static readonly SdpExtmap TransportCc = new(5, null, TransportCcRecorder.ExtensionUri);

    /// <summary>A recvonly offer: every video codec we can write (each with RTX) and Opus audio, with transport-wide CC.</summary>
    public static SessionDescription CreateSubscribeOffer(string iceUfrag, string icePwd, string fingerprint, bool video = true, bool audio = true, bool data = false)
    {
        var media = new List<SdpOfferMedia>();
        if (video)
        {
            var codecs = new List<RtpCodec>();
            foreach (var spec in CodecSpec.Video)
            {
                codecs.AddRange(spec.ToRtpCodecs());
            }

            media.Add(new SdpOfferMedia("video", MediaDirection.RecvOnly, codecs) { Extmaps = [TransportCc] });
        }

        if (audio)
        {
            media.Add(new SdpOfferMedia("audio", MediaDirection.RecvOnly, [.. CodecSpec.Opus.ToRtpCodecs()]) { Extmaps = [TransportCc] });
        }

        return SdpOfferer.CreateOffer(new SdpOfferOptions { IceUfrag = iceUfrag, IcePwd = icePwd, Fingerprint = fingerprint, Media = media, DataChannel = data });
    }
}
