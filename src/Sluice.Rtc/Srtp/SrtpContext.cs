using System.Buffers.Binary;

namespace Sluice.Rtc.Srtp;

/// <summary>
/// One direction of one DTLS-SRTP association: one master key and salt (RFC 3711 §3.2.1,
/// RFC 5764 §4.2), SRTP (RFC 3711 §3.3) and SRTCP (RFC 3711 §3.4) for every SSRC using it.
/// Per-SSRC state (ROC, highest sequence number, replay lists, SRTCP index) is created the first
/// time an SSRC is sent, or received with a valid tag; only that first use allocates.
/// </summary>
/// <remarks>
/// Not thread-safe: a context must be used by one thread at a time (the owning transport's
/// receive loop for the inbound one, its sender for the outbound one). Packets are protected and
/// unprotected in place. On receive, the state moves only after the tag verified.
/// </remarks>
public sealed class SrtpContext : IDisposable
{
    private const int RtcpHeaderLength = 8;
    private const uint EncryptedFlag = 0x8000_0000u;

    private readonly SrtpCipher _cipher;
    private readonly Dictionary<uint, SsrcState> _states = [];
    private readonly int _rtpOverhead;
    private readonly int _rtcpOverhead;
    private uint _lastSsrc;
    private SsrcState? _lastState;
    private bool _disposed;

