using System.Net;
using Microsoft.Extensions.Options;

namespace Sluice.Server;

/// <summary>
/// Checks the node's configuration before anything binds a port: every failure names its key, the value and
/// what would be right, so an operator can fix the file, variable or flag it came from.
/// </summary>
internal sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var failures = new List<string>();
        if (!TryParseListen(options.Listen, out _))
        {
            failures.Add($"Listen: '{options.Listen}' is not an address:port such as 0.0.0.0:7777 or localhost:8080");
        }

        if (options.UdpPort is < 0 or > 65535)
        {
            failures.Add($"UdpPort: {options.UdpPort} is not a UDP port (1-65535, or 0 for a free one)");
        }

        for (var i = 0; i < options.AnnounceIp.Count; i++)
        {
            if (!IPAddress.TryParse(options.AnnounceIp[i], out _))
            {
                failures.Add($"AnnounceIp:{i}: '{options.AnnounceIp[i]}' is not an IP address");
            }
        }

        for (var i = 0; i < options.IceServers.Count; i++)
        {
            var server = options.IceServers[i];
            var scheme = server.Urls.Split(':', 2)[0].ToLowerInvariant();
            if (scheme is not ("stun" or "stuns" or "turn" or "turns") || !server.Urls.Contains(':', StringComparison.Ordinal))
            {
                failures.Add($"IceServers:{i}:Urls: '{server.Urls}' is not a stun:, stuns:, turn: or turns: URL (RFC 7064, RFC 7065)");
            }
            else if (scheme.StartsWith("turn", StringComparison.Ordinal) && (server.Username is null || server.Credential is null))
            {
                failures.Add($"IceServers:{i}: the TURN server '{server.Urls}' needs Username and Credential (or turn:user:secret@host:port on the command line)");
            }
        }

        foreach (var (stream, cascade) in options.Streams)
        {
            if (!Whip.WhipEndpoints.IsValidStreamId(stream))
            {
                failures.Add($"Streams:{stream}: '{stream}' is not a stream name (1 to 128 of A-Z a-z 0-9 - _ .)");
            }

            if (cascade.Source is not null && !Cascade.CascadeEndpoint.TryParse(cascade.Source, "whep", out _, out var sourceError))
            {
                failures.Add($"Streams:{stream}:Source: {sourceError}");
            }

            for (var i = 0; i < cascade.Targets.Count; i++)
            {
                if (!Cascade.CascadeEndpoint.TryParse(cascade.Targets[i], "whip", out _, out var targetError))
                {
                    failures.Add($"Streams:{stream}:Targets:{i}: {targetError}");
                }
            }
        }

        if (options.ConsentTimeoutSeconds is < 1 or > 3600)
        {
            failures.Add($"ConsentTimeoutSeconds: {options.ConsentTimeoutSeconds} is outside 1-3600 seconds");
        }

        if (options.DataChannelBufferBytes is < 65536 or > 64 * 1024 * 1024)
        {
            failures.Add($"DataChannelBufferBytes: {options.DataChannelBufferBytes} is outside 65536-67108864 (it must hold the largest message, 262144, to be useful; 1048576 by default)");
        }

        for (var i = 0; i < options.NegotiatedDataChannels.Count; i++)
        {
            var entry = options.NegotiatedDataChannels[i];
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !ushort.TryParse(entry.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                || id == ushort.MaxValue || colon == entry.Length - 1)
            {
                failures.Add($"NegotiatedDataChannels:{i}: '{entry}' is not ID:LABEL with ID a stream id 0-65534 (e.g. 0:chat)");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static bool TryParseListen(string value, out (string Host, int Port) listen)
    {
        listen = default;
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port > 65535)
        {
            return false;
        }

        var host = value[..colon];
        if (host != "*" && host != "localhost" && !IPAddress.TryParse(host.Trim('[', ']'), out _) && Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            return false;
        }

        listen = (host, port);
        return true;
    }
}

/// <summary>The configuration cannot start a node; the message lists every problem, one per line.</summary>
public sealed class SluiceConfigurationException(IReadOnlyList<string> failures)
    : Exception(failures.Count == 1
        ? "invalid configuration: " + failures[0]
        : "invalid configuration:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", failures))
{
    public IReadOnlyList<string> Failures { get; } = failures;
}
