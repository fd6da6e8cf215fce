using System.Net;
using System.Security.Cryptography;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Data;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Sessions;

/// <summary>
/// One client's WebRTC connection (one PeerConnection) to the node, in a room. What the server may see of it is
/// public; its transport is the node's own.
/// </summary>
public abstract class SfuSession : IDisposable
{
    [ThreadStatic]
    private static byte[]? t_scratch;

    private readonly TimeProvider _time;
    private readonly long _createdTimestamp;
    private int _mediaStarted;

    private protected SfuSession(Room room, WebRtcTransport transport, IceParameters remoteIce, IReadOnlyList<NegotiatedTrack> tracks, TimeProvider time)
    {
        Id = SessionId.New();
        Room = room;
        Transport = transport;
        RemoteIce = remoteIce;
        Tracks = tracks;
        CreatedAt = time.GetUtcNow();
        ETag = NewETag();
        _time = time;
        _createdTimestamp = time.GetTimestamp();
    }

    /// <summary>
    /// Raised once, on the forwarding thread, when the session's first media packet flows: for a publisher the
    /// first RTP received, for a subscriber the first RTP sent. Handlers must be quick and must not block.
    /// </summary>
    public event Action<SfuSession>? MediaStarted;

    /// <summary>From the session's creation (its WHIP/WHEP POST) to its first media packet; null until then.</summary>
    public TimeSpan? SetupTime { get; private set; }

    public SessionId Id { get; }

    public Room Room { get; }

    public abstract SessionRole Role { get; }

    /// <summary>The session's negotiated audio and video sections, in m-line order.</summary>
    public IReadOnlyList<NegotiatedTrack> Tracks { get; private protected set; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>When the transport first connected (ICE and DTLS done); null before.</summary>
    public DateTimeOffset? ConnectedAt { get; internal set; }

    /// <summary>The entity tag of the session resource (RFC 9725 §4.3.1); it changes on ICE restart.</summary>
    public string ETag { get; private set; }

    public IceParameters RemoteIce { get; private set; }

    /// <summary>Our side of the last completed negotiation (the answer we gave, or our offer once it was answered).</summary>
    internal SessionDescription LocalDescription { get; set; } = null!;

    /// <summary>Our ICE credentials now (they change on ICE restart).</summary>
    internal IceParameters LocalIce => Transport.LocalIce;

    /// <summary>The peer's certificate fingerprint, which every renegotiation must keep.</summary>
    internal DtlsFingerprint RemoteFingerprint => Transport.RemoteFingerprint;

    /// <summary>True when the node is the DTLS server of this session (the usual case: it answers setup:passive).</summary>
    internal bool NodeIsDtlsServer => Transport.DtlsRole == DtlsRole.Server;

    /// <summary>When the node is the client of another server for this session (a cascade or a cluster relay): how.</summary>
    public CascadeLink? Cascade { get; init; }

    /// <summary>A cascade's own socket and controlling transport (<see cref="Transport"/> is its transport); null for a peer's session.</summary>
    internal OutboundTransport? Outbound { get; init; }

    /// <summary>In a conference, the participant the session belongs to; null in a stream.</summary>
    public Participant? Participant { get; init; }

    /// <summary>Who created the session (the server stores a hash of the creating token), for who may PATCH and DELETE it; null without auth.</summary>
    public string? Owner { get; set; }

    /// <summary>Where the session is: connecting, connected, disconnected (no sign of the peer for a while), failed, closed.</summary>
    public TransportState State => Transport.State;

    /// <summary>The peer's selected address, once ICE has one.</summary>
    public IPEndPoint? RemoteEndPoint => Transport.RemoteEndPoint;

    /// <summary>SRTP bytes received from and sent to the peer (with SRTP overhead; for bitrates).</summary>
    public long TransportBytesReceived => Transport.Stats.BytesReceived;

    /// <inheritdoc cref="TransportBytesReceived"/>
    public long TransportBytesSent => Transport.Stats.BytesSent;

    /// <summary>Why the session ended; <see cref="SessionEndReason.None"/> while it lives.</summary>
    public SessionEndReason EndReason { get; internal set; }

    /// <summary>Forwarding, set by the node under its lock: a publisher from its creation, a subscriber once connected.</summary>
    internal bool IsActive { get; set; }

    internal WebRtcTransport Transport { get; }

    /// <summary>The session's data channels, when its offer had an <c>m=application</c> section the node accepted.</summary>
    public SessionData? Data { get; private set; }

    /// <summary>Attaches the SCTP association for an accepted data section; before the transport starts, so no INIT is missed.</summary>
    internal void AttachData(NegotiatedData negotiated, SfuOptions options, Func<IConferenceSignalling?> signalling, Func<IConferenceDataRouter?> router) =>
        Data ??= new SessionData(this, Transport, negotiated, options, _time, signalling, router);

    /// <summary>
    /// A per-receive-thread buffer for rewritten packets: the transport protects and sends synchronously,
    /// so one buffer serves every packet the thread forwards.
    /// </summary>
    internal static Span<byte> Scratch => t_scratch ??= GC.AllocateArray<byte>(2048, pinned: true);

    /// <summary>True once media has flowed: the hot path checks this bool and calls <see cref="OnMediaStarted"/> only before.</summary>
    protected bool HasMediaStarted => _mediaStarted != 0;

    /// <summary>The session's counters as the admin API and metrics show them.</summary>
    public abstract SessionCounters ReadCounters();

    /// <summary>Records the setup time and raises <see cref="MediaStarted"/>, once even if two threads race here.</summary>
    protected void OnMediaStarted()
    {
        if (Interlocked.Exchange(ref _mediaStarted, 1) != 0)
        {
            return;
        }

        SetupTime = _time.GetElapsedTime(_createdTimestamp);
        MediaStarted?.Invoke(this);
    }

    /// <summary>ICE restart with the peer's new credentials: new local ones, a new ETag.</summary>
    internal IceParameters RestartIce(IceParameters newRemote)
    {
        var local = IceParameters.Generate();
        RemoteIce = newRemote;
        Transport.RestartIce(local, newRemote);
        ETag = NewETag();
        return local;
    }

    /// <summary>Unbinds the session's tracks from everything (under the node's lock) and closes the transport.</summary>
    internal abstract void Detach();

    public void Dispose()
    {
        Data?.Close();
        Transport.Dispose();
        Outbound?.Dispose();
        GC.SuppressFinalize(this);
    }

    private static string NewETag() => "\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "\"";
}

/// <summary>A session's counters: a publisher's as the node received them, a subscriber's as the node sent them and its receiver reports told.</summary>
public readonly record struct SessionCounters(long Packets, long Bytes, long PacketsLost, long Nacks, long KeyframeRequests, long Retransmissions);

/// <summary>Why a session ended, for logs and metrics.</summary>
public enum SessionEndReason
{
    None,

    /// <summary>Its client sent DELETE.</summary>
    Deleted,

    /// <summary>An operator kicked it, or deleted its room.</summary>
    Kicked,

    /// <summary>No ICE connectivity check succeeded in time.</summary>
    IceFailed,

    /// <summary>The peer went silent: no consent check or authenticated media for the consent timeout (RFC 7675).</summary>
    ConsentExpired,

    /// <summary>The DTLS handshake failed, or produced no SRTP keys.</summary>
    DtlsFailed,

    /// <summary>The peer closed DTLS (close_notify).</summary>
    ClosedByPeer,

    /// <summary>The node shut down.</summary>
    NodeStopped,
}
