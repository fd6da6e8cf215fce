namespace Sluice.Rtc.Srtp;

/// <summary>
/// What one <see cref="SrtpContext"/> remembers about one SSRC: the SRTP index (ROC and highest
/// sequence number, RFC 3711 §3.2.1) with its replay list, and the SRTCP index (RFC 3711 §3.4).
/// A class, so the context's dictionary hands out a reference and never copies it back.
/// </summary>
internal sealed class SsrcState
{
    /// <summary>SRTP: highest index sent or received, and the replay list on receive.</summary>
    public ReplayWindow Rtp;

    /// <summary>SRTCP on receive.</summary>
    public ReplayWindow Rtcp;

    /// <summary>SRTCP on send: the index of the next packet, zero first, modulo 2^31.</summary>
    public uint NextRtcpIndex;
}