    /// <summary>Derives the session keys from the master key and salt (RFC 3711 §4.3, RFC 7714 §11).</summary>
    public SrtpContext(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
        : this(profile, CreateCipher(profile, masterKey, masterSalt))
    {
    }

    internal SrtpContext(SrtpProfile profile, SrtpCipher cipher)
    {
        Profile = profile;
        _cipher = cipher;
        _rtpOverhead = SrtpProfiles.RtpOverhead(profile);
        _rtcpOverhead = SrtpProfiles.RtcpOverhead(profile);
    }

    public SrtpProfile Profile { get; }

    /// <summary>
    /// Protects the RTP packet in buffer[..length] in place (RFC 3711 §3.3, RFC 7714 §8.1); the
    /// buffer must have <see cref="SrtpProfiles.RtpOverhead"/> octets free after the packet.
    /// </summary>
    public SrtpResult ProtectRtp(Span<byte> buffer, int length, out int protectedLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        protectedLength = 0;
        if ((uint)length > (uint)buffer.Length)
        {
            return SrtpResult.BufferTooSmall;
        }

        if (!RtpHeaderLength.TryRead(buffer[..length], out int headerLength))
        {
            return length < RtpHeaderLength.Fixed ? SrtpResult.TooShort : SrtpResult.Malformed;
        }

        if (buffer.Length - length < _rtpOverhead)
        {
            return SrtpResult.BufferTooSmall;
        }

        ushort sequence = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
        SsrcState state = Find(ssrc) ?? Add(ssrc);

        // The sender's ROC follows its own sequence numbers with the same estimate a receiver makes,
        // so a forwarder that sends slightly out of order (or retransmits) keeps the right ROC.
        long index = state.Rtp.IsEmpty ? sequence : SrtpIndex.Estimate(state.Rtp.Highest, sequence);
        if (index < 0)
        {
            index = sequence;
        }

        _cipher.ProtectRtp(buffer, headerLength, length, ssrc, (ulong)index);
        state.Rtp.Accept(index);
        protectedLength = length + _rtpOverhead;
        return SrtpResult.Ok;
    }

    /// <summary>
    /// Verifies and decrypts the SRTP packet that is exactly <paramref name="buffer"/>, in place
    /// (RFC 3711 §3.3, RFC 7714 §8.2): index estimated per RFC 3711 Appendix A, replay-checked per
    /// RFC 3711 §3.3.2, state advanced only when the tag verifies.
    /// </summary>
    public SrtpResult UnprotectRtp(Span<byte> buffer, out int plainLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        plainLength = 0;
        int authenticated = buffer.Length - _rtpOverhead;
        if (authenticated < RtpHeaderLength.Fixed)
        {
            return SrtpResult.TooShort;
        }

        if (!RtpHeaderLength.TryRead(buffer[..authenticated], out int headerLength))
        {
            return SrtpResult.Malformed;
        }

        ushort sequence = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
        SsrcState? state = Find(ssrc);
        long index = sequence;
        if (state is not null && !state.Rtp.IsEmpty)
        {
            index = SrtpIndex.Estimate(state.Rtp.Highest, sequence);
            SrtpResult replay = state.Rtp.Check(index);
            if (replay != SrtpResult.Ok)
            {
                return replay;
            }
        }

        if (!_cipher.UnprotectRtp(buffer, headerLength, ssrc, (ulong)index))
        {
            return SrtpResult.AuthenticationFailed;
        }

        state ??= Add(ssrc);
        state.Rtp.Accept(index);
        plainLength = authenticated;
        return SrtpResult.Ok;
    }

    /// <summary>
    /// Protects the (compound) RTCP packet in buffer[..length] in place with the E flag set
    /// (RFC 3711 §3.4, RFC 7714 §9.1); the SRTCP index counts per sender SSRC from zero.
    /// </summary>
    public SrtpResult ProtectRtcp(Span<byte> buffer, int length, out int protectedLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        protectedLength = 0;
        if ((uint)length > (uint)buffer.Length)
        {
            return SrtpResult.BufferTooSmall;
        }

        if (length < RtcpHeaderLength)
        {
            return SrtpResult.TooShort;
        }

        if (buffer.Length - length < _rtcpOverhead)
        {
            return SrtpResult.BufferTooSmall;
        }

        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        SsrcState state = Find(ssrc) ?? Add(ssrc);
        uint index = state.NextRtcpIndex;
        state.NextRtcpIndex = (index + 1) & ~EncryptedFlag;
        _cipher.ProtectRtcp(buffer, length, ssrc, index);
        protectedLength = length + _rtcpOverhead;
        return SrtpResult.Ok;
    }

    /// <summary>
    /// Verifies and (when its E flag is set) decrypts the SRTCP packet that is exactly
    /// <paramref name="buffer"/>, in place; replay-checked on the SRTCP index (RFC 3711 §3.4).
    /// </summary>
    public SrtpResult UnprotectRtcp(Span<byte> buffer, out int plainLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        plainLength = 0;
        int plain = buffer.Length - _rtcpOverhead;
        if (plain < RtcpHeaderLength)
        {
            return SrtpResult.TooShort;
        }

        uint word = BinaryPrimitives.ReadUInt32BigEndian(buffer[(buffer.Length - _cipher.RtcpIndexOffsetFromEnd)..]);
        uint index = word & ~EncryptedFlag;
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        SsrcState? state = Find(ssrc);
        if (state is not null)
        {
            SrtpResult replay = state.Rtcp.Check(index);
            if (replay != SrtpResult.Ok)
            {
                return replay;
            }
        }

        if (!_cipher.UnprotectRtcp(buffer, ssrc, index, (word & EncryptedFlag) != 0))
        {
            return SrtpResult.AuthenticationFailed;
        }

        state ??= Add(ssrc);
        state.Rtcp.Accept(index);
        plainLength = plain;
        return SrtpResult.Ok;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cipher.Dispose();
        _states.Clear();
        _lastState = null;
    }

    /// <summary>Test hook: a context keyed with session keys directly, skipping the KDF.</summary>
    internal static SrtpContext FromSessionKeys(
        SrtpProfile profile,
        ReadOnlySpan<byte> key,
        ReadOnlySpan<byte> salt,
        ReadOnlySpan<byte> authKey,
        bool useHardware = true) =>
        new(profile, SrtpCipher.FromSessionKeys(profile, key, salt, authKey, key, salt, authKey, useHardware));

    /// <summary>Test hook: a context on the given master key with the AES-NI path turned on or off.</summary>
    internal static SrtpContext Create(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool useHardware) =>
        new(profile, CreateCipher(profile, masterKey, masterSalt, useHardware));

    /// <summary>Sets the SRTCP index the next packet from <paramref name="ssrc"/> is sent with.</summary>
    internal void SetNextRtcpIndex(uint ssrc, uint index) => (Find(ssrc) ?? Add(ssrc)).NextRtcpIndex = index & ~EncryptedFlag;

    /// <summary>The highest SRTP index sent or received for <paramref name="ssrc"/>; -1 if none.</summary>
    internal long HighestRtpIndex(uint ssrc) => Find(ssrc)?.Rtp.Highest ?? -1;

    private static SrtpCipher CreateCipher(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool useHardware = true)
    {
        if (masterKey.Length != SrtpProfiles.MasterKeyLength(profile))
        {
            throw new ArgumentException($"The {profile} master key is {SrtpProfiles.MasterKeyLength(profile)} octets.", nameof(masterKey));
        }

        if (masterSalt.Length != SrtpProfiles.MasterSaltLength(profile))
        {
            throw new ArgumentException($"The {profile} master salt is {SrtpProfiles.MasterSaltLength(profile)} octets.", nameof(masterSalt));
        }

        return SrtpCipher.FromMasterKey(profile, masterKey, masterSalt, useHardware);
    }

    private SsrcState? Find(uint ssrc)
    {
        if (_lastState is not null && _lastSsrc == ssrc)
        {
            return _lastState;
        }

        if (_states.TryGetValue(ssrc, out SsrcState? state))
        {
            _lastSsrc = ssrc;
            _lastState = state;
        }

        return state;
    }

    private SsrcState Add(uint ssrc)
    {
        var state = new SsrcState();
        _states.Add(ssrc, state);
        _lastSsrc = ssrc;
        _lastState = state;
        return state;
    }
}
