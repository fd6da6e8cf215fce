namespace Sluice.Rtc.Sdp;

/// <summary>
/// Line-by-line SDP parser (RFC 8866 §5) building the typed model and each section's <see cref="SdpLayout"/>.
/// Every problem is reported as <c>line N: what is wrong</c>; nothing here throws on bad input.
/// </summary>
internal sealed class SdpParser
{
    private SessionDescription _session = new();
    private MediaDescription? _media;
    private HashSet<int> _rtpmapPts = [];
    private HashSet<int> _fmtpPts = [];
    private List<(int Pt, string Value, bool IsFmtp)> _pending = [];
    private bool _seenOrigin;
    private bool _seenName;
    private bool _seenTiming;
    private int _lineNumber;
    private string? _error;

    public static bool TryParse(string text, out SessionDescription? description, out string? error)
    {
        var parser = new SdpParser();
        if (parser.Parse(text))
        {
            description = parser._session;
            error = null;
            return true;
        }

        description = null;
        error = parser._error;
        return false;
    }

    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>(text.Split('\n'));
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].EndsWith('\r'))
            {
                lines[i] = lines[i][..^1];
            }
        }

        // The final CRLF ends the last line rather than starting an empty one.
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    private static string Quote(string text) => text.Length <= 40 ? "'" + text + "'" : "'" + text[..40] + "...'";

    private bool Fail(string message)
    {
        _error = "line " + SdpText.Int(_lineNumber) + ": " + message;
        return false;
    }

    private bool Parse(string text)
    {
        var lines = SplitLines(text);
        _session.Layout = new SdpLayout();
        if (lines.Count == 0)
        {
            _lineNumber = 1;
            return Fail("missing v=0 line (the description is empty)");
        }

        for (var i = 0; i < lines.Count; i++)
        {
            _lineNumber = i + 1;
            var line = lines[i];
            if (line.Length < 2 || line[1] != '=' || line[0] is < 'a' or > 'z')
            {
                return Fail(line.Length == 0 ? "empty line" : "expected '<letter>=<value>', found " + Quote(line));
            }

            foreach (var c in line)
            {
                if (c is '\0' or '\r')
                {
                    return Fail("contains a NUL or CR character");
                }
            }

            var type = line[0];
            var value = line[2..];
            if (i == 0)
            {
                if (line != "v=0")
                {
                    return Fail("expected 'v=0' as the first line, found " + Quote(line));
                }

                _session.Layout.Add("v=0", line);
                continue;
            }

            var ok = type switch
            {
                'v' => Fail("duplicate v= line"),
                'm' => StartMedia(line, value),
                _ when _media is null => ParseSessionLine(line, type, value),
                _ => ParseMediaLine(_media, line, type, value),
            };
            if (!ok)
            {
                return false;
            }
        }

        return CheckSessionLines() && FinishMedia();
    }

    private bool CheckSessionLines()
    {
        if (!_seenOrigin)
        {
            return Fail("missing o= line");
        }

        if (!_seenName)
        {
            return Fail("missing s= line");
        }

        return _seenTiming || Fail("missing t= line");
    }

    private bool ParseSessionLine(string line, char type, string value)
    {
        var layout = _session.Layout!;
        switch (type)
        {
            case 'o':
                if (_seenOrigin)
                {
                    return Fail("duplicate o= line");
                }

                var t = SdpText.Tokens(value);
                if (t.Length != 6)
                {
                    return Fail($"o= expects 6 fields (username sess-id sess-version nettype addrtype address), found {t.Length}");
                }

                if (!SdpText.TryParseULong(t[2], out var version))
                {
                    return Fail($"o= session version '{t[2]}' is not a number");
                }

                _seenOrigin = true;
                _session.Origin = new SdpOrigin(t[0], t[1], version, t[3], t[4], t[5]);
                layout.Add(SdpWriter.Origin(_session.Origin), line);
                return true;
            case 's':
                if (_seenName)
                {
                    return Fail("duplicate s= line");
                }

                _seenName = true;
                _session.SessionName = value;
                layout.Add(line, line);
                return true;
            case 't' when !_seenTiming:
                _seenTiming = true;
                _session.Timing = value;
                layout.Add(line, line);
                return true;
            case 'a':
                return ParseSessionAttribute(line, value);
            default:
                _session.OtherLines.Add(new SdpLine(type, value));
                layout.Add(line, line);
                return true;
        }
    }

    private bool SplitAttribute(string value, out string name, out string? attributeValue)
    {
        var colon = value.IndexOf(':');
        name = colon < 0 ? value : value[..colon];
        attributeValue = colon < 0 ? null : value[(colon + 1)..];
        return name.Length > 0 || Fail("a= line has no attribute name");
    }

    private bool Require(string name, string? value)
    {
        return !string.IsNullOrWhiteSpace(value) || Fail($"a={name}: missing value");
    }

    private bool ParseSessionAttribute(string line, string text)
    {
        if (!SplitAttribute(text, out var name, out var value))
        {
            return false;
        }

        string canonical;
        switch (name)
        {
            case "group":
                if (!Require(name, value))
                {
                    return false;
                }

                var t = SdpText.Tokens(value!);
                var group = new SdpGroup(t[0], [.. t[1..]]);
                _session.Groups.Add(group);
                canonical = SdpWriter.Attr(name, group.Value);
                break;
            case "extmap-allow-mixed" when value is null && !_session.ExtmapAllowMixed:
                _session.ExtmapAllowMixed = true;
                canonical = line;
                break;
            case "ice-lite" when value is null && !_session.IceLite:
                _session.IceLite = true;
                canonical = line;
                break;
            case "msid-semantic" when _session.MsidSemantic is null:
                if (!Require(name, value))
                {
                    return false;
                }

                _session.MsidSemantic = value!.Trim();
                canonical = SdpWriter.MsidSemantic(_session.MsidSemantic);
                break;
            default:
                var handled = ParseTransportAttribute(_session, name, value, out canonical);
                if (handled == Outcome.Failed)
                {
                    return false;
                }

                if (handled == Outcome.NotMine)
                {
                    canonical = AddOther(_session.Attributes, name, value);
                }

                break;
        }

        _session.Layout!.Add(canonical, line);
        return true;
    }

    private static string AddOther(List<SdpAttribute> attributes, string name, string? value)
    {
        var attribute = new SdpAttribute(name, value);
        attributes.Add(attribute);
        return "a=" + attribute;
    }

    private enum Outcome
    {
        NotMine = 0,
        Parsed = 1,
        Failed = 2,
    }

    /// <summary>ICE (RFC 8839 §5.4, §5.6) and DTLS (RFC 8122 §5, RFC 4145 §4) attributes shared by both levels.</summary>
    private Outcome ParseTransportAttribute(ISdpTransportSection section, string name, string? value, out string canonical)
    {
        canonical = string.Empty;
        switch (name)
        {
            case "ice-ufrag":
            case "ice-pwd":
            case "ice-options":
                if (!Require(name, value))
                {
                    return Outcome.Failed;
                }

                var existing = name switch { "ice-ufrag" => section.IceUfrag, "ice-pwd" => section.IcePwd, _ => section.IceOptions };
                if (existing is not null)
                {
                    Fail($"duplicate a={name}");
                    return Outcome.Failed;
                }

                if (name == "ice-ufrag")
                {
                    section.IceUfrag = value;
                }
                else if (name == "ice-pwd")
                {
                    section.IcePwd = value;
                }
                else
                {
                    section.IceOptions = value;
                }

                canonical = SdpWriter.Attr(name, value);
                return Outcome.Parsed;
            case "fingerprint":
                if (!Require(name, value))
                {
                    return Outcome.Failed;
                }

                if (SdpText.Tokens(value!).Length != 2)
                {
                    Fail("a=fingerprint: expected '<hash function> <fingerprint>'");
                    return Outcome.Failed;
                }

                section.Fingerprints.Add(value!);
                canonical = SdpWriter.Attr(name, value);
                return Outcome.Parsed;
            case "setup":
                if (section.Setup is not null)
                {
                    Fail("duplicate a=setup");
                    return Outcome.Failed;
                }

                if (value is null || !SdpText.TryParseSetup(value, out var setup))
                {
                    Fail($"a=setup: '{value}' is not active, passive, actpass or holdconn");
                    return Outcome.Failed;
                }

                section.Setup = setup;
                canonical = SdpWriter.Attr(name, value);
                return Outcome.Parsed;
            default:
                return Outcome.NotMine;
        }
    }

    /// <summary>The m= line (RFC 8866 §5.14): <c>m=&lt;media&gt; &lt;port&gt;[/&lt;count&gt;] &lt;proto&gt; &lt;fmt&gt; ...</c>.</summary>
    private bool StartMedia(string line, string value)
    {
        if (_media is null && !CheckSessionLines())
        {
            return false;
        }

        if (!FinishMedia())
        {
            return false;
        }

        var t = SdpText.Tokens(value);
        if (t.Length < 4)
        {
            return Fail("m= line needs media, port, protocol and at least one format, found " + Quote(line));
        }

        var portText = t[1];
        int? portCount = null;
        var slash = portText.IndexOf('/');
        if (slash >= 0)
        {
            if (!SdpText.TryParseInt(portText[(slash + 1)..], 1, 65535, out var count))
            {
                return Fail($"m= port count '{portText[(slash + 1)..]}' is not a number between 1 and 65535");
            }

            portCount = count;
            portText = portText[..slash];
        }

        if (!SdpText.TryParseInt(portText, 0, 65535, out var port))
        {
            return Fail($"m= port '{portText}' is not a number between 0 and 65535");
        }

        var media = new MediaDescription(t[0], port, t[2]) { PortCount = portCount, Layout = new SdpLayout() };
        media.Formats.AddRange(t[3..]);
        media.Layout.Add(SdpWriter.MediaLine(media), line);
        _session.Media.Add(media);
        _media = media;
        _rtpmapPts = [];
        _fmtpPts = [];
        _pending = [];
        return true;
    }

    /// <summary>Attaches fmtp and rtcp-fb lines to their rtpmap (whatever the line order) and sorts codecs as on the m= line.</summary>
    private bool FinishMedia()
    {
        if (_media is not { } media)
        {
            return true;
        }

        foreach (var (pt, value, isFmtp) in _pending)
        {
            var codec = media.FindCodec(pt);
            if (codec is null)
            {
                var attributeValue = isFmtp ? SdpWriter.FmtpValue(pt, value) : SdpWriter.RtcpFbValue(pt, value);
                media.Attributes.Add(new SdpAttribute(isFmtp ? "fmtp" : "rtcp-fb", attributeValue));
            }
            else if (isFmtp)
            {
                codec.Fmtp = value;
            }
            else
            {
                codec.Feedback.Add(value);
            }
        }

        var order = new Dictionary<int, int>();
        for (var i = 0; i < media.Formats.Count; i++)
        {
            if (SdpText.TryParseInt(media.Formats[i], 0, 127, out var pt))
            {
                order.TryAdd(pt, i);
            }
        }

        var sorted = new List<RtpCodec>(media.Codecs);
        sorted.Sort((a, b) => Position(order, a).CompareTo(Position(order, b)));
        media.Codecs.Clear();
        media.Codecs.AddRange(sorted);
        _media = null;
        return true;
    }

    private static long Position(Dictionary<int, int> order, RtpCodec codec) =>
        order.TryGetValue(codec.PayloadType, out var index) ? index : int.MaxValue + (long)codec.PayloadType;

    private bool ParseMediaLine(MediaDescription media, string line, char type, string value)
    {
        switch (type)
        {
            case 'o' or 's' or 't':
                return Fail($"{type}= is not allowed in a media section");
            case 'c' when media.Connection is null:
                media.Connection = value;
                media.Layout!.Add(line, line);
                return true;
            case 'a':
                return ParseMediaAttribute(media, line, value);
            default:
                media.OtherLines.Add(new SdpLine(type, value));
                media.Layout!.Add(line, line);
                return true;
        }
    }

    private bool ParseMediaAttribute(MediaDescription media, string line, string text)
    {
        if (!SplitAttribute(text, out var name, out var value))
        {
            return false;
        }

        string? canonical;
        switch (name)
        {
            case "mid":
                if (!Require(name, value))
                {
                    return false;
                }

                if (media.Mid is not null)
                {
                    return Fail("duplicate a=mid");
                }

                media.Mid = value;
                canonical = SdpWriter.Attr(name, value);
                break;
            case "sendrecv" or "sendonly" or "recvonly" or "inactive" when value is null && SdpText.TryParseDirection(name, out var direction):
                if (media.ExplicitDirection is { } earlier)
                {
                    return Fail($"a={name} conflicts with the earlier a={SdpText.Direction(earlier)}");
                }

                media.ExplicitDirection = direction;
                canonical = line;
                break;
            case "rtcp-mux" when value is null && !media.RtcpMux:
                media.RtcpMux = true;
                canonical = line;
                break;
            case "rtcp-mux-only" when value is null && !media.RtcpMuxOnly:
                media.RtcpMuxOnly = true;
                canonical = line;
                break;
            case "rtcp-rsize" when value is null && !media.RtcpRsize:
                media.RtcpRsize = true;
                canonical = line;
                break;
            case "end-of-candidates" when value is null && !media.EndOfCandidates:
                media.EndOfCandidates = true;
                canonical = line;
                break;
            case "rtpmap":
                canonical = ParseRtpmap(media, value);
                break;
            case "fmtp":
            case "rtcp-fb":
                canonical = ParseFormatParameter(media, name, value);
                break;
            case "extmap":
                canonical = ParseExtmap(media, value);
                break;
            case "msid":
                canonical = ParseMsid(media, value);
                break;
            case "ssrc":
                canonical = ParseSsrc(media, value);
                break;
            case "ssrc-group":
                canonical = ParseSsrcGroup(media, value);
                break;
            case "rid":
                canonical = ParseRid(media, value);
                break;
            case "simulcast":
                canonical = ParseSimulcast(media, value);
                break;
            case "candidate":
                if (!IceCandidate.TryParse(value ?? string.Empty, out var candidate, out var candidateError))
                {
                    return Fail(candidateError!);
                }

                media.Candidates.Add(candidate!);
                canonical = "a=" + candidate;
                break;
            case "sctp-port":
            case "max-message-size":
                canonical = ParseSctpNumber(media, name, value);
                break;
            default:
                var handled = ParseTransportAttribute(media, name, value, out var transportCanonical);
                if (handled == Outcome.Failed)
                {
                    return false;
                }

                canonical = handled == Outcome.Parsed ? transportCanonical : AddOther(media.Attributes, name, value);
                break;
        }

        if (canonical is null)
        {
            return false;
        }

        media.Layout!.Add(canonical, line);
        return true;
    }

    /// <summary><c>a=rtpmap:&lt;pt&gt; &lt;name&gt;/&lt;clock rate&gt;[/&lt;channels&gt;]</c> (RFC 8866 §6.6).</summary>
    private string? ParseRtpmap(MediaDescription media, string? value)
    {
        if (!Require("rtpmap", value))
        {
            return null;
        }

        var space = value!.IndexOf(' ');
        if (space < 0)
        {
            Fail("a=rtpmap: expected '<payload type> <encoding name>/<clock rate>'");
            return null;
        }

        var ptText = value[..space];
        if (!SdpText.TryParseInt(ptText, 0, 127, out var pt))
        {
            Fail($"a=rtpmap: payload type '{ptText}' is not a number between 0 and 127");
            return null;
        }

        if (!_rtpmapPts.Add(pt))
        {
            Fail($"duplicate a=rtpmap for payload type {pt}");
            return null;
        }

        var parts = value[(space + 1)..].Trim().Split('/');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0)
        {
            Fail($"a=rtpmap: encoding '{value[(space + 1)..].Trim()}' is not '<name>/<clock rate>[/<channels>]'");
            return null;
        }

        if (!SdpText.TryParseInt(parts[1], 1, int.MaxValue, out var clockRate))
        {
            Fail($"a=rtpmap: clock rate '{parts[1]}' is not a number");
            return null;
        }

        int? channels = null;
        if (parts.Length == 3)
        {
            if (!SdpText.TryParseInt(parts[2], 1, 255, out var ch))
            {
                Fail($"a=rtpmap: channel count '{parts[2]}' is not a number between 1 and 255");
                return null;
            }

            channels = ch;
        }

        var codec = new RtpCodec(pt, parts[0], clockRate, channels);
        media.Codecs.Add(codec);
        return SdpWriter.Attr("rtpmap", SdpWriter.RtpmapValue(codec));
    }

    /// <summary>
    /// <c>a=fmtp:&lt;fmt&gt; &lt;parameters&gt;</c> (RFC 8866 §6.15) and <c>a=rtcp-fb:&lt;pt&gt; &lt;type&gt;</c> (RFC 4585 §4.2).
    /// Numeric formats are attached to their rtpmap when the section ends; others (<c>*</c>, <c>webrtc-datachannel</c>) stay attributes.
    /// </summary>
    private string? ParseFormatParameter(MediaDescription media, string name, string? value)
    {
        if (!Require(name, value))
        {
            return null;
        }

        var space = value!.IndexOf(' ');
        var format = space < 0 ? value : value[..space];
        var rest = space < 0 ? string.Empty : value[(space + 1)..];
        if (!SdpText.TryParseInt(format, 0, 127, out var pt))
        {
            return AddOther(media.Attributes, name, value);
        }

        var isFmtp = name == "fmtp";
        if (isFmtp && !_fmtpPts.Add(pt))
        {
            Fail($"duplicate a=fmtp for payload type {pt}");
            return null;
        }

        if (!isFmtp && rest.Trim().Length == 0)
        {
            Fail("a=rtcp-fb: missing feedback type after the payload type");
            return null;
        }

        _pending.Add((pt, rest, isFmtp));
        return SdpWriter.Attr(name, isFmtp ? SdpWriter.FmtpValue(pt, rest) : SdpWriter.RtcpFbValue(pt, rest));
    }

    /// <summary><c>a=extmap:&lt;id&gt;[/&lt;direction&gt;] &lt;uri&gt; [&lt;attributes&gt;]</c> (RFC 8285 §8).</summary>
    private string? ParseExtmap(MediaDescription media, string? value)
    {
        if (!Require("extmap", value))
        {
            return null;
        }

        var t = SdpText.Tokens(value!);
        var idText = t[0];
        MediaDirection? direction = null;
        var slash = idText.IndexOf('/');
        if (slash >= 0)
        {
            if (!SdpText.TryParseDirection(idText[(slash + 1)..], out var d))
            {
                Fail($"a=extmap: direction '{idText[(slash + 1)..]}' is not sendrecv, sendonly, recvonly or inactive");
                return null;
            }

            direction = d;
            idText = idText[..slash];
        }

        if (!SdpText.TryParseInt(idText, 1, 255, out var id))
        {
            Fail($"a=extmap: id '{idText}' is not a number between 1 and 255");
            return null;
        }

        if (t.Length < 2)
        {
            Fail("a=extmap: missing the extension URI");
            return null;
        }

        var extmap = new SdpExtmap(id, direction, t[1], t.Length > 2 ? string.Join(' ', t[2..]) : null);
        media.Extmaps.Add(extmap);
        return SdpWriter.Attr("extmap", extmap.Value);
    }

    /// <summary><c>a=msid:&lt;stream id&gt; [&lt;track id&gt;]</c> (RFC 8830 §2).</summary>
    private string? ParseMsid(MediaDescription media, string? value)
    {
        if (!Require("msid", value))
        {
            return null;
        }

        var t = SdpText.Tokens(value!);
        if (t.Length > 2)
        {
            Fail("a=msid: expected '<stream id> [<track id>]'");
            return null;
        }

        var msid = new SdpMsid(t[0], t.Length > 1 ? t[1] : null);
        media.Msids.Add(msid);
        return SdpWriter.Attr("msid", msid.Value);
    }

    /// <summary><c>a=ssrc:&lt;ssrc&gt; &lt;attribute&gt;[:&lt;value&gt;]</c> (RFC 5576 §4.1).</summary>
    private string? ParseSsrc(MediaDescription media, string? value)
    {
        if (!Require("ssrc", value))
        {
            return null;
        }

        var space = value!.IndexOf(' ');
        var ssrcText = space < 0 ? value : value[..space];
        if (!SdpText.TryParseUInt(ssrcText, out var ssrc))
        {
            Fail($"a=ssrc: '{ssrcText}' is not a 32-bit SSRC");
            return null;
        }

        var rest = space < 0 ? string.Empty : value[(space + 1)..];
        var colon = rest.IndexOf(':');
        var attribute = colon < 0 ? rest : rest[..colon];
        if (attribute.Trim().Length == 0)
        {
            Fail("a=ssrc: missing the source attribute after the SSRC");
            return null;
        }

        var line = new SdpSsrc(ssrc, attribute, colon < 0 ? null : rest[(colon + 1)..]);
        media.Ssrcs.Add(line);
        return SdpWriter.Attr("ssrc", line.LineValue);
    }

    /// <summary><c>a=ssrc-group:&lt;semantics&gt; &lt;ssrc&gt;...</c> (RFC 5576 §4.2).</summary>
    private string? ParseSsrcGroup(MediaDescription media, string? value)
    {
        if (!Require("ssrc-group", value))
        {
            return null;
        }

        var t = SdpText.Tokens(value!);
        var ssrcs = new List<uint>(t.Length - 1);
        for (var i = 1; i < t.Length; i++)
        {
            if (!SdpText.TryParseUInt(t[i], out var ssrc))
            {
                Fail($"a=ssrc-group: '{t[i]}' is not a 32-bit SSRC");
                return null;
            }

            ssrcs.Add(ssrc);
        }

        var group = new SdpSsrcGroup(t[0], ssrcs);
        media.SsrcGroups.Add(group);
        return SdpWriter.Attr("ssrc-group", group.Value);
    }

    /// <summary><c>a=rid:&lt;id&gt; send|recv [&lt;restrictions&gt;]</c> (RFC 8851 §10).</summary>
    private string? ParseRid(MediaDescription media, string? value)
    {
        if (!Require("rid", value))
        {
            return null;
        }

        var t = SdpText.Tokens(value!);
        if (t.Length < 2 || t[1] is not ("send" or "recv"))
        {
            Fail("a=rid: expected '<rid> send|recv [<restrictions>]'");
            return null;
        }

        var rid = new SdpRid(t[0], t[1] == "send" ? RidDirection.Send : RidDirection.Recv, t.Length > 2 ? string.Join(' ', t[2..]) : null);
        media.Rids.Add(rid);
        return SdpWriter.Attr("rid", rid.Value);
    }

    /// <summary><c>a=simulcast:send &lt;streams&gt; [recv &lt;streams&gt;]</c> or the reverse (RFC 8853 §5.1).</summary>
    private string? ParseSimulcast(MediaDescription media, string? value)
    {
        if (!Require("simulcast", value))
        {
            return null;
        }

        if (media.Simulcast is not null)
        {
            Fail("duplicate a=simulcast");
            return null;
        }

        var t = SdpText.Tokens(value!);
        string? send = null;
        string? recv = null;
        for (var i = 0; i < t.Length; i += 2)
        {
            if (i + 1 >= t.Length || t[i] is not ("send" or "recv") || (t[i] == "send" ? send : recv) is not null)
            {
                Fail("a=simulcast: expected 'send <streams>' and/or 'recv <streams>'");
                return null;
            }

            if (t[i] == "send")
            {
                send = t[i + 1];
            }
            else
            {
                recv = t[i + 1];
            }
        }

        media.Simulcast = new SdpSimulcast(send, recv);
        return SdpWriter.Attr("simulcast", media.Simulcast.Value);
    }

    /// <summary><c>a=sctp-port</c> (RFC 8841 §5.1) and <c>a=max-message-size</c> (RFC 8841 §6.1).</summary>
    private string? ParseSctpNumber(MediaDescription media, string name, string? value)
    {
        var isPort = name == "sctp-port";
        if ((isPort ? media.SctpPort : media.MaxMessageSize) is not null)
        {
            Fail($"duplicate a={name}");
            return null;
        }

        if (value is null || !SdpText.TryParseInt(value, 0, isPort ? 65535 : int.MaxValue, out var number))
        {
            Fail(isPort ? $"a=sctp-port: '{value}' is not a number between 0 and 65535" : $"a=max-message-size: '{value}' is not a number");
            return null;
        }

        if (isPort)
        {
            media.SctpPort = number;
        }
        else
        {
            media.MaxMessageSize = number;
        }

        return SdpWriter.Attr(name, SdpText.Int(number));
    }
}
