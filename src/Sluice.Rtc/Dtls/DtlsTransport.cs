using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sluice.Rtc.Srtp;
using Sluice.Rtc.Transport;

namespace Sluice.Rtc.Dtls;

/// <summary>
/// One DTLS 1.2 association (RFC 6347) for DTLS-SRTP (RFC 5764) as WebRTC uses it (RFC 8827 §6.5): the peer's
/// self-signed certificate is accepted only when it matches the SDP fingerprint, <c>use_srtp</c> picks the SRTP
/// profile, and the SRTP master keys come from the TLS exporter.
/// </summary>
/// <remarks>
/// <para>OpenSSL runs over memory BIOs: <see cref="ReceiveDatagram"/> feeds one datagram in; whatever OpenSSL
/// writes is cut into datagrams of at most <see cref="Mtu"/> bytes and handed to the <see cref="DatagramSender"/>.</para>
/// <para>Retransmission (RFC 6347 §4.2.4) has no timer of its own: the owner calls <see cref="Tick"/> on its
/// clock (the UDP mux's heartbeat, every 100 ms), and a flight whose OpenSSL timeout has passed is resent.</para>
/// <para>Threading: every public method, <see cref="Tick"/> included, takes one internal lock. The sender is
/// invoked <b>under</b> that lock (so datagrams leave in OpenSSL's order); it must not call back into this
/// transport synchronously — a socket send or a queue is fine. <see cref="StateChanged"/> and
/// <see cref="ApplicationDataReceived"/> are raised <b>outside</b> the lock, so handlers may call
/// <see cref="SendApplicationData"/> or <see cref="Close"/>. The span given to the sender and to
/// <see cref="ApplicationDataReceived"/> is only valid during the call.</para>
/// <para>Retransmission (RFC 6347 §4.2.4): OpenSSL keeps the deadline on the wall clock; the injected
/// <see cref="TimeProvider"/> schedules when we ask OpenSSL to retransmit, and if it fires early we simply
/// re-arm for the remaining time. The timeout starts at 100 ms and doubles up to 3.2 s, much faster than
/// OpenSSL's default 1 s start, because ICE has already proven the path when DTLS starts.</para>
/// <para>Unmanaged callbacks (<see cref="OnVerifyCertificate"/>, <see cref="OnTimerDuration"/>) catch every
/// exception and report failure to OpenSSL: a managed exception must never unwind through native frames.</para>
/// </remarks>
public sealed partial class DtlsTransport : IDisposable
{
    /// <summary>Largest datagram we emit: the WebRTC-wide 1200-byte UDP payload that fits any real path.</summary>
    public const int Mtu = 1200;

    private readonly Lock _lock = new();
    private readonly DtlsFingerprint _remoteFingerprint;
    private readonly DatagramSender _send;
    private readonly SslHandle _ssl;
    private readonly nint _sslPointer;
    private readonly nint _readBio;
    private readonly nint _writeBio;
    private GCHandle _self;

    private DtlsState _state;
    private int _pendingStateEvents;
    private bool _timerArmed;
    private bool _disposed;
    private bool _peerVerified;
    private string? _failureReason;
    private string? _verifyFailure;
    private SrtpProfile? _srtpProfile;
    private string? _cipherSuite;
    private long _ignoredDatagrams;

