using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Transport;

public enum IceRole
{
    /// <summary>The server: ICE-lite, controlled (RFC 8445 §2.5).</summary>
    Lite,

    /// <summary>Our own clients: a full agent in the controlling role.</summary>
    Controlling,
}

public sealed class WebRtcTransportOptions
{
    public required DtlsCertificate Certificate { get; init; }

    public required IceParameters LocalIce { get; init; }

    /// <summary>The peer's credentials; a lite server may not know them until the offer is read.</summary>
    public IceParameters? RemoteIce { get; init; }

    public required DtlsFingerprint RemoteFingerprint { get; init; }

    public IceRole IceRole { get; init; } = IceRole.Lite;

    /// <summary>Server: Server, as the answerer to a browser's actpass (RFC 8842 §5.3). Clients: Client.</summary>
    public DtlsRole DtlsRole { get; init; } = DtlsRole.Server;

    /// <summary>SRTP profiles we accept, most preferred first: AEAD-GCM, then AES-CM.</summary>
    public IReadOnlyList<SrtpProfile> SrtpProfiles { get; init; } = [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1_80];

    /// <summary>
    /// Whether DTLS must agree an SRTP profile. False for a data-channel-only session: a peer may then leave
    /// use_srtp out, and the transport connects without SRTP (media sends are refused).
    /// </summary>
    public bool RequireSrtp { get; init; } = true;

    public IceAgentOptions Ice { get; init; } = new();
}
