using System.Text;

namespace Sluice.Rtc.Sdp;

/// <summary>
/// An SDP session description (RFC 8866) with the attributes WebRTC uses (JSEP, RFC 8829).
/// </summary>
/// <remarks>
/// Design: the typed properties are the only model; every line the parser does not model is kept as an
/// <see cref="SdpAttribute"/> or <see cref="SdpLine"/> in order. The writer produces each section's lines in a
/// canonical (JSEP / Chromium) order. A parsed description also remembers, per section, its original lines with
/// the canonical text of each (an internal layout); when written back, original lines that the model still
/// produces come out byte for byte in their original order, edited or removed ones drop out, and new ones are
/// placed after their canonical predecessor. So <c>Parse(text).ToString() == text</c> for real offers, while
/// descriptions built from scratch simply come out in canonical order.
/// </remarks>
public sealed class SessionDescription : ISdpTransportSection
{
    public SessionDescription()
    {
    }

    /// <summary>The <c>o=</c> line (RFC 8866 §5.2).</summary>
    public SdpOrigin Origin { get; set; } = SdpOrigin.CreateNew();

    /// <summary>The <c>s=</c> line (RFC 8866 §5.3); WebRTC writes <c>-</c>.</summary>
    public string SessionName { get; set; } = "-";

    /// <summary>The first <c>t=</c> line's value (RFC 8866 §5.9); WebRTC writes <c>0 0</c>.</summary>
    public string Timing { get; set; } = "0 0";

    /// <summary><c>a=group</c> lines (RFC 5888, BUNDLE per RFC 8843).</summary>
    public List<SdpGroup> Groups { get; } = [];

    /// <summary><c>a=extmap-allow-mixed</c> (RFC 8285 §6): one- and two-byte header extensions may be mixed.</summary>
    public bool ExtmapAllowMixed { get; set; }

    /// <summary>The value of <c>a=msid-semantic</c>, for example <c>WMS</c> or <c>WMS stream-id</c> (Chromium still writes it).</summary>
    public string? MsidSemantic { get; set; }

    /// <summary><c>a=ice-lite</c> (RFC 8839 §5.3).</summary>
    public bool IceLite { get; set; }

    /// <summary>Session-level <c>a=ice-ufrag</c> (RFC 8839 §5.4); media level takes precedence.</summary>
    public string? IceUfrag { get; set; }

    /// <summary>Session-level <c>a=ice-pwd</c> (RFC 8839 §5.4).</summary>
    public string? IcePwd { get; set; }

    /// <summary>Session-level <c>a=ice-options</c> value (RFC 8839 §5.6), for example <c>trickle</c>.</summary>
    public string? IceOptions { get; set; }

    /// <summary>Session-level <c>a=fingerprint</c> values, unparsed (<c>sha-256 AB:CD:...</c>; RFC 8122 §5).</summary>
    public List<string> Fingerprints { get; } = [];

    /// <summary>Session-level <c>a=setup</c> (RFC 4145 §4).</summary>
    public DtlsSetup? Setup { get; set; }

    /// <summary>Session-level attributes not modelled above, in order.</summary>
    public List<SdpAttribute> Attributes { get; } = [];

    /// <summary>Session-level non-attribute lines not modelled above (<c>i=</c>, <c>c=</c>, <c>b=</c>, extra <c>t=</c>, ...), in order.</summary>
    public List<SdpLine> OtherLines { get; } = [];

    public List<MediaDescription> Media { get; } = [];

    /// <summary>The first <c>a=group:BUNDLE</c>, if any.</summary>
    public SdpGroup? BundleGroup
    {
        get
        {
            foreach (var group in Groups)
            {
                if (group.Semantics == SdpGroup.Bundle)
                {
                    return group;
                }
            }

            return null;
        }
    }

    internal SdpLayout? Layout { get; set; }

    /// <summary>Parses an SDP; on failure <paramref name="error"/> names the line and the problem (e.g. <c>line 12: a=rtpmap: payload type 'x' is not a number</c>).</summary>
    public static bool TryParse(string text, out SessionDescription? description, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SdpParser.TryParse(text, out description, out error);
    }

    /// <summary>Parses an SDP or throws <see cref="SdpParseException"/> with the same message as <see cref="TryParse"/>.</summary>
    public static SessionDescription Parse(string text) =>
        TryParse(text, out var description, out var error) ? description! : throw new SdpParseException(error!);

    /// <summary>The media section with this <c>a=mid</c>, if any.</summary>
    public MediaDescription? FindMedia(string mid)
    {
        foreach (var media in Media)
        {
            if (media.Mid == mid)
            {
                return media;
            }
        }

        return null;
    }

    /// <summary>Writes the description with CRLF line endings (RFC 8866 §5).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(4096);
        SdpLayout.Write(Layout, SdpWriter.SessionLines(this), sb);
        foreach (var media in Media)
        {
            SdpLayout.Write(media.Layout, SdpWriter.MediaLines(media), sb);
        }

        return sb.ToString();
    }
}
