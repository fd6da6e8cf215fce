using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;

namespace Sluice.Server.Tests.Support;

/// <summary>Offers as our own client writes them, for protocol tests that need no media to flow.</summary>
internal static class Offers
{
    private static readonly DtlsFingerprint Fingerprint = DtlsFingerprint.Compute(DtlsHashAlgorithm.Sha256, new byte[32]);

    public static string Publish(params RtpCodec[] videoCodecs) => Create(MediaDirection.SendOnly, videoCodecs);

    public static string Play() => Create(MediaDirection.RecvOnly, [new RtpCodec(96, "VP8", 90000)]);

    public static string Create(MediaDirection direction, IReadOnlyList<RtpCodec> videoCodecs, bool audio = true)
    {
        var ice = IceParameters.Generate();
        List<SdpOfferMedia> media = [new("video", direction, videoCodecs)];
        if (audio)
        {
            media.Add(new SdpOfferMedia("audio", direction, [new RtpCodec(111, "opus", 48000, 2, "minptime=10;useinbandfec=1")]));
        }

        return SdpOfferer.CreateOffer(new SdpOfferOptions
        {
            IceUfrag = ice.UsernameFragment,
            IcePwd = ice.Password,
            Fingerprint = Fingerprint.ToString(),
            Media = media,
        }).ToString();
    }

    public static StringContent Sdp(string sdp) => new(sdp, System.Text.Encoding.UTF8, "application/sdp");

    public static StringContent Fragment(string fragment) => new(fragment, System.Text.Encoding.UTF8, "application/trickle-ice-sdpfrag");
}
