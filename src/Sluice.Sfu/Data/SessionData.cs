using Sluice.Rtc.Sctp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Data;

/// <summary>
/// A session's data channels: the SCTP association over its DTLS transport (RFC 8261) and the channels on it,
/// wired to the room's forwarding rules (<see cref="DataRelay"/>). Everything here runs on the receive thread
/// (packets and the heartbeat), except <see cref="Start"/> on the thread pool once the transport connects.
/// </summary>
public sealed class SessionData
{
    /// <summary>How long after the association comes up the node waits for the peer's own channels before opening the room's.</summary>
    private static readonly TimeSpan PeerOpenGrace = TimeSpan.FromMilliseconds(500);

    private readonly TimeProvider _time;
    private long _establishedAt = -1;
    private bool _synced;

    internal SessionData(SfuSession session, WebRtcTransport transport, NegotiatedData negotiated, SfuOptions options, TimeProvider time,
        Func<IConferenceSignalling?> signalling, Func<IConferenceDataRouter?> router)
    {
        Session = session;
        Negotiated = negotiated;
        _time = time;
        Endpoint = new DataChannelEndpoint(new DataChannelEndpointOptions
        {
            IsDtlsClient = !session.NodeIsDtlsServer,
            LocalPort = NegotiatedData.LocalPort,
            RemotePort = (ushort)negotiated.RemotePort,
            RemoteMaxMessageSize = negotiated.RemoteMaxMessageSize,
            LocalMaxMessageSize = NegotiatedData.LocalMaxMessageSize,
            BufferLimit = options.DataChannelBufferBytes,
            PreNegotiated = options.NegotiatedDataChannels.ToDictionary(c => c.Key, c => (c.Value, string.Empty, new DataChannelOptions())),
        }, packet => transport.SendApplicationData(packet), time)
        {
            Established = () => Volatile.Write(ref _establishedAt, _time.GetTimestamp()),
            MessageReceived = (channel, message) =>
            {
                if (IsSignalling(channel))
                {
                    signalling()?.MessageReceived(Session, channel, message);
                }
                else if (Session.Room.Kind != RoomKind.Conference || router() is not { } routed || !routed.TryRoute(Session, channel, message))
                {
                    DataRelay.OnMessage(this, channel, message);
                }
            },
            ChannelOpened = channel =>
            {
                if (IsSignalling(channel))
                {
                    signalling()?.ChannelOpened(Session, channel);
                }
                else
                {
                    DataRelay.OnChannelOpened(this, channel);
                }
            },
            ChannelClosed = channel =>
            {
                if (!IsSignalling(channel))
                {
                    DataRelay.OnChannelClosed(this, channel);
                }
            },
        };
        transport.ApplicationDataReceived = packet =>
        {
            Endpoint.Receive(packet);
            // The packet may have acknowledged data: a source this session held back may go on.
            DataRelay.OnTargetProgress(this);
            DataRelay.FlushTouched();
        };
    }

    public SfuSession Session { get; }

    public NegotiatedData Negotiated { get; }

    public DataChannelEndpoint Endpoint { get; }

    public bool IsEstablished => Endpoint.IsEstablished;

    /// <summary>The channels open now, a snapshot.</summary>
    public IReadOnlyList<DataChannel> Channels => [.. Endpoint.Channels];

    /// <summary>Once the room's channels were offered to this peer (after its own had time to arrive).</summary>
    internal bool Synced => _synced;

    /// <summary>The transport connected: a DTLS client starts the association.</summary>
    internal void Start() => Endpoint.Start();

    /// <summary>The node's heartbeat: SCTP timers, then the room's channels toward a peer that just came up.</summary>
    internal void Tick()
    {
        Endpoint.Tick();
        DataRelay.TryResume(this);
        DataRelay.FlushTouched();
        var established = Volatile.Read(ref _establishedAt);
        if (!_synced && established >= 0 && _time.GetElapsedTime(established) >= PeerOpenGrace)
        {
            _synced = true;
            DataRelay.Sync(this);
        }
    }

    /// <summary>A conference's <c>control</c> channel: signalling between the peer and the node, never relayed.</summary>
    internal bool IsSignalling(DataChannel channel) =>
        Session.Room.Kind == RoomKind.Conference && channel.Label == IConferenceSignalling.Label;

    /// <summary>The session ends: ABORT tells the peer's SCTP at once (DTLS close_notify follows).</summary>
    internal void Close() => Endpoint.Association.Abort();
}
