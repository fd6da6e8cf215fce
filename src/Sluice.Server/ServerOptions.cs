using System.Net;

namespace Sluice.Server;

/// <summary>The node's configuration: command line, SLUICE_ environment variables, appsettings.json.</summary>
public sealed class ServerOptions
{
    /// <summary>HTTP address:port.</summary>
    public string Listen { get; set; } = "0.0.0.0:7777";

    /// <summary>The one UDP port all media uses (0 picks a free one).</summary>
    public int UdpPort { get; set; } = 7777;

    /// <summary>Addresses put in ICE candidates; empty means the host's own addresses, loopback included.</summary>
    public List<string> AnnounceIp { get; set; } = [];

    /// <summary>STUN/TURN servers handed to clients in Link headers (RFC 9725 §4.6).</summary>
    public List<IceServer> IceServers { get; set; } = [];

    /// <summary>Seconds without ICE consent after which a session is closed (RFC 7675).</summary>
    public int ConsentTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Estimate each subscriber's bandwidth from its transport-cc feedback (or REMB) and choose its layers within
    /// it, pausing video that does not fit; off, every subscriber gets each track's best layer.
    /// </summary>
    public bool CongestionControl { get; set; } = true;

    /// <summary>Bytes one data channel toward a peer may hold unacknowledged before messages to it are dropped.</summary>
    public int DataChannelBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>Rooms (weever-streaming's protocol): <c>Rooms:Auth</c> requires the tokens of <c>/create/pub</c> and <c>/create/sub</c>.</summary>
    public RoomOptions Rooms { get; set; } = new();

    /// <summary>Streams cascaded from the start: <c>Streams:{name}:Source</c> (pulled, WHEP) and <c>Streams:{name}:Targets</c> (pushed, WHIP).</summary>
    public Dictionary<string, Cascade.StreamOptions> Streams { get; set; } = [];

    /// <summary>Pre-negotiated data channels, <c>ID:LABEL</c> each (<c>negotiated: true, id: ID</c> in the browser).</summary>
    public List<string> NegotiatedDataChannels { get; set; } = [];

    /// <summary>The pre-negotiated channels by stream id; call after validation.</summary>
    public Dictionary<ushort, string> ParseNegotiatedDataChannels()
    {
        var channels = new Dictionary<ushort, string>();
        foreach (var entry in NegotiatedDataChannels)
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            channels[ushort.Parse(entry.AsSpan(0, colon), System.Globalization.CultureInfo.InvariantCulture)] = entry[(colon + 1)..];
        }

        return channels;
    }
}

/// <summary>
/// A STUN or TURN server. On the command line: <c>--ice-server stun:host:3478</c> or
/// <c>--ice-server turn:user:secret@host:3478?transport=udp</c>.
/// </summary>
public sealed class IceServer
{
    public string Urls { get; set; } = string.Empty;

    public string? Username { get; set; }

    public string? Credential { get; set; }

    /// <summary>Parses the command-line shorthand; credentials before '@' are split off the URL.</summary>
    public static IceServer Parse(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var at = value.LastIndexOf('@');
        if (colon < 0 || at < colon)
        {
            return new IceServer { Urls = value };
        }

        var scheme = value[..colon];
        var credentials = value[(colon + 1)..at];
        var separator = credentials.IndexOf(':', StringComparison.Ordinal);
        return new IceServer
        {
            Urls = scheme + ":" + value[(at + 1)..],
            Username = separator < 0 ? credentials : credentials[..separator],
            Credential = separator < 0 ? null : credentials[(separator + 1)..],
        };
    }

    /// <summary>The Link header value (RFC 9725 §4.6, RFC 8288).</summary>
    public string ToLinkHeader()
    {
        var link = $"<{Urls}>; rel=\"ice-server\"";
        if (Username is not null)
        {
            link += $"; username=\"{Username}\"; credential=\"{Credential}\"; credential-type=\"password\"";
        }

        return link;
    }
}

internal static class AnnouncedAddresses
{
    /// <summary>The configured addresses, or every up interface's IPv4 address (loopback first).</summary>
    public static IReadOnlyList<IPAddress> Resolve(IReadOnlyList<string> configured)
    {
        if (configured.Count > 0)
        {
            return [.. configured.Select(IPAddress.Parse)];
        }

        var addresses = new List<IPAddress> { IPAddress.Loopback };
        foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != System.Net.NetworkInformation.OperationalStatus.Up)
            {
                continue;
            }

            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address;
                if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(address) && !addresses.Contains(address))
                {
                    addresses.Add(address);
                }
            }
        }

        return addresses;
    }
}

/// <summary>The <c>Rooms</c> section.</summary>
public sealed class RoomOptions
{
    /// <summary>weever-streaming's <c>--auth</c>: joining needs the token stored for the room, participant and role.</summary>
    public bool Auth { get; set; }
}
