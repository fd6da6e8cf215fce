namespace Sluice.Rtc.Sdp;

/// <summary>
/// Creates an offer for our own controlling clients (JSEP, RFC 8829 §5.2.1): one m= section per requested media,
/// all in one BUNDLE group (RFC 8843 §7.2), rtcp-mux (RFC 5761), our ICE credentials and fingerprint, and
/// <c>a=setup:actpass</c> (RFC 8842 §5.2) so the answerer picks the DTLS role.
/// </summary>
public static class SdpOfferer
{
    public static SessionDescription CreateOffer(SdpOfferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var offer = new SessionDescription
        {
            Origin = options.Origin ?? SdpOrigin.CreateNew(),
            MsidSemantic = "WMS",
            ExtmapAllowMixed = options.ExtmapAllowMixed,
        };
        var mids = new List<string>();
        for (var i = 0; i < options.Media.Count; i++)
        {
            var spec = options.Media[i];
            var media = new MediaDescription(spec.Kind, 9, MediaDescription.RtpProtocol)
            {
                Mid = spec.Mid ?? SdpText.Int(i),
                Direction = spec.Direction,
                RtcpMux = true,
                RtcpRsize = true,
            };
            foreach (var codec in spec.Codecs)
            {
                media.AddCodec(codec.Clone());
            }

            media.Extmaps.AddRange(spec.Extmaps);
            AddTransport(media, options);
            spec.Configure?.Invoke(media);
            offer.Media.Add(media);
            mids.Add(media.Mid);
        }

        if (options.DataChannel)
        {
            var data = new MediaDescription("application", 9, MediaDescription.SctpProtocol)
            {
                Mid = SdpText.Int(options.Media.Count),
                SctpPort = options.SctpPort,
                MaxMessageSize = options.MaxMessageSize,
            };
            data.Formats.Add(MediaDescription.DataChannelFormat);
            AddTransport(data, options);
            offer.Media.Add(data);
            mids.Add(data.Mid);
        }

        if (mids.Count > 0)
        {
            offer.Groups.Add(new SdpGroup(SdpGroup.Bundle, mids));
        }

        return offer;
    }

    private static void AddTransport(MediaDescription media, SdpOfferOptions options)
    {
        SdpAnswerer.SetAddress(media, options.Candidates);
        media.Candidates.AddRange(options.Candidates);
        media.EndOfCandidates = options.EndOfCandidates;
        media.IceUfrag = options.IceUfrag;
        media.IcePwd = options.IcePwd;
        media.Fingerprints.Add(options.Fingerprint);
        media.Setup = DtlsSetup.ActPass;
    }
}