    /// <param name="certificate">Our certificate; the transport keeps its own reference to the OpenSSL context.</param>
    /// <param name="role">Client sends the ClientHello; server waits for it.</param>
    /// <param name="remoteFingerprint">The peer's <c>a=fingerprint</c>; the handshake fails on any other certificate.</param>
    /// <param name="profiles">SRTP profiles in preference order (the server's order wins); may be empty.</param>
    /// <param name="send">Sends one datagram; called under the transport's lock (see remarks).</param>
    public unsafe DtlsTransport(
        DtlsCertificate certificate,
        DtlsRole role,
        DtlsFingerprint remoteFingerprint,
        ReadOnlySpan<SrtpProfile> profiles,
        DatagramSender send)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(remoteFingerprint);
        ArgumentNullException.ThrowIfNull(send);
        if (role is not DtlsRole.Client and not DtlsRole.Server)
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, null);
        }

        byte[]? profileList = profiles.IsEmpty ? null : DtlsSrtpProfiles.BuildOpenSslList(profiles);
        Role = role;
        _remoteFingerprint = remoteFingerprint;
        _send = send;

        OpenSsl.ERR_clear_error();
        _ssl = CreateSsl(certificate.Context, out _sslPointer, out _readBio, out _writeBio);
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        try
        {
            if (OpenSsl.SSL_set_ex_data(_sslPointer, OpenSsl.SslAppDataIndex, GCHandle.ToIntPtr(_self)) != 1)
            {
                throw new InvalidOperationException(OpenSsl.TakeErrors("SSL_set_ex_data failed."));
            }

            if (profileList is not null)
            {
                fixed (byte* list = profileList)
                {
                    // Unlike nearly every other OpenSSL call, 0 means success here.
                    if (OpenSsl.SSL_set_tlsext_use_srtp(_sslPointer, list) != 0)
                    {
                        throw new InvalidOperationException(OpenSsl.TakeErrors("SSL_set_tlsext_use_srtp failed."));
                    }
                }
            }

            if (role == DtlsRole.Client)
            {
                OpenSsl.SSL_set_connect_state(_sslPointer);
            }
            else
            {
                OpenSsl.SSL_set_accept_state(_sslPointer);
            }
        }
        catch
        {
            _self.Free();
            _ssl.Dispose();
            throw;
        }

    }

    /// <summary>Raised outside the lock after each state change, in the order the states were entered.</summary>
    public event Action<DtlsTransport, DtlsState>? StateChanged;

    public DtlsRole Role { get; }

    public DtlsState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>Why the association failed (set with <see cref="DtlsState.Failed"/>), e.g. a fingerprint mismatch or an alert.</summary>
    public string? FailureReason
    {
        get
        {
            lock (_lock)
            {
                return _failureReason;
            }
        }
    }

    /// <summary>
    /// Decrypted application data, one record per call (SCTP packets for data channels, RFC 8261).
    /// Raised outside the lock; the span is only valid during the call.
    /// </summary>
    public DatagramReceiver? ApplicationDataReceived { get; set; }

    /// <summary>
    /// The profile agreed through <c>use_srtp</c> (RFC 5764 §4.1.1), or null before <see cref="DtlsState.Connected"/>
    /// or when the peers share none. With no common profile OpenSSL completes the handshake without the
    /// extension rather than failing; whether that is acceptable (data channels only) is the caller's decision.
    /// </summary>
    public SrtpProfile? SrtpProfile
    {
        get
        {
            lock (_lock)
            {
                return _srtpProfile;
            }
        }
    }

    /// <summary>Bytes <see cref="TryExportSrtpKeyingMaterial"/> writes: 60 for AES-CM, 56 for AEAD-GCM, 0 without a profile.</summary>
    public int SrtpKeyingMaterialLength
    {
        get
        {
            lock (_lock)
            {
                return _srtpProfile is { } profile ? SrtpProfiles.KeyingMaterialLength(profile) : 0;
            }
        }
    }

    /// <summary>The negotiated OpenSSL cipher suite name once connected, for diagnostics.</summary>
    public string? CipherSuite
    {
        get
        {
            lock (_lock)
            {
                return _cipherSuite;
            }
        }
    }

    /// <summary>Datagrams dropped before <see cref="Start"/>, after the association ended, or empty. Records OpenSSL discards as invalid are not counted: it does so silently.</summary>
    public long IgnoredDatagrams => Interlocked.Read(ref _ignoredDatagrams);

    /// <summary>Client: sends the ClientHello. Server: starts accepting one. Calling it again does nothing.</summary>
    public void Start()
    {
        int events;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_state != DtlsState.New)
            {
                return;
            }

            SetState(DtlsState.Connecting);
            if (Role == DtlsRole.Client)
            {
                DriveHandshake();
            }

            events = FinishLocked();
        }

        RaiseStateChanged(events);
    }

    /// <summary>
    /// Processes one datagram from the network. Never throws on bad input: OpenSSL silently discards records it
    /// cannot authenticate or parse (RFC 6347 §4.1.2.7); a fatal alert or handshake failure moves to
    /// <see cref="DtlsState.Failed"/>; a close_notify to <see cref="DtlsState.Closed"/>.
    /// </summary>
    [SkipLocalsInit]
    public void ReceiveDatagram(ReadOnlySpan<byte> datagram)
    {
        // Plaintext lands on our stack so it can be handed out after the lock is released.
        Span<byte> plaintext = stackalloc byte[MaxPlaintextLength];
        int read;
        int events;
        lock (_lock)
        {
            if (_disposed || datagram.IsEmpty || _state is not (DtlsState.Connecting or DtlsState.Connected))
            {
                _ignoredDatagrams++;
                return;
            }

            if (!WriteToReadBio(datagram))
            {
                _ignoredDatagrams++;
                return;
            }

            if (_state == DtlsState.Connecting)
            {
                DriveHandshake();
            }

            read = _state == DtlsState.Connected ? ReadRecord(plaintext) : 0;
            events = FinishLocked();
        }

        RaiseStateChanged(events);
        while (read > 0)
        {
            ApplicationDataReceived?.Invoke(plaintext[..read]);
            lock (_lock)
            {
                // The handler may have led to Dispose (the session ended): the SSL and its BIOs are freed then.
                if (_disposed)
                {
                    return;
                }

                read = _state == DtlsState.Connected ? ReadRecord(plaintext) : 0;
                events = FinishLocked();
            }

            RaiseStateChanged(events);
        }
    }

    /// <summary>
    /// Encrypts <paramref name="data"/> as one application-data record and sends it. Returns false when not
    /// connected, when <paramref name="data"/> is empty, or when OpenSSL refuses the write (e.g. larger than a record).
    /// </summary>
    public unsafe bool SendApplicationData(ReadOnlySpan<byte> data)
    {
        int events;
        bool sent;
        lock (_lock)
        {
            if (_disposed || _state != DtlsState.Connected || data.IsEmpty || data.Length > MaxPlaintextLength)
            {
                return false;
            }

            OpenSsl.ERR_clear_error();
            int written;
            fixed (byte* pointer = data)
            {
                written = OpenSsl.SSL_write(_sslPointer, pointer, data.Length);
            }

            sent = written == data.Length;
            if (!sent)
            {
                HandleSslError(written, "SSL_write failed.");
            }

            events = FinishLocked();
        }

        RaiseStateChanged(events);
        return sent;
    }

    /// <summary>
    /// Derives the SRTP master keys and salts (RFC 5764 §4.2) with the TLS exporter, label
    /// "EXTRACTOR-dtls_srtp" and no context. Writes <see cref="SrtpKeyingMaterialLength"/> bytes to the start of
    /// <paramref name="destination"/>; false if not connected, no profile was agreed, or the span is too short.
    /// </summary>
    public unsafe bool TryExportSrtpKeyingMaterial(Span<byte> destination)
    {
        lock (_lock)
        {
            if (_disposed || _state != DtlsState.Connected || _srtpProfile is not { } profile)
            {
                return false;
            }

            int length = SrtpProfiles.KeyingMaterialLength(profile);
            if (destination.Length < length)
            {
                return false;
            }

            ReadOnlySpan<byte> label = "EXTRACTOR-dtls_srtp"u8;
            OpenSsl.ERR_clear_error();
            fixed (byte* output = destination)
            fixed (byte* labelPointer = label)
            {
                return OpenSsl.SSL_export_keying_material(
                    _sslPointer, output, (nuint)length, labelPointer, (nuint)label.Length, null, 0, 0) == 1;
            }
        }
    }

    /// <summary>Sends close_notify (RFC 5246 §7.2.1) if connected, then moves to <see cref="DtlsState.Closed"/>.</summary>
    public void Close()
    {
        int events;
        lock (_lock)
        {
            if (_disposed || _state is DtlsState.Failed or DtlsState.Closed)
            {
                return;
            }

            if (_state == DtlsState.Connected)
            {
                OpenSsl.ERR_clear_error();
                // 0 only means the peer's close_notify has not arrived yet; we don't wait for it (RFC 5246 §7.2.1).
                _ = OpenSsl.SSL_shutdown(_sslPointer);
                OpenSsl.ERR_clear_error();
            }

            SetState(DtlsState.Closed);
            events = FinishLocked();
        }

        RaiseStateChanged(events);
    }

    /// <summary>Frees the OpenSSL state without sending close_notify (call <see cref="Close"/> first for a clean end).</summary>
    public void Dispose()
    {
        int events;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (_state is not (DtlsState.Failed or DtlsState.Closed))
            {
                SetState(DtlsState.Closed);
            }

            _disposed = true;
            _ssl.Dispose();
            _self.Free();
            events = TakeStateEvents();
        }

        RaiseStateChanged(events);
    }

    private void SetState(DtlsState state)
    {
        _state = state;
        _pendingStateEvents |= 1 << (int)state;
    }

    private int TakeStateEvents()
    {
        int events = _pendingStateEvents;
        _pendingStateEvents = 0;
        return events;
    }

    /// <summary>
    /// States only move forward (New, Connecting, Connected, then one of Failed/Closed), so raising the
    /// collected bits in enum order reproduces the order they were entered without a queue.
    /// </summary>
    private void RaiseStateChanged(int events)
    {
        if (events == 0 || StateChanged is not { } handler)
        {
            return;
        }

        for (var state = DtlsState.Connecting; state <= DtlsState.Closed; state++)
        {
            if ((events & (1 << (int)state)) != 0)
            {
                handler(this, state);
            }
        }
    }
}
