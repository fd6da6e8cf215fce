using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Sdp;

/// <summary>
/// The server's transport parameters from an answer (read by <see cref="RemoteTransportParameters"/>), with its
/// candidates narrowed to the UDP addresses our socket can reach.
/// </summary>
internal sealed record RemoteTransport(IceParameters Ice, DtlsFingerprint Fingerprint, IReadOnlyList<IPEndPoint> Candidates, bool IceLite)
{
    public static bool TryRead(SessionDescription answer, [NotNullWhen(true)] out RemoteTransport? remote, [NotNullWhen(false)] out string? error)
    {
        remote = null;
        if (!RemoteTransportParameters.TryRead(answer, out var parameters, out var missing))
        {
            error = "the answer: " + missing;
            return false;
        }

        var candidates = parameters.UdpEndPoints();
        if (candidates.Count == 0)
        {
            error = "the answer has no UDP candidate with an IP address (trickle-only answers are not supported)";
            return false;
        }

        remote = new RemoteTransport(parameters.Ice, parameters.Fingerprint, candidates, parameters.IceLite);
        error = null;
        return true;
    }
}
