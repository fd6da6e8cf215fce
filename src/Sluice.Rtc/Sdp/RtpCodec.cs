namespace Sluice.Rtc.Sdp;

/// <summary>
/// One RTP payload format of a media section, assembled from <c>a=rtpmap</c> (RFC 8866 §6.6),
/// <c>a=fmtp</c> (RFC 8866 §6.15) and <c>a=rtcp-fb</c> (RFC 4585 §4.2).
/// </summary>
public sealed class RtpCodec
{
    public RtpCodec(int payloadType, string name, int clockRate, int? channels = null, string? fmtp = null)
    {
        PayloadType = payloadType;
        Name = name;
        ClockRate = clockRate;
        Channels = channels;
        Fmtp = fmtp;
    }

    public int PayloadType { get; set; }

    /// <summary>Encoding name as written (<c>opus</c>, <c>VP8</c>, <c>H264</c>, <c>rtx</c>); compare case-insensitively.</summary>
    public string Name { get; set; }

    public int ClockRate { get; set; }

    public int? Channels { get; set; }

    /// <summary>The raw <c>a=fmtp</c> parameter string, for example <c>minptime=10;useinbandfec=1</c>.</summary>
    public string? Fmtp { get; set; }

    /// <summary>Feedback types from <c>a=rtcp-fb</c>: <c>nack</c>, <c>nack pli</c>, <c>ccm fir</c>, <c>goog-remb</c>, <c>transport-cc</c>.</summary>
    public List<string> Feedback { get; } = [];

    /// <summary>The payload type this RTX format repairs (<c>apt</c>, RFC 4588 §8.6), when it is one.</summary>
    public int? AssociatedPayloadType =>
        GetParameter("apt") is { } apt && SdpText.TryParseInt(apt, 0, 127, out var pt) ? pt : null;

    public bool IsRtx => Name.Equals("rtx", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads one <c>name=value</c> parameter of <see cref="Fmtp"/> (names compare case-insensitively).</summary>
    public string? GetParameter(string name)
    {
        if (Fmtp is null)
        {
            return null;
        }

        foreach (var part in Fmtp.Split(';'))
        {
            var eq = part.IndexOf('=');
            var key = (eq < 0 ? part : part[..eq]).Trim();
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return eq < 0 ? string.Empty : part[(eq + 1)..].Trim();
            }
        }

        return null;
    }

    public RtpCodec Clone()
    {
        var copy = new RtpCodec(PayloadType, Name, ClockRate, Channels, Fmtp);
        copy.Feedback.AddRange(Feedback);
        return copy;
    }

    public override string ToString() => SdpWriter.RtpmapValue(this);
}
