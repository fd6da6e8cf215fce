using System.Text;

namespace Sluice.Rtc.Sdp;

/// <summary>
/// Produces the canonical lines of each section, in the order JSEP (RFC 8829 §5.2.1) and Chromium use.
/// The parser computes each line's canonical text with these same functions (see <see cref="SdpLayout"/>).
/// </summary>
internal static class SdpWriter
{
    // RFC 8866 §5 line order: these session lines come before t=, and i= before c= in a media section.
    private const string SessionBeforeTiming = "iuepcb";
    private const string MediaBeforeConnection = "i";

    public static string Attr(string name, string? value) => value is null ? "a=" + name : "a=" + name + ":" + value;

    public static string Origin(SdpOrigin origin) => "o=" + origin;

    public static string RtpmapValue(RtpCodec codec)
    {
        var value = SdpText.Int(codec.PayloadType) + " " + codec.Name + "/" + SdpText.Int(codec.ClockRate);
        return codec.Channels is { } channels ? value + "/" + SdpText.Int(channels) : value;
    }

    public static string FmtpValue(int payloadType, string parameters) =>
        parameters.Length == 0 ? SdpText.Int(payloadType) : SdpText.Int(payloadType) + " " + parameters;

    public static string RtcpFbValue(int payloadType, string feedback) => SdpText.Int(payloadType) + " " + feedback;

    public static string MsidSemantic(string value) => Attr("msid-semantic", " " + value);

    public static string MediaLine(MediaDescription media)
    {
        var sb = new StringBuilder("m=", 64);
        sb.Append(media.Kind).Append(' ').Append(SdpText.Int(media.Port));
        if (media.PortCount is { } count)
        {
            sb.Append('/').Append(SdpText.Int(count));
        }

        sb.Append(' ').Append(media.Protocol);
        foreach (var format in media.Formats)
        {
            sb.Append(' ').Append(format);
        }

        return sb.ToString();
    }

    public static List<string> SessionLines(SessionDescription s)
    {
        var lines = new List<string> { "v=0", Origin(s.Origin), "s=" + s.SessionName };
        AddOtherLines(lines, s.OtherLines, SessionBeforeTiming, include: true);
        lines.Add("t=" + s.Timing);
        AddOtherLines(lines, s.OtherLines, SessionBeforeTiming, include: false);
        foreach (var group in s.Groups)
        {
            lines.Add(Attr("group", group.Value));
        }

        if (s.ExtmapAllowMixed)
        {
            lines.Add(Attr("extmap-allow-mixed", null));
        }

        if (s.MsidSemantic is { } semantic)
        {
            lines.Add(MsidSemantic(semantic));
        }

        if (s.IceLite)
        {
            lines.Add(Attr("ice-lite", null));
        }

        AddTransport(lines, s);
        AddAttributes(lines, s.Attributes);
        return lines;
    }

    public static List<string> MediaLines(MediaDescription m)
    {
        var lines = new List<string> { MediaLine(m) };
        AddOtherLines(lines, m.OtherLines, MediaBeforeConnection, include: true);
        if (m.Connection is { } connection)
        {
            lines.Add("c=" + connection);
        }

        AddOtherLines(lines, m.OtherLines, MediaBeforeConnection, include: false);
        foreach (var candidate in m.Candidates)
        {
            lines.Add("a=" + candidate);
        }

        if (m.EndOfCandidates)
        {
            lines.Add(Attr("end-of-candidates", null));
        }

        AddTransport(lines, m);
        if (m.Mid is { } mid)
        {
            lines.Add(Attr("mid", mid));
        }

        foreach (var extmap in m.Extmaps)
        {
            lines.Add(Attr("extmap", extmap.Value));
        }

        if (m.ExplicitDirection is { } direction)
        {
            lines.Add(Attr(SdpText.Direction(direction), null));
        }

        foreach (var msid in m.Msids)
        {
            lines.Add(Attr("msid", msid.Value));
        }

        AddFlag(lines, m.RtcpMux, "rtcp-mux");
        AddFlag(lines, m.RtcpMuxOnly, "rtcp-mux-only");
        AddFlag(lines, m.RtcpRsize, "rtcp-rsize");
        foreach (var codec in m.Codecs)
        {
            lines.Add(Attr("rtpmap", RtpmapValue(codec)));
            foreach (var feedback in codec.Feedback)
            {
                lines.Add(Attr("rtcp-fb", RtcpFbValue(codec.PayloadType, feedback)));
            }

            if (codec.Fmtp is { } fmtp)
            {
                lines.Add(Attr("fmtp", FmtpValue(codec.PayloadType, fmtp)));
            }
        }

        foreach (var group in m.SsrcGroups)
        {
            lines.Add(Attr("ssrc-group", group.Value));
        }

        foreach (var ssrc in m.Ssrcs)
        {
            lines.Add(Attr("ssrc", ssrc.LineValue));
        }

        foreach (var rid in m.Rids)
        {
            lines.Add(Attr("rid", rid.Value));
        }

        if (m.Simulcast is { } simulcast)
        {
            lines.Add(Attr("simulcast", simulcast.Value));
        }

        if (m.SctpPort is { } sctpPort)
        {
            lines.Add(Attr("sctp-port", SdpText.Int(sctpPort)));
        }

        if (m.MaxMessageSize is { } maxMessageSize)
        {
            lines.Add(Attr("max-message-size", SdpText.Int(maxMessageSize)));
        }

        AddAttributes(lines, m.Attributes);
        return lines;
    }

    private static void AddTransport(List<string> lines, ISdpTransportSection t)
    {
        if (t.IceUfrag is { } ufrag)
        {
            lines.Add(Attr("ice-ufrag", ufrag));
        }

        if (t.IcePwd is { } pwd)
        {
            lines.Add(Attr("ice-pwd", pwd));
        }

        if (t.IceOptions is { } options)
        {
            lines.Add(Attr("ice-options", options));
        }

        foreach (var fingerprint in t.Fingerprints)
        {
            lines.Add(Attr("fingerprint", fingerprint));
        }

        if (t.Setup is { } setup)
        {
            lines.Add(Attr("setup", SdpText.Setup(setup)));
        }
    }

    private static void AddFlag(List<string> lines, bool flag, string name)
    {
        if (flag)
        {
            lines.Add(Attr(name, null));
        }
    }

    private static void AddAttributes(List<string> lines, List<SdpAttribute> attributes)
    {
        foreach (var attribute in attributes)
        {
            lines.Add("a=" + attribute);
        }
    }

    private static void AddOtherLines(List<string> lines, List<SdpLine> others, string types, bool include)
    {
        foreach (var line in others)
        {
            if (types.Contains(line.Type, StringComparison.Ordinal) == include)
            {
                lines.Add(line.ToString());
            }
        }
    }
}
