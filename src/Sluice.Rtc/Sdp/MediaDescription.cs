namespace Sluice.Rtc.Sdp;

/// <summary>
/// One media section: the <c>m=</c> line (RFC 8866 §5.14) and its attributes as WebRTC uses them (JSEP, RFC 8829 §5.2).
/// </summary>
public sealed class MediaDescription : ISdpTransportSection
{
    public const string RtpProtocol = "UDP/TLS/RTP/SAVPF";
    public const string SctpProtocol = "UDP/DTLS/SCTP";
    public const string DataChannelFormat = "webrtc-datachannel";

    public MediaDescription(string kind, int port, string protocol)
    {
        Kind = kind;
        Port = port;
        Protocol = protocol;
    }

    /// <summary><c>audio</c>, <c>video</c> or <c>application</c>.</summary>
    public string Kind { get; set; }

    /// <summary>The m= port; 0 marks a rejected section (or a bundle-only one, RFC 8843 §6).</summary>
    public int Port { get; set; }

    /// <summary>The optional <c>/&lt;number of ports&gt;</c> after the port.</summary>
    public int? PortCount { get; set; }

    public string Protocol { get; set; }

    /// <summary>The m= line formats: payload types for RTP, <c>webrtc-datachannel</c> for SCTP.</summary>
    public List<string> Formats { get; } = [];

    /// <summary>The first <c>c=</c> line's value, for example <c>IN IP4 0.0.0.0</c>.</summary>
    public string? Connection { get; set; }

    /// <summary><c>a=mid</c> (RFC 5888 §4).</summary>
    public string? Mid { get; set; }

    /// <summary>The direction attribute; <see cref="MediaDirection.SendRecv"/> when absent (RFC 8866 §6.7), without adding a line on write.</summary>
    public MediaDirection Direction
    {
        get => ExplicitDirection ?? MediaDirection.SendRecv;
        set => ExplicitDirection = value;
    }

    /// <summary>True when a direction attribute is (or will be) written.</summary>
    public bool HasDirection => ExplicitDirection is not null;

    public string? IceUfrag { get; set; }

    public string? IcePwd { get; set; }

    public string? IceOptions { get; set; }

    /// <summary><c>a=fingerprint</c> values, unparsed (<c>sha-256 AB:CD:...</c>; RFC 8122 §5).</summary>
    public List<string> Fingerprints { get; } = [];

    public DtlsSetup? Setup { get; set; }

    /// <summary><c>a=rtcp-mux</c> (RFC 5761 §5.1.1).</summary>
    public bool RtcpMux { get; set; }

    /// <summary><c>a=rtcp-mux-only</c> (RFC 8858 §3).</summary>
    public bool RtcpMuxOnly { get; set; }

    /// <summary><c>a=rtcp-rsize</c> (RFC 5506 §5).</summary>
    public bool RtcpRsize { get; set; }

    /// <summary>Payload formats with an <c>a=rtpmap</c>, in m= line order.</summary>
    public List<RtpCodec> Codecs { get; } = [];

    /// <summary><c>a=extmap</c> lines (RFC 8285 §8).</summary>
    public List<SdpExtmap> Extmaps { get; } = [];

    /// <summary><c>a=msid</c> lines (RFC 8830 §2); usually one.</summary>
    public List<SdpMsid> Msids { get; } = [];

    /// <summary>The first <c>a=msid</c>; setting replaces all of them.</summary>
    public SdpMsid? Msid
    {
        get => Msids.Count > 0 ? Msids[0] : null;
        set
        {
            Msids.Clear();
            if (value is not null)
            {
                Msids.Add(value);
            }
        }
    }

    /// <summary><c>a=ssrc</c> lines (RFC 5576 §4.1).</summary>
    public List<SdpSsrc> Ssrcs { get; } = [];

    /// <summary><c>a=ssrc-group</c> lines (RFC 5576 §4.2).</summary>
    public List<SdpSsrcGroup> SsrcGroups { get; } = [];

    /// <summary><c>a=rid</c> lines (RFC 8851).</summary>
    public List<SdpRid> Rids { get; } = [];

    /// <summary><c>a=simulcast</c> (RFC 8853).</summary>
    public SdpSimulcast? Simulcast { get; set; }

    /// <summary><c>a=candidate</c> lines (RFC 8839 §5.1).</summary>
    public List<IceCandidate> Candidates { get; } = [];

    /// <summary><c>a=end-of-candidates</c> (RFC 8840 §8.2).</summary>
    public bool EndOfCandidates { get; set; }

    /// <summary><c>a=sctp-port</c> (RFC 8841 §5).</summary>
    public int? SctpPort { get; set; }

    /// <summary><c>a=max-message-size</c> (RFC 8841 §6).</summary>
    public int? MaxMessageSize { get; set; }

