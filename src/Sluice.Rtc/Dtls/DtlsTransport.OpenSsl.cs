using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Dtls;

/// <summary>Driving OpenSSL: BIO plumbing, handshake, records, retransmission timer and native callbacks.</summary>
public sealed partial class DtlsTransport
{
    /// <summary>2^14, the largest record plaintext (RFC 6347 §4.1 via RFC 5246 §6.2.1).</summary>
    private const int MaxPlaintextLength = 16384;

    private const uint InitialTimeoutMicroseconds = 100_000;
    private const uint MaxTimeoutMicroseconds = 3_200_000;

    /// <summary>
    /// Returns how long OpenSSL waits before the next retransmission (RFC 6347 §4.2.4.1 leaves the values to the
    /// implementation): 100 ms, then doubling up to 3.2 s. Pure arithmetic, so it cannot throw into native code.
    /// </summary>
    [UnmanagedCallersOnly]
    internal static uint OnTimerDuration(nint ssl, uint currentMicroseconds) =>
        currentMicroseconds == 0
            ? InitialTimeoutMicroseconds
            : (uint)Math.Min((ulong)currentMicroseconds * 2, MaxTimeoutMicroseconds);

    /// <summary>
    /// OpenSSL's certificate verification callback. Self-signed WebRTC certificates never chain to a trust anchor,
    /// so <paramref name="preverifyOk"/> is ignored: the only test is the SDP fingerprint of the peer's end-entity
    /// certificate (RFC 8122 §5, RFC 8827 §6.5). Any exception becomes a rejection.
    /// </summary>
    [UnmanagedCallersOnly]
    internal static int OnVerifyCertificate(int preverifyOk, nint storeContext)
    {
        try
        {
            nint ssl = OpenSsl.X509_STORE_CTX_get_ex_data(storeContext, OpenSsl.SSL_get_ex_data_X509_STORE_CTX_idx());
            nint certificate = OpenSsl.X509_STORE_CTX_get0_cert(storeContext);
            if (ssl == 0 || certificate == 0 || FromSsl(ssl) is not { } transport)
            {
                return 0;
            }

            // Runs inside an OpenSSL call made by this transport, so its lock is already held by this thread.
            return transport.VerifyPeerCertificate(certificate) ? 1 : 0;
        }
        catch
        {
            return 0;
        }
    }

    private static DtlsTransport? FromSsl(nint ssl)
    {
        nint handle = OpenSsl.SSL_get_ex_data(ssl, OpenSsl.SslAppDataIndex);
        return handle == 0 ? null : GCHandle.FromIntPtr(handle).Target as DtlsTransport;
    }

