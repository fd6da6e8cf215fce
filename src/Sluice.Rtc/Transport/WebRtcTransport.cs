using System.Net;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Srtp;
using Sluice.Rtc.Stun;

namespace Sluice.Rtc.Transport;

/// <summary>Receives one plain RTP or RTCP packet, unprotected in place; valid only during the call.</summary>
public delegate void RtpPacketHandler(WebRtcTransport transport, Span<byte> packet);

/// <summary>
/// ICE, DTLS and SRTP for one peer, over a shared <see cref="UdpMux"/> socket (RFC 8834 §4, RFC 5764).
/// Threads: the mux's receive loop calls the Receive/Handle methods and, between datagrams, its heartbeat's
/// <see cref="Tick"/>; any thread may send or dispose. ICE state is guarded by one lock; the outbound SRTP context is used
/// under a send lock, the inbound one under a receive lock that only the receive loop contends for, so that
/// <see cref="Dispose"/> can wait out a packet in flight before it frees the keys.
/// </summary>
public sealed class WebRtcTransport : IIceHost, IDisposable
{
    private readonly UdpMux _mux;
    private readonly WebRtcTransportOptions _options;
    private readonly Lock _iceLock = new();
    private readonly Lock _sendLock = new();
    private readonly Lock _receiveLock = new();
    private readonly IceAgent _ice;
    private readonly DtlsTransport _dtls;
    private volatile SrtpSession? _srtp;
    private volatile SocketAddress? _remote;
    private TransportState _state;

    // Set by the receive thread when authenticated SRTP/SRTCP arrives from the selected address; read and
    // cleared by the heartbeat, which tells ICE. One plain store per packet, no clock read, no lock.
    private int _mediaFromSelected;
    private bool _dtlsStarted;
    private bool _disposed;

    /// <summary>DTLS role (client or server) this transport was created with.</summary>
    public DtlsRole DtlsRole => _options.DtlsRole;

    /// <summary>The certificate fingerprint the peer must present (from its SDP).</summary>
    public DtlsFingerprint RemoteFingerprint => _options.RemoteFingerprint;

    public WebRtcTransport(UdpMux mux, WebRtcTransportOptions options, TimeProvider? timeProvider = null)
    {
        _mux = mux;
        _options = options;
        var time = timeProvider ?? TimeProvider.System;
        _ice = options.IceRole == IceRole.Lite
            ? new IceLiteAgent(this, time, options.LocalIce, options.RemoteIce, options.Ice)
            : new IceControllingAgent(this, time, options.LocalIce, options.RemoteIce
                ?? throw new ArgumentException("A controlling agent needs the remote ICE parameters.", nameof(options)), options.Ice);

        var profiles = options.SrtpProfiles.ToArray();
        _dtls = new DtlsTransport(options.Certificate, options.DtlsRole, options.RemoteFingerprint, profiles, SendDtls);
        _dtls.StateChanged += OnDtlsStateChanged;
    }

    public TransportState State => _state;

    public IceState IceState => _ice.State;

    public DtlsState DtlsState => _dtls.State;

    public SrtpProfile? SrtpProfile => _dtls.SrtpProfile;

    public IceParameters LocalIce => _ice.Local;

    /// <summary>An ICE restart waits for the peer's first check with the new credentials.</summary>
    public bool IceRestartPending
    {
        get
        {
            lock (_iceLock)
            {
                return _ice.RestartPending;
            }
        }
    }

    /// <summary>The selected remote address (for logs and stats; allocates).</summary>
    public IPEndPoint? RemoteEndPoint => _remote?.ToIPEndPoint();

    public TransportStats Stats { get; } = new();

    /// <summary>The SRTP keys once DTLS has made them; for benchmarks that feed the receive path directly.</summary>
    internal SrtpSession? Srtp => _srtp;

    public string? FailureReason { get; private set; }

    /// <summary>Why the transport failed, as a value (metrics count these); <see cref="TransportFailure.None"/> until it does.</summary>
    public TransportFailure Failure { get; private set; }

    public event Action<WebRtcTransport, TransportState>? StateChanged;

    public RtpPacketHandler? RtpReceived { get; set; }

    public RtpPacketHandler? RtcpReceived { get; set; }

    /// <summary>Decrypted DTLS application data (SCTP, for data channels).</summary>
    public DatagramReceiver? ApplicationDataReceived
    {
        get => _dtls.ApplicationDataReceived;
        set => _dtls.ApplicationDataReceived = value;
    }

    /// <summary>Joins the mux; a controlling agent starts its checks, a DTLS server starts listening.</summary>
    public void Start()
    {
        _mux.Register(this, _options.LocalIce.UsernameFragment);
        SetState(TransportState.Connecting);
        if (_options.DtlsRole == DtlsRole.Server)
        {
            StartDtls();
        }

        lock (_iceLock)
        {
            (_ice as IceControllingAgent)?.Start();
        }
    }

