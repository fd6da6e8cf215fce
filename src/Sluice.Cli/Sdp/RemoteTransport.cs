using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;

namespace Sluice.Cli.Sdp;

/// <summary>
/// The server's transport parameters from an answer: ICE credentials (RFC 8839 §5.4), the DTLS fingerprint
/// (RFC 8122 §5) and its UDP candidates. With BUNDLE (RFC 8843) the first section's values hold for all.
/// </summary>
internal sealed record RemoteTransport(IceParameters Ice, DtlsFingerprint Fingerprint, IReadOnlyList<IPEndPoint> Candidates, bool IceLite)
{
    public static bool TryRead(SessionDescription answer, [NotNullWhen(true)] out RemoteTransport? remote, [NotNullWhen(false)] out string? error)
    {
        remote = null;
        MediaDescription? first = null;
        foreach (var media in answer.Media)
        {
            if (media.Port != 0)
            {
                first = media;
                break;
            }
        }

        if (first is null)
        {
            error = "the answer accepted no media section";
            return false;
        }

        var ufrag = first.IceUfrag ?? answer.IceUfrag;
        var pwd = first.IcePwd ?? answer.IcePwd;
        if (string.IsNullOrEmpty(ufrag) || string.IsNullOrEmpty(pwd))
        {
            error = "the answer has no a=ice-ufrag/a=ice-pwd";
            return false;
        }

        var fingerprintText = first.Fingerprints.Count > 0 ? first.Fingerprints[0] : answer.Fingerprints.Count > 0 ? answer.Fingerprints[0] : null;
        if (!DtlsFingerprint.TryParse(fingerprintText, out var fingerprint))
        {
            error = $"the answer's a=fingerprint is missing or not understood ('{fingerprintText}')";
            return false;
        }

        var candidates = new List<IPEndPoint>();
        foreach (var media in answer.Media)
        {
            foreach (var candidate in media.Candidates)
            {
                if (candidate.Component == 1
                    && candidate.Transport.Equals("udp", StringComparison.OrdinalIgnoreCase)
                    && IPAddress.TryParse(candidate.Address, out var address)
                    && candidate.Port is > 0 and <= 65535)
                {
                    var endPoint = new IPEndPoint(address, candidate.Port);
                    if (!candidates.Contains(endPoint))
                    {
                        candidates.Add(endPoint);
                    }
                }
            }
        }

        if (candidates.Count == 0)
        {
            error = "the answer has no UDP candidate with an IP address (trickle-only answers are not supported)";
            return false;
        }

        remote = new RemoteTransport(new IceParameters(ufrag, pwd), fingerprint, candidates, answer.IceLite);
        error = null;
        return true;
    }

    /// <summary>The address family our socket binds: IPv4 when the server offers any IPv4 candidate.</summary>
    public AddressFamily PreferredFamily
    {
        get
        {
            foreach (var candidate in Candidates)
            {
                if (candidate.AddressFamily == AddressFamily.InterNetwork)
                {
                    return AddressFamily.InterNetwork;
                }
            }

            return AddressFamily.InterNetworkV6;
        }
    }
}