    private static unsafe SslHandle CreateSsl(SslContextHandle context, out nint ssl, out nint readBio, out nint writeBio)
    {
        bool added = false;
        context.DangerousAddRef(ref added);
        try
        {
            ssl = OpenSsl.SSL_new(context.DangerousGetHandle());
            if (ssl == 0)
            {
                throw new InvalidOperationException(OpenSsl.TakeErrors("SSL_new failed."));
            }

            var handle = new SslHandle(ssl);
            readBio = OpenSsl.BIO_new(OpenSsl.BIO_s_mem());
            writeBio = OpenSsl.BIO_new(OpenSsl.BIO_s_mem());
            if (readBio == 0 || writeBio == 0)
            {
                _ = OpenSsl.BIO_free(readBio);
                _ = OpenSsl.BIO_free(writeBio);
                handle.Dispose();
                throw new InvalidOperationException(OpenSsl.TakeErrors("BIO_new failed."));
            }

            // An empty read BIO must mean "retry later" (-1), not end of stream (0, the default).
            OpenSsl.BIO_ctrl(readBio, OpenSsl.BioSetBufMemEofReturn, -1, null);
            OpenSsl.SSL_set_bio(ssl, readBio, writeBio);

            // SSL_set_mtu and DTLS_set_link_mtu (macros). A memory BIO adds no overhead, so both are the datagram size.
            if (OpenSsl.SSL_ctrl(ssl, OpenSsl.SslCtrlSetMtu, Mtu, null) == 0)
            {
                handle.Dispose();
                throw new InvalidOperationException("SSL_set_mtu failed.");
            }

            OpenSsl.SSL_ctrl(ssl, OpenSsl.DtlsCtrlSetLinkMtu, Mtu, null);
            OpenSsl.DTLS_set_timer_cb(ssl, &OnTimerDuration);
            return handle;
        }
        finally
        {
            if (added)
            {
                context.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Feeds the datagram's records to OpenSSL, leaving out protected records too short to hold the AEAD
    /// overhead. RFC 6347 §4.1.2.7 says to discard such records silently, but OpenSSL 3.0 treats them as a fatal
    /// internal error (SSL_ERROR_SYSCALL with an empty error queue), so one forged 14-byte datagram would end the
    /// association. Writing the surviving records one by one is equivalent: a memory BIO is a byte stream and
    /// OpenSSL reads everything pending as one datagram.
    /// </summary>
    private unsafe bool WriteToReadBio(ReadOnlySpan<byte> datagram)
    {
        int offset = 0;
        while (offset < datagram.Length)
        {
            ReadOnlySpan<byte> rest = datagram[offset..];
            int size = DtlsRecordPacker.TryGetRecordLength(rest, out int length) ? length : rest.Length;
            bool keep = size < DtlsRecordPacker.RecordHeaderLength
                || size == DtlsRecordPacker.RecordHeaderLength
                || BinaryPrimitives.ReadUInt16BigEndian(rest[3..]) == 0
                || size - DtlsRecordPacker.RecordHeaderLength >= GetMinimumProtectedLength();
            if (keep)
            {
                fixed (byte* data = rest)
                {
                    if (OpenSsl.BIO_write(_readBio, data, size) != size)
                    {
                        return false;
                    }
                }
            }

            offset += size;
        }

        return true;
    }

    /// <summary>
    /// Explicit nonce + tag of the record protection in use (RFC 5288 §3 for AES-GCM: 8 + 16; RFC 7905 §2 for
    /// ChaCha20-Poly1305: 16). Assumes GCM while no cipher is known yet, the stricter and the one we prefer.
    /// </summary>
    private unsafe int GetMinimumProtectedLength()
    {
        nint cipher = OpenSsl.SSL_get_current_cipher(_sslPointer);
        if (cipher == 0)
        {
            cipher = OpenSsl.SSL_get_pending_cipher(_sslPointer);
        }

        if (cipher == 0)
        {
            return 24;
        }

        ReadOnlySpan<byte> name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(OpenSsl.SSL_CIPHER_get_name(cipher));
        return name.IndexOf("CHACHA20"u8) >= 0 ? 16 : 24;
    }

    private void DriveHandshake()
    {
        OpenSsl.ERR_clear_error();
        int result = OpenSsl.SSL_do_handshake(_sslPointer);
        if (result == 1)
        {
            OnHandshakeComplete();
        }
        else
        {
            HandleSslError(result, "DTLS handshake failed.");
        }
    }

    private unsafe int ReadRecord(Span<byte> plaintext)
    {
        OpenSsl.ERR_clear_error();
        int read;
        fixed (byte* buffer = plaintext)
        {
            read = OpenSsl.SSL_read(_sslPointer, buffer, plaintext.Length);
        }

        if (read > 0)
        {
            return read;
        }

        HandleSslError(read, "SSL_read failed.");
        return 0;
    }

    private void HandleSslError(int result, string fallback)
    {
        int error = OpenSsl.SSL_get_error(_sslPointer, result);
        switch (error)
        {
            case OpenSsl.SslErrorWantRead:
                return;
            case OpenSsl.SslErrorZeroReturn:
                // The peer's close_notify.
                OpenSsl.ERR_clear_error();
                if (_state is DtlsState.Connecting or DtlsState.Connected)
                {
                    SetState(DtlsState.Closed);
                }

                return;
            default:
                Fail(_verifyFailure ?? OpenSsl.TakeErrors($"{fallback} (SSL_get_error {error}, result {result})"));
                return;
        }
    }

    private unsafe void OnHandshakeComplete()
    {
        // Belt and braces: the verify callback already pinned the certificate, but the handshake must never
        // succeed on a path where it did not run.
        nint peer = OpenSsl.SSL_get1_peer_certificate(_sslPointer);
        if (peer == 0)
        {
            Fail("The peer presented no certificate.");
            return;
        }

        bool verified;
        try
        {
            verified = VerifyPeerCertificate(peer);
        }
        finally
        {
            OpenSsl.X509_free(peer);
        }

        if (!verified || !_peerVerified)
        {
            Fail(_verifyFailure ?? "The peer certificate was not verified against the remote fingerprint.");
            return;
        }

        OpenSsl.SrtpProtectionProfile* profile = OpenSsl.SSL_get_selected_srtp_profile(_sslPointer);
        _srtpProfile = profile == null ? null : profile->Id switch
        {
            (nuint)Srtp.SrtpProfile.Aes128CmHmacSha1_80 => Srtp.SrtpProfile.Aes128CmHmacSha1_80,
            (nuint)Srtp.SrtpProfile.AeadAes128Gcm => Srtp.SrtpProfile.AeadAes128Gcm,
            _ => null,
        };

        nint cipher = OpenSsl.SSL_get_current_cipher(_sslPointer);
        _cipherSuite = cipher == 0 ? null : Marshal.PtrToStringUTF8((nint)OpenSsl.SSL_CIPHER_get_name(cipher));
        SetState(DtlsState.Connected);
    }

    private unsafe bool VerifyPeerCertificate(nint certificate)
    {
        int length = OpenSsl.i2d_X509(certificate, null);
        if (length <= 0)
        {
            _verifyFailure ??= "The peer certificate could not be DER-encoded.";
            return false;
        }

        byte[]? rented = null;
        Span<byte> der = length <= 2048 ? stackalloc byte[2048] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            der = der[..length];
            fixed (byte* buffer = der)
            {
                byte* cursor = buffer;
                if (OpenSsl.i2d_X509(certificate, &cursor) != length)
                {
                    _verifyFailure ??= "The peer certificate could not be DER-encoded.";
                    return false;
                }
            }

            if (_remoteFingerprint.Matches(der))
            {
                _peerVerified = true;
                return true;
            }

            _peerVerified = false;
            _verifyFailure ??= $"Remote certificate fingerprint mismatch: expected {_remoteFingerprint}, " +
                $"got {DtlsFingerprint.Compute(_remoteFingerprint.Algorithm, der)}.";
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void Fail(string reason)
    {
        if (_state is DtlsState.Failed or DtlsState.Closed)
        {
            return;
        }

        _failureReason = reason;
        SetState(DtlsState.Failed);
    }

    /// <summary>Sends what OpenSSL wrote, re-arms the retransmission timer, and collects state events to raise.</summary>
    private int FinishLocked()
    {
        Flush();
        ArmRetransmitTimer();
        return TakeStateEvents();
    }

    /// <summary>Reads the write BIO in place (BIO_get_mem_data) and resets it: no copy, no buffer.</summary>
    private unsafe void Flush()
    {
        byte* data = null;
        nint length = OpenSsl.BIO_ctrl(_writeBio, OpenSsl.BioCtrlInfo, 0, &data);
        if (length <= 0 || data == null)
        {
            return;
        }

        try
        {
            DtlsRecordPacker.Send(new ReadOnlySpan<byte>(data, (int)length), Mtu, _send);
        }
        finally
        {
            OpenSsl.BIO_ctrl(_writeBio, OpenSsl.BioCtrlReset, 0, null);
        }
    }

    /// <summary>True while a flight may need resending (OpenSSL's retransmission timer runs): <see cref="Tick"/> matters.</summary>
    public bool AwaitingRetransmission => Volatile.Read(ref _timerArmed);

    /// <summary>Notes whether OpenSSL has a retransmission timer running, so <see cref="Tick"/> is a flag check otherwise.</summary>
    private unsafe void ArmRetransmitTimer()
    {
        OpenSsl.TimeVal remaining;
        _timerArmed = _state is DtlsState.Connecting or DtlsState.Connected
            && OpenSsl.SSL_ctrl(_sslPointer, OpenSsl.DtlsCtrlGetTimeout, 0, &remaining) == 1;
    }

    /// <summary>
    /// Resends the last flight if its timeout has passed (RFC 6347 §4.2.4; OpenSSL keeps the deadline and the
    /// backoff); called on the owner's clock. Cheap when no flight is outstanding.
    /// </summary>
    public unsafe void Tick()
    {
        if (!Volatile.Read(ref _timerArmed))
        {
            return;
        }

        int events;
        lock (_lock)
        {
            if (_disposed || !_timerArmed || _state is not (DtlsState.Connecting or DtlsState.Connected))
            {
                return;
            }

            _timerArmed = false;
            OpenSsl.ERR_clear_error();

            // DTLSv1_handle_timeout: 1 = retransmitted, 0 = not due yet on OpenSSL's clock (re-armed below),
            // negative = too many retransmissions, the handshake is abandoned.
            if (OpenSsl.SSL_ctrl(_sslPointer, OpenSsl.DtlsCtrlHandleTimeout, 0, null) < 0)
            {
                Fail("DTLS handshake timed out: " + OpenSsl.TakeErrors("too many retransmissions."));
            }

            events = FinishLocked();
        }

        RaiseStateChanged(events);
    }
}