    /// <summary>A remote candidate for a controlling agent to check (a lite agent learns addresses from checks).</summary>
    public void AddRemoteCandidate(IPEndPoint endPoint)
    {
        lock (_iceLock)
        {
            if (_ice is IceControllingAgent controlling)
            {
                controlling.AddRemoteCandidate(endPoint);

                // Responses to our checks come from the candidate's address, before any pair is valid.
                _mux.BindAddress(endPoint.Serialize(), this);
            }
        }
    }

    /// <summary>ICE restart (RFC 8445 §9); DTLS and SRTP carry on over the new pair.</summary>
    public void RestartIce(IceParameters newLocal, IceParameters? newRemote)
    {
        lock (_iceLock)
        {
            // A disposed transport must not come back onto the mux.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            _mux.Register(this, newLocal.UsernameFragment);
            _ice.Restart(newLocal, newRemote);
        }
    }

    /// <summary>
    /// Protects the RTP packet in <paramref name="buffer"/>[..<paramref name="length"/>] in place and sends it.
    /// The buffer needs room for the SRTP tag after the packet. False if not connected or not protectable.
    /// </summary>
    /// <summary>Has the receive loop serve <paramref name="sender"/> until nothing waits (<see cref="UdpMux.SchedulePacing"/>); on the receive thread.</summary>
    public void SchedulePacing(IPacedSender sender) => _mux.SchedulePacing(sender);

    public bool SendRtp(Span<byte> buffer, int length) => SendProtected(buffer, length, rtcp: false);

    /// <inheritdoc cref="SendRtp"/>
    public bool SendRtcp(Span<byte> buffer, int length) => SendProtected(buffer, length, rtcp: true);

    public bool SendApplicationData(ReadOnlySpan<byte> data) => _dtls.SendApplicationData(data);

    private bool SendProtected(Span<byte> buffer, int length, bool rtcp)
    {
        lock (_sendLock)
        {
            // Read under the lock: Dispose takes the keys away under it too.
            var srtp = _srtp;
            var remote = _remote;
            if (srtp is null || remote is null)
            {
                return false;
            }

            var result = rtcp
                ? srtp.Outbound.ProtectRtcp(buffer, length, out var protectedLength)
                : srtp.Outbound.ProtectRtp(buffer, length, out protectedLength);
            if (result != SrtpResult.Ok)
            {
                return false;
            }

            _mux.Send(buffer[..protectedLength], remote);
            if (rtcp)
            {
                Stats._rtcpSent++;
            }
            else
            {
                Stats._rtpSent++;
            }

            Stats._bytesSent += protectedLength;
        }

        return true;
    }

    internal void HandleStun(in StunMessage message, SocketAddress from)
    {
        lock (_iceLock)
        {
            _ice.HandleStun(message, from);
        }
    }

    internal void ReceiveDtls(ReadOnlySpan<byte> datagram) => _dtls.ReceiveDatagram(datagram);

    /// <summary>Unprotects SRTP or SRTCP in place (RFC 5761 demux) and hands the plain packet on.</summary>
    internal void ReceiveSrtp(Span<byte> datagram, SocketAddress from)
    {
        lock (_receiveLock)
        {
            ReceiveSrtpLocked(datagram, from);
        }
    }

    private void ReceiveSrtpLocked(Span<byte> datagram, SocketAddress from)
    {
        var srtp = _srtp;
        if (srtp is null)
        {
            Stats._droppedBeforeKeys++;
            return;
        }

        Stats._bytesReceived += datagram.Length;
        var isRtcp = RtpDemux.IsRtcp(datagram);
        var result = isRtcp
            ? srtp.Inbound.UnprotectRtcp(datagram, out var length)
            : srtp.Inbound.UnprotectRtp(datagram, out length);
        switch (result)
        {
            case SrtpResult.Ok:
                break;
            case SrtpResult.AuthenticationFailed:
                Stats._srtpAuthenticationFailures++;
                return;
            case SrtpResult.ReplayDuplicate or SrtpResult.ReplayTooOld:
                Stats._srtpReplays++;
                return;
            default:
                Stats._srtpOtherErrors++;
                return;
        }

        if (_mediaFromSelected == 0 && from.Equals(_remote))
        {
            _mediaFromSelected = 1;
        }

        if (isRtcp)
        {
            Stats._rtcpReceived++;
            RtcpReceived?.Invoke(this, datagram[..length]);
        }
        else
        {
            Stats._rtpReceived++;
            RtpReceived?.Invoke(this, datagram[..length]);
        }
    }