    /// <summary>
    /// The SCTP port of the pre-RFC form (<c>m=application 9 DTLS/SCTP 5000</c> with
    /// <c>a=sctpmap:5000 webrtc-datachannel 1024</c>, draft-ietf-mmusic-sctp-sdp-05), which aiortc still offers; null otherwise.
    /// </summary>
    public int? LegacySctpPort
    {
        get
        {
            foreach (var attribute in Attributes)
            {
                if (attribute.Name == "sctpmap" && attribute.Value is { } value)
                {
                    var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length >= 2 && parts[1] == DataChannelFormat && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
                        && port is > 0 and <= 65535 && Formats.Contains(parts[0]))
                    {
                        return port;
                    }
                }
            }

            return null;
        }
    }

    /// <summary>The peer's SCTP port: <c>a=sctp-port</c>, the legacy <c>a=sctpmap</c>, or 5000 (RFC 8841 §5.1 default).</summary>
    public int RemoteSctpPort => SctpPort ?? LegacySctpPort ?? 5000;

    /// <summary>
    /// The largest message this section's sender accepts (RFC 8841 §6.1): <c>a=max-message-size</c>, with 0 meaning
    /// no limit, and 65536 when the attribute is absent.
    /// </summary>
    public int MessageSizeLimit => MaxMessageSize is { } size ? (size == 0 ? int.MaxValue : size) : 65536;

    /// <summary>Media-level attributes not modelled above (<c>a=rtcp</c>, <c>a=rtcp-xr</c>, <c>a=bundle-only</c>, ...), in order.</summary>
    public List<SdpAttribute> Attributes { get; } = [];

    /// <summary>Non-attribute lines not modelled above (<c>b=</c>, <c>i=</c>, extra <c>c=</c>, ...), in order.</summary>
    public List<SdpLine> OtherLines { get; } = [];

    /// <summary>True when an <c>a=bundle-only</c> attribute is present (RFC 8843 §6).</summary>
    public bool BundleOnly => FindAttribute("bundle-only") is not null;

    /// <summary>True for a section in use: a port other than 0, or port 0 with <c>a=bundle-only</c> (RFC 8843 §6, as Firefox offers).</summary>
    public bool IsLive => Port != 0 || BundleOnly;

    internal MediaDirection? ExplicitDirection { get; set; }

    internal SdpLayout? Layout { get; set; }

    public RtpCodec? FindCodec(int payloadType)
    {
        foreach (var codec in Codecs)
        {
            if (codec.PayloadType == payloadType)
            {
                return codec;
            }
        }

        return null;
    }

    /// <summary>The first unmodelled attribute with this name, if any.</summary>
    public SdpAttribute? FindAttribute(string name)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>Adds a codec and its payload type to the m= line formats.</summary>
    public void AddCodec(RtpCodec codec)
    {
        Codecs.Add(codec);
        Formats.Add(SdpText.Int(codec.PayloadType));
    }

    /// <summary>
    /// Announces one sent track: <c>a=msid</c>, and <c>a=ssrc</c> cname/msid lines, with an <c>a=ssrc-group:FID</c>
    /// when an RTX SSRC is given (RFC 5576 §4, RFC 4588 §8, RFC 8830 §2).
    /// </summary>
    /// <summary>
    /// Announces one track sent as several encodings, each on its own SSRC (and RTX SSRC): an
    /// <c>a=ssrc-group:SIM</c> of the media SSRCs, lowest first, a FID group per encoding with RTX, and the
    /// SSRCs' cname and msid (one <c>a=msid</c>); one SSRC is <see cref="AddSendStream"/>.
    /// </summary>
    public void AddSendStreams(IReadOnlyList<uint> ssrcs, string cname, string streamId, string trackId, IReadOnlyList<uint>? rtxSsrcs = null)
    {
        if (ssrcs.Count == 1)
        {
            AddSendStream(ssrcs[0], cname, streamId, trackId, rtxSsrcs?[0]);
            return;
        }

        var msid = new SdpMsid(streamId, trackId);
        Msids.Add(msid);
        SsrcGroups.Add(new SdpSsrcGroup("SIM", [.. ssrcs]));
        for (var i = 0; i < ssrcs.Count; i++)
        {
            if (rtxSsrcs is not null)
            {
                SsrcGroups.Add(new SdpSsrcGroup(SdpSsrcGroup.Fid, [ssrcs[i], rtxSsrcs[i]]));
            }
        }

        foreach (var ssrc in rtxSsrcs is null ? ssrcs : [.. ssrcs, .. rtxSsrcs])
        {
            Ssrcs.Add(new SdpSsrc(ssrc, "cname", cname));
            Ssrcs.Add(new SdpSsrc(ssrc, "msid", msid.Value));
        }
    }

    public void AddSendStream(uint ssrc, string cname, string streamId, string trackId, uint? rtxSsrc = null)
    {
        var msid = new SdpMsid(streamId, trackId);
        Msids.Add(msid);
        if (rtxSsrc is { } rtx)
        {
            SsrcGroups.Add(new SdpSsrcGroup(SdpSsrcGroup.Fid, [ssrc, rtx]));
        }

        Ssrcs.Add(new SdpSsrc(ssrc, "cname", cname));
        Ssrcs.Add(new SdpSsrc(ssrc, "msid", msid.Value));
        if (rtxSsrc is { } r)
        {
            Ssrcs.Add(new SdpSsrc(r, "cname", cname));
            Ssrcs.Add(new SdpSsrc(r, "msid", msid.Value));
        }
    }
}
