using System.Diagnostics.CodeAnalysis;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;

namespace Sluice.Rtc.Sdp;

/// <summary>
/// The peer's transport parameters as one m-section of its description states them: ICE credentials (RFC 8839
/// §5.4), the certificate fingerprint (RFC 8122 §5, sha-256 preferred where several are given), the DTLS role
/// (RFC 8842 §5) and the candidates of every section. A value given at media level wins; the session level is the
/// fallback. The one place an offer or answer is read for these, by the SFU and the CLI alike.
/// </summary>
/// <param name="Setup">The <c>a=setup</c> of the section, else of the session, else of the first section stating one.</param>
public sealed record RemoteTransportParameters(
    IceParameters Ice,
    DtlsFingerprint Fingerprint,
    DtlsSetup? Setup,
    IReadOnlyList<IceCandidate> Candidates,
    bool IceLite)
{
    /// <summary>
    /// The parameters of the session's transport: those of its first accepted (port ≠ 0) section, which with BUNDLE
    /// (RFC 8843) hold for all. The error names what is missing, for the peer's user.
    /// </summary>
    public static bool TryRead(SessionDescription description, [NotNullWhen(true)] out RemoteTransportParameters? parameters, [NotNullWhen(false)] out string? error)
    {
        foreach (var media in description.Media)
        {
            if (media.Port != 0)
            {
                return TryRead(description, media, out parameters, out error);
            }
        }

        parameters = null;
        error = "no media section is accepted (every m= line has port 0)";
        return false;
    }

    /// <summary>The parameters <paramref name="media"/> states, with the session level as the fallback.</summary>
    public static bool TryRead(SessionDescription description, MediaDescription media, [NotNullWhen(true)] out RemoteTransportParameters? parameters, [NotNullWhen(false)] out string? error)
    {
        parameters = null;
        var ufrag = media.IceUfrag ?? description.IceUfrag;
        var pwd = media.IcePwd ?? description.IcePwd;
        if (string.IsNullOrEmpty(ufrag) || string.IsNullOrEmpty(pwd))
        {
            error = $"{Name(media)} has no a=ice-ufrag/a=ice-pwd";
            return false;
        }

        if (!TryReadFingerprint(media.Fingerprints, out var fingerprint) && !TryReadFingerprint(description.Fingerprints, out fingerprint))
        {
            error = $"{Name(media)} has no usable a=fingerprint (sha-256 expected, RFC 8122)";
            return false;
        }

        var setup = media.Setup ?? description.Setup;
        var candidates = new List<IceCandidate>();
        foreach (var section in description.Media)
        {
            setup ??= section.Setup;
            candidates.AddRange(section.Candidates);
        }

        parameters = new RemoteTransportParameters(new IceParameters(ufrag, pwd), fingerprint, setup, candidates, description.IceLite);
        error = null;
        return true;
    }

    /// <summary>The candidates our UDP socket can reach: component 1, UDP, an IP address (not an mDNS name), each once.</summary>
    public IReadOnlyList<System.Net.IPEndPoint> UdpEndPoints()
    {
        var endPoints = new List<System.Net.IPEndPoint>();
        foreach (var candidate in Candidates)
        {
            if (candidate.Component == 1
                && candidate.Transport.Equals("udp", StringComparison.OrdinalIgnoreCase)
                && System.Net.IPAddress.TryParse(candidate.Address, out var address)
                && candidate.Port is > 0 and <= 65535)
            {
                var endPoint = new System.Net.IPEndPoint(address, candidate.Port);
                if (!endPoints.Contains(endPoint))
                {
                    endPoints.Add(endPoint);
                }
            }
        }

        return endPoints;
    }

    private static bool TryReadFingerprint(List<string> values, [NotNullWhen(true)] out DtlsFingerprint? fingerprint)
    {
        fingerprint = null;
        foreach (var value in values)
        {
            if (DtlsFingerprint.TryParse(value, out var parsed) && (fingerprint is null || parsed.Algorithm == DtlsHashAlgorithm.Sha256))
            {
                fingerprint = parsed;
                if (parsed.Algorithm == DtlsHashAlgorithm.Sha256)
                {
                    return true;
                }
            }
        }

        return fingerprint is not null;
    }

    private static string Name(MediaDescription media) => $"m={media.Kind} (mid {media.Mid ?? "none"})";
}