    internal void Tick()
    {
        lock (_iceLock)
        {
            if (Interlocked.Exchange(ref _mediaFromSelected, 0) != 0)
            {
                _ice.OnAuthenticatedMedia();
            }

            _ice.Tick();
        }

        _dtls.Tick();
    }

    void IIceHost.SendTo(ReadOnlySpan<byte> datagram, SocketAddress remote) => _mux.Send(datagram, remote);

    void IIceHost.OnValidatedAddress(SocketAddress remote)
    {
        _mux.BindAddress(remote, this);

        // Until a pair is nominated, answer DTLS on the last validated one: a browser may start its
        // handshake as soon as a check succeeds.
        _remote ??= remote.Clone();
    }

    void IIceHost.OnSelectedAddressChanged(SocketAddress remote)
    {
        _remote = remote.Clone();
        if (_options.DtlsRole == DtlsRole.Client)
        {
            StartDtls();
        }
    }

    void IIceHost.OnIceStateChanged(IceState state)
    {
        switch (state)
        {
            case IceState.Connected when _dtls.State == DtlsState.Connected:
                SetState(TransportState.Connected);
                break;
            case IceState.Disconnected:
                SetState(TransportState.Disconnected);
                break;
            case IceState.Failed:
                if (Failure == TransportFailure.None)
                {
                    (Failure, FailureReason) = _ice.SelectedAddress is null
                        ? (TransportFailure.IceNoConnectivity, "ICE: no connectivity check succeeded")
                        : (TransportFailure.IceConsentExpired, "ICE: consent expired (RFC 7675): no check or authenticated media from the peer");
                }

                SetState(TransportState.Failed);
                break;
        }
    }

    private void StartDtls()
    {
        if (_dtlsStarted)
        {
            return;
        }

        _dtlsStarted = true;
        _dtls.Start();
    }

    private void SendDtls(ReadOnlySpan<byte> datagram)
    {
        var remote = _remote;
        if (remote is not null)
        {
            _mux.Send(datagram, remote);
        }
    }

    private void OnDtlsStateChanged(DtlsTransport dtls, DtlsState state)
    {
        switch (state)
        {
            case DtlsState.Connected:
                if (!TryCreateSrtp(dtls))
                {
                    SetState(TransportState.Failed);
                    return;
                }

                if (_ice.State is IceState.Connected or IceState.Checking or IceState.New)
                {
                    SetState(TransportState.Connected);
                }

                break;
            case DtlsState.Failed:
                if (Failure == TransportFailure.None)
                {
                    (Failure, FailureReason) = (TransportFailure.Dtls, "DTLS: " + (dtls.FailureReason ?? "handshake failed"));
                }

                SetState(TransportState.Failed);
                break;
            case DtlsState.Closed:
                SetState(TransportState.Closed);
                break;
        }
    }

    private bool TryCreateSrtp(DtlsTransport dtls)
    {
        if (dtls.SrtpProfile is not { } profile)
        {
            if (!_options.RequireSrtp)
            {
                return true;
            }

            (Failure, FailureReason) = (TransportFailure.Dtls, "DTLS: the peer negotiated no SRTP protection profile we offered (use_srtp, RFC 5764 §4.1.1)");
            return false;
        }

        Span<byte> material = stackalloc byte[SrtpProfiles.KeyingMaterialLength(profile)];
        if (!dtls.TryExportSrtpKeyingMaterial(material))
        {
            (Failure, FailureReason) = (TransportFailure.Dtls, "DTLS: exporting SRTP keying material failed");
            return false;
        }

        var session = SrtpSession.FromKeyingMaterial(profile, material, isClient: dtls.Role == DtlsRole.Client);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(material);
        lock (_sendLock)
        {
            if (_disposed)
            {
                session.Dispose();
                return false;
            }

            _srtp = session;
        }

        return true;
    }

    private void SetState(TransportState state)
    {
        lock (_sendLock)
        {
            if (_state == state || _state is TransportState.Closed || (_state is TransportState.Failed && state != TransportState.Closed))
            {
                return;
            }

            _state = state;
        }

        StateChanged?.Invoke(this, state);
    }

    /// <summary>Ends the transport: close_notify to the peer, and off the mux.</summary>
    public void Dispose()
    {
        lock (_sendLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        if (_dtls.State == DtlsState.Connected)
        {
            _dtls.Close();
        }

        lock (_iceLock)
        {
            _ice.Close();
        }

        _mux.Unregister(this);
        SetState(TransportState.Closed);
        _dtls.Dispose();

        // A packet may be in flight on another thread (a fan-out over a snapshot that still holds us): take
        // the keys away under the send lock, let a receive in progress finish, and only then free them.
        SrtpSession? srtp;
        lock (_sendLock)
        {
            srtp = _srtp;
            _srtp = null;
        }

        lock (_receiveLock)
        {
            srtp?.Dispose();
        }
    }
}
