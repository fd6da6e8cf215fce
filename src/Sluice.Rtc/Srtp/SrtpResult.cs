namespace Sluice.Rtc.Srtp;

/// <summary>
/// Outcome of protecting or unprotecting one packet. Everything but <see cref="Ok"/> means the
/// packet must be dropped (and counted); none of them is an exception.
/// </summary>
public enum SrtpResult
{
    Ok = 0,

    /// <summary>Shorter than the smallest valid packet (header plus overhead).</summary>
    TooShort = 1,

    /// <summary>The caller's buffer has no room for the authentication tag / SRTCP trailer.</summary>
    BufferTooSmall = 2,

    /// <summary>The tag did not verify (RFC 3711 §3.3 step 5, RFC 7714 §8.2): forged, corrupted or wrong keys.</summary>
    AuthenticationFailed = 3,

    /// <summary>The packet index was already received (RFC 3711 §3.3.2).</summary>
    ReplayDuplicate = 4,

    /// <summary>The packet index is behind the replay window (RFC 3711 §3.3.2).</summary>
    ReplayTooOld = 5,

    /// <summary>The RTP header's CSRC count or extension length runs past the packet.</summary>
    Malformed = 6,
}
