using System.Globalization;
using System.Text;

namespace Sluice.Rtc.Sdp;

/// <summary>
/// An ICE candidate attribute (RFC 8839 §5.1):
/// <c>candidate:&lt;foundation&gt; &lt;component&gt; &lt;transport&gt; &lt;priority&gt; &lt;address&gt; &lt;port&gt; typ &lt;type&gt;
/// [raddr &lt;address&gt;] [rport &lt;port&gt;] *(&lt;name&gt; &lt;value&gt;)</c>.
/// <c>tcptype</c> (RFC 6544 §4.5) is typed; other extensions (<c>generation</c>, <c>ufrag</c>, <c>network-id</c>,
/// <c>network-cost</c>, ...) are kept in order.
/// </summary>
public sealed record IceCandidate(
    string Foundation,
    int Component,
    string Transport,
    uint Priority,
    string Address,
    int Port,
    string Type,
    string? RelatedAddress = null,
    int? RelatedPort = null,
    string? TcpType = null)
{
    private const string Prefix = "candidate:";

    /// <summary>Extension attributes (name, value) in their original order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extensions { get; init; } = [];

    public int? Generation => GetExtension("generation") is { } g && SdpText.TryParseInt(g, 0, int.MaxValue, out var v) ? v : null;

    public int? NetworkId => GetExtension("network-id") is { } g && SdpText.TryParseInt(g, 0, int.MaxValue, out var v) ? v : null;

    public int? NetworkCost => GetExtension("network-cost") is { } g && SdpText.TryParseInt(g, 0, int.MaxValue, out var v) ? v : null;

    public string? GetExtension(string name)
    {
        foreach (var pair in Extensions)
        {
            if (pair.Key == name)
            {
                return pair.Value;
            }
        }

        return null;
    }

    /// <summary>Parses an attribute value, with or without the <c>candidate:</c> (or <c>a=candidate:</c>) prefix.</summary>
    public static bool TryParse(string attributeValue, out IceCandidate? candidate) => TryParse(attributeValue, out candidate, out _);

    /// <summary>As <see cref="TryParse(string, out IceCandidate?)"/>, with a message saying what is wrong.</summary>
    public static bool TryParse(string attributeValue, out IceCandidate? candidate, out string? error)
    {
        ArgumentNullException.ThrowIfNull(attributeValue);
        candidate = null;
        var text = attributeValue.Trim();
        if (text.StartsWith("a=", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        if (text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text[Prefix.Length..];
        }

        var t = SdpText.Tokens(text);
        if (t.Length < 8)
        {
            error = $"a=candidate: expected at least 8 fields (foundation component transport priority address port typ type), found {t.Length}";
            return false;
        }

        if (!IsFoundation(t[0]))
        {
            error = $"a=candidate: foundation '{t[0]}' must be 1 to 32 letters, digits, '+' or '/'";
            return false;
        }

        if (!SdpText.TryParseInt(t[1], 1, 256, out var component))
        {
            error = $"a=candidate: component '{t[1]}' is not a number between 1 and 256";
            return false;
        }

        if (!SdpText.TryParseUInt(t[3], out var priority))
        {
            error = $"a=candidate: priority '{t[3]}' is not a 32-bit unsigned number";
            return false;
        }

        if (!SdpText.TryParseInt(t[5], 0, 65535, out var port))
        {
            error = $"a=candidate: port '{t[5]}' is not a number between 0 and 65535";
            return false;
        }

        if (t[6] != "typ")
        {
            error = $"a=candidate: expected 'typ' after the port, found '{t[6]}'";
            return false;
        }

        if ((t.Length - 8) % 2 != 0)
        {
            error = $"a=candidate: extension '{t[^1]}' has no value";
            return false;
        }

        string? relatedAddress = null;
        int? relatedPort = null;
        string? tcpType = null;
        var extensions = new List<KeyValuePair<string, string>>();
        for (var i = 8; i < t.Length; i += 2)
        {
            var (name, value) = (t[i], t[i + 1]);
            if (name == "raddr" && relatedAddress is null)
            {
                relatedAddress = value;
            }
            else if (name == "rport" && relatedPort is null)
            {
                if (!SdpText.TryParseInt(value, 0, 65535, out var rport))
                {
                    error = $"a=candidate: rport '{value}' is not a number between 0 and 65535";
                    return false;
                }

                relatedPort = rport;
            }
            else if (name == "tcptype" && tcpType is null)
            {
                tcpType = value;
            }
            else
            {
                extensions.Add(new(name, value));
            }
        }

        candidate = new IceCandidate(t[0], component, t[2], priority, t[4], port, t[7], relatedAddress, relatedPort, tcpType) { Extensions = extensions };
        error = null;
        return true;
    }

    /// <summary>The attribute value, starting with <c>candidate:</c> (as in <c>RTCIceCandidate.candidate</c>).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Prefix, 128);
        sb.Append(Foundation).Append(' ').Append(Component.ToString(CultureInfo.InvariantCulture))
          .Append(' ').Append(Transport).Append(' ').Append(Priority.ToString(CultureInfo.InvariantCulture))
          .Append(' ').Append(Address).Append(' ').Append(Port.ToString(CultureInfo.InvariantCulture))
          .Append(" typ ").Append(Type);
        if (RelatedAddress is not null)
        {
            sb.Append(" raddr ").Append(RelatedAddress);
        }

        if (RelatedPort is { } rport)
        {
            sb.Append(" rport ").Append(rport.ToString(CultureInfo.InvariantCulture));
        }

        if (TcpType is not null)
        {
            sb.Append(" tcptype ").Append(TcpType);
        }

        foreach (var pair in Extensions)
        {
            sb.Append(' ').Append(pair.Key).Append(' ').Append(pair.Value);
        }

        return sb.ToString();
    }

    private static bool IsFoundation(string text)
    {
        if (text.Length is 0 or > 32)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '/')
            {
                return false;
            }
        }

        return true;
    }
}
