using System.Collections.Immutable;
using System.Security.Cryptography;
using Google.Protobuf;
using Sluice.LiveKit.Protocol;
using Sluice.Sfu;
using Sluice.Rtc.Sctp;
using Sluice.Sfu.Data;
using Sluice.Sfu.Forwarding;
using Sluice.Sfu.Sessions;
using Room = Sluice.LiveKit.Protocol.Room;

namespace Sluice.Server.LiveKit;

/// <summary>
/// The LiveKit view of the node's conferences: which LiveKit clients are connected to which room, and every
/// participant of a room as LiveKit describes one (<see cref="ParticipantInfo"/>), whatever protocol it joined with:
/// a LiveKit client is described from what it announced, anyone else (weever-streaming clients, the room page) from
/// the tracks its sessions publish. A room here is the conference of the same name.
/// </summary>
internal sealed partial class LiveKitRooms : IConferenceDataRouter, IHostedService, IDisposable
{
    /// <summary>The labels of LiveKit's data channels that carry <see cref="DataPacket"/>s: ordered and reliable, and unordered without retransmissions.</summary>
    public const string ReliableLabel = "_reliable";

    public const string LossyLabel = "_lossy";

    /// <summary>The room page's chat channel (JSON <c>{"from", "text"}</c>), bridged to LiveKit's data packets.</summary>
    public const string ChatLabel = "chat";

    /// <summary>How long a room the API created stays while empty, unless the request says (LiveKit's default).</summary>
    public const uint DefaultEmptyTimeout = 300;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, RoomState> _rooms = new(StringComparer.Ordinal);
    private readonly SfuNode _node;
    private readonly TimeProvider _time;

    private readonly ILogger _logger;
    private long _dataDropped;

    public LiveKitRooms(SfuNode node, TimeProvider time, ILogger<LiveKitRooms> logger)
    {
        _node = node;
        _time = time;
        _logger = logger;
        node.ConferenceData = this;
    }

    private readonly CancellationTokenSource _stopping = new();
    private Task? _expiry;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _expiry = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
            try
            {
                while (await timer.WaitForNextTickAsync(_stopping.Token))
                {
                    DeleteExpired();
                }
            }
            catch (OperationCanceledException)
            {
                // The node stops.
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_expiry is not null)
        {
            await _expiry.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>Data packets dropped: not a DataPacket, or from a participant whose token does not allow publishing data.</summary>
    public long DataDropped => Interlocked.Read(ref _dataDropped);

    /// <summary>
    /// A LiveKit participant's <see cref="DataPacket"/> on <c>_reliable</c> or <c>_lossy</c>: stamped with its sender
    /// (identity and sid, whatever the client wrote) and sent to every other LiveKit participant of the room, or to
    /// those its destination identities name, on their channel of the same label (LiveKit's clients read their
    /// publisher connection's channels too). Runs on the media receive thread.
    /// </summary>
    public bool TryRoute(SfuSession session, DataChannel channel, DataMessage message)
    {
        if (session.Participant is not { } who)
        {
            return false;
        }

        var connections = Connections(session.Room.Id.Value);
        if (channel.Label == ChatLabel)
        {
            // The room page's chat reaches LiveKit clients too; the room's relay still carries it to everyone else.
            ChatToLiveKit(connections, who, message);
            return false;
        }

        if (channel.Label is not (ReliableLabel or LossyLabel) || connections.Find(c => c.Sid == who.FullId) is not { } from)
        {
            return false;
        }

        DataPacket packet;
        try
        {
            packet = DataPacket.Parser.ParseFrom(message.Data);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            Interlocked.Increment(ref _dataDropped);
            LogDataDropped(from.Identity, from.RoomName, "not a DataPacket: " + e.Message);
            return true;
        }

        if (!from.MayPublishData)
        {
            Interlocked.Increment(ref _dataDropped);
            LogDataDropped(from.Identity, from.RoomName, "the token does not allow publishing data");
            return true;
        }

        packet.ParticipantIdentity = from.Identity;
        packet.ParticipantSid = from.Sid;
        var destinations = new HashSet<string>(packet.DestinationIdentities, StringComparer.Ordinal);
        if (packet.ValueCase == DataPacket.ValueOneofCase.User)
        {
            packet.User.ParticipantIdentity = from.Identity;
            packet.User.ParticipantSid = from.Sid;
            destinations.UnionWith(packet.User.DestinationIdentities);
        }

        var bytes = packet.ToByteArray();
        foreach (var to in connections)
        {
            if (to != from && (destinations.Count == 0 || destinations.Contains(to.Identity))
                && to.PublisherSession?.Data?.Endpoint.Find(channel.Label) is { State: DataChannelState.Open } target)
            {
                target.Send(bytes, binary: true);
            }
        }

        if (destinations.Count == 0 && channel.Label == ReliableLabel && packet.ValueCase == DataPacket.ValueOneofCase.User)
        {
            ChatFromLiveKit(session, from, packet.User.Payload);
        }

        return true;
    }

    /// <summary>
    /// A room-page chat message (<c>{"from", "text"}</c> on the <c>chat</c> channel) as LiveKit clients receive data: a
    /// reliable user packet from that participant (its identity as LiveKit clients know it), topic <c>chat</c>, the text as payload.
    /// </summary>
    private static void ChatToLiveKit(ImmutableList<LiveKitConnection> connections, Participant who, DataMessage message)
    {
        if (connections.IsEmpty || connections.Any(c => c.Sid == who.FullId))
        {
            return;
        }

        string? text;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(message.Data);
            text = json.RootElement.TryGetProperty("text", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            text = null;
        }

        if (text is null)
        {
            return;
        }

        var packet = new DataPacket
        {
            Kind = DataPacket.Types.Kind.Reliable,
            ParticipantIdentity = who.FullId,
            ParticipantSid = who.FullId,
            User = new UserPacket { ParticipantIdentity = who.FullId, ParticipantSid = who.FullId, Payload = ByteString.CopyFromUtf8(text), Topic = ChatLabel },
        };
        var bytes = packet.ToByteArray();
        foreach (var to in connections)
        {
            if (to.PublisherSession?.Data?.Endpoint.Find(ReliableLabel) is { State: DataChannelState.Open } target)
            {
                target.Send(bytes, binary: true);
            }
        }
    }

    /// <summary>
    /// A LiveKit client's reliable data to everyone, when it is text, reaches the room page's chat as
    /// <c>{"from": identity, "text"}</c> on each other participant's <c>chat</c> channel (opened toward it when missing).
    /// </summary>
    private static void ChatFromLiveKit(SfuSession session, LiveKitConnection from, ByteString payload)
    {
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload.Span);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return;
        }

        var chat = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { from = from.Identity, text });
        foreach (var subscriber in session.Room.Subscribers)
        {
            if (subscriber.Participant is { } who && who.FullId != from.Sid && subscriber.Data is { IsEstablished: true } data
                && data.Endpoint.Channels.Any(c => c.Label == ChatLabel || c.Label == Sluice.Sfu.Data.IConferenceSignalling.Label)
                && (data.Endpoint.Find(ChatLabel) ?? data.Endpoint.Open(ChatLabel, "", new DataChannelOptions())) is { } target)
            {
                target.Send(chat, binary: false);
            }
        }
    }

    /// <summary>LiveKit's ids: a prefix and 12 characters of base 62.</summary>
    public static string NewSid(string prefix)
    {
        const string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        Span<char> id = stackalloc char[12];
        for (var i = 0; i < id.Length; i++)
        {
            id[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return prefix + new string(id);
    }

    /// <summary>Adds a connected client to its room; the room's description (sid, creation time) as LiveKit gives it.</summary>
    public Room Add(LiveKitConnection connection)
    {
        lock (_lock)
        {
            var room = StateOf(connection.RoomName);

            // One connection per identity, as LiveKit: the newer one replaces the older (a reload, another device).
            foreach (var older in room.Connections.Where(c => c.Identity == connection.Identity))
            {
                older.Remove(DisconnectReason.DuplicateIdentity);
                room.Connections = room.Connections.Remove(older);
            }

            room.Connections = room.Connections.Add(connection);
            room.EmptySince = null;
            return Describe(connection.RoomName, room);
        }
    }

    public void Remove(LiveKitConnection connection)
    {
        lock (_lock)
        {
            if (_rooms.TryGetValue(connection.RoomName, out var room))
            {
                room.Connections = room.Connections.Remove(connection);
                if (room.Connections.IsEmpty && !room.CreatedByApi)
                {
                    _rooms.Remove(connection.RoomName);
                }
            }
        }
    }

    /// <summary>
    /// The room service's CreateRoom: a conference that stays while empty for its <c>empty_timeout</c> (LiveKit's
    /// default 300 s, at least 1 s); an existing room is returned as it is.
    /// </summary>
    public Room CreateRoom(string name, uint emptyTimeout, uint maxParticipants, string metadata)
    {
        lock (_lock)
        {
            var exists = _rooms.TryGetValue(name, out var room) || _node.TryGetRoom(RoomId.Conference(name), out _);
            room = StateOf(name);
            if (!exists)
            {
                room.CreatedByApi = true;
                room.EmptyTimeout = emptyTimeout == 0 ? DefaultEmptyTimeout : emptyTimeout;
                room.MaxParticipants = maxParticipants;
                room.Metadata = metadata;
                room.EmptySince = _time.GetTimestamp();
                _node.CreateRoom(RoomId.Conference(name));
            }

            return Describe(name, room);
        }
    }

    /// <summary>Every conference on the node (and rooms created by the API), or those named.</summary>
    public List<Room> ListRooms(IReadOnlyCollection<string> names)
    {
        lock (_lock)
        {
            var all = _node.Conferences.Select(r => r.Id.Value).Union(_rooms.Keys).Distinct(StringComparer.Ordinal);
            return [.. all.Where(n => names.Count == 0 || names.Contains(n)).Order(StringComparer.Ordinal).Select(n => Describe(n, StateOf(n)))];
        }
    }

    /// <summary>The room's description now; null when no such room exists.</summary>
    public Room? Find(string name)
    {
        lock (_lock)
        {
            return _rooms.ContainsKey(name) || _node.TryGetRoom(RoomId.Conference(name), out _) ? Describe(name, StateOf(name)) : null;
        }
    }

    /// <summary>Deletes a room: its LiveKit clients are told (ROOM_DELETED) and every session in it ends; false when unknown.</summary>
    public bool DeleteRoom(string name)
    {
        ImmutableList<LiveKitConnection> connections;
        lock (_lock)
        {
            var known = _rooms.Remove(name, out var room);
            connections = room?.Connections ?? [];
            known |= _node.TryGetRoom(RoomId.Conference(name), out _);
            if (!known)
            {
                return false;
            }
        }

        foreach (var connection in connections)
        {
            connection.Remove(DisconnectReason.RoomDeleted);
        }

        _node.DeleteRoom(RoomId.Conference(name));
        return true;
    }

    /// <summary>Changes the room's metadata; every LiveKit client in it gets a room update. Null when the room is unknown.</summary>
    public Room? UpdateMetadata(string name, string metadata)
    {
        Room described;
        ImmutableList<LiveKitConnection> connections;
        lock (_lock)
        {
            if (!_rooms.ContainsKey(name) && !_node.TryGetRoom(RoomId.Conference(name), out _))
            {
                return null;
            }

            var room = StateOf(name);
            room.Metadata = metadata;
            described = Describe(name, room);
            connections = room.Connections;
        }

        foreach (var connection in connections)
        {
            connection.Send(new SignalResponse { RoomUpdate = new RoomUpdate { Room = described } });
        }

        return described;
    }

    /// <summary>
    /// Sends a data packet from the server (the room service's SendData) to the room's LiveKit clients, or to those
    /// named, on their reliable or lossy channel.
    /// </summary>
    public void SendData(string roomName, DataPacket packet, IReadOnlyCollection<string> identities, IReadOnlyCollection<string> sids)
    {
        var bytes = packet.ToByteArray();
        var label = packet.Kind == DataPacket.Types.Kind.Lossy ? LossyLabel : ReliableLabel;
        foreach (var to in Connections(roomName))
        {
            if (((identities.Count == 0 && sids.Count == 0) || identities.Contains(to.Identity) || sids.Contains(to.Sid))
                && to.PublisherSession?.Data?.Endpoint.Find(label) is { State: DataChannelState.Open } target)
            {
                target.Send(bytes, binary: true);
            }
        }
    }

    /// <summary>Rooms the API created, empty for their empty_timeout, are deleted (the heartbeat calls this once a second).</summary>
    public void DeleteExpired()
    {
        var expired = new List<string>();
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            foreach (var (name, room) in _rooms)
            {
                var empty = room.Connections.IsEmpty && (!_node.TryGetRoom(RoomId.Conference(name), out var sluiceRoom) || sluiceRoom!.IsEmpty);
                if (!room.CreatedByApi || !empty)
                {
                    room.EmptySince = null;
                    continue;
                }

                room.EmptySince ??= now;
                if (_time.GetElapsedTime(room.EmptySince.Value, now) >= TimeSpan.FromSeconds(room.EmptyTimeout))
                {
                    expired.Add(name);
                }
            }
        }

        foreach (var name in expired)
        {
            DeleteRoom(name);
        }
    }

    private RoomState StateOf(string name)
    {
        if (!_rooms.TryGetValue(name, out var room))
        {
            var created = _node.TryGetRoom(RoomId.Conference(name), out var sluiceRoom) && sluiceRoom is not null ? sluiceRoom.CreatedAt : _time.GetUtcNow();
            room = new RoomState(NewSid("RM_"), created);
            _rooms[name] = room;
        }

        return room;
    }

    /// <summary>The connected LiveKit clients of a room.</summary>
    public ImmutableList<LiveKitConnection> Connections(string roomName)
    {
        lock (_lock)
        {
            return _rooms.TryGetValue(roomName, out var room) ? room.Connections : [];
        }
    }

    /// <summary>
    /// Every participant of the room (without <see cref="ParticipantInfo.Version"/>, which each client's stream of
    /// updates numbers for itself): LiveKit clients first, in the order they came, then the room's other publishers.
    /// </summary>
    public List<ParticipantInfo> Participants(string roomName)
    {
        var infos = new List<ParticipantInfo>();
        var connections = Connections(roomName);
        var published = _node.TryGetRoom(RoomId.Conference(roomName), out var room) && room is not null ? room.PublishedTracks : [];
        foreach (var connection in connections)
        {
            infos.Add(connection.Describe(published));
        }

        // Everyone else who publishes here (weever-streaming clients, the room page), one participant per full id.
        foreach (var group in published.Where(t => t.Publisher.Participant is { } p && !connections.Any(c => c.Sid == p.FullId))
                     .GroupBy(t => t.Publisher.Participant!.Value.FullId))
        {
            var first = group.First().Publisher;
            var info = new ParticipantInfo
            {
                Sid = group.Key,
                Identity = group.Key,
                Name = first.Participant!.Value.Id,
                State = ParticipantInfo.Types.State.Active,
                JoinedAt = first.CreatedAt.ToUnixTimeSeconds(),
                JoinedAtMs = first.CreatedAt.ToUnixTimeMilliseconds(),
                IsPublisher = true,
                Permission = new ParticipantPermission { CanPublish = true, CanSubscribe = true, CanPublishData = true },
            };
            var audio = 0;
            var video = 0;
            foreach (var track in group)
            {
                info.Tracks.Add(TrackInfoOf(track, track.Kind == MediaKind.Audio ? audio++ : video++));
            }

            infos.Add(info);
        }

        return infos;
    }

    /// <summary>A track published over another protocol, as LiveKit describes one: its first of a kind is the camera / microphone.</summary>
    private static TrackInfo TrackInfoOf(PublishedTrack track, int ordinal)
    {
        var video = track.Kind == MediaKind.Video;
        var info = new TrackInfo
        {
            Sid = track.Id.Value,
            Type = video ? TrackType.Video : TrackType.Audio,
            Name = video ? (ordinal == 0 ? "camera" : "screen") : "microphone",
            Source = video ? (ordinal == 0 ? TrackSource.Camera : TrackSource.ScreenShare) : TrackSource.Microphone,
            MimeType = MimeType(track),
            Mid = track.Mid,
            Simulcast = track.Encodings.Length > 1,
        };
        AddLayers(info, track);
        return info;
    }

    /// <summary>The track's codec as LiveKit names it (<c>video/VP8</c>), from what the publisher negotiated.</summary>
    public static string MimeType(PublishedTrack track) =>
        track.Codecs.Count > 0 ? (track.Kind == MediaKind.Video ? "video/" : "audio/") + Sluice.Media.MediaCodecs.SdpName(track.Codecs[0].Codec) : "";

    /// <summary>A video track's size and layers as far as the node has seen them (each encoding's last keyframe).</summary>
    public static void AddLayers(TrackInfo info, PublishedTrack track)
    {
        if (track.Kind != MediaKind.Video)
        {
            return;
        }

        var qualities = new[] { VideoQuality.Low, VideoQuality.Medium, VideoQuality.High };
        var encodings = track.Encodings;
        for (var i = 0; i < encodings.Length; i++)
        {
            var (width, height) = (encodings[i].Width, encodings[i].Height);
            if (width == 0)
            {
                continue;
            }

            info.Width = Math.Max(info.Width, (uint)width);
            info.Height = Math.Max(info.Height, (uint)height);
            if (info.Layers.All(l => l.Width != width))
            {
                info.Layers.Add(new VideoLayer
                {
                    Quality = qualities[Math.Min(i + (3 - Math.Min(encodings.Length, 3)), 2)],
                    Width = (uint)width,
                    Height = (uint)height,
                    Bitrate = (uint)Math.Min(uint.MaxValue, encodings[i].Bitrate),
                    Ssrc = encodings[i].Ssrc,
                });
            }
        }
    }

    private Room Describe(string name, RoomState room)
    {
        var published = _node.TryGetRoom(RoomId.Conference(name), out var sluiceRoom) && sluiceRoom is not null ? sluiceRoom.Publishers : [];
        var others = published.Where(p => p.Participant is { } who && !room.Connections.Any(c => c.Sid == who.FullId))
            .Select(p => p.Participant!.Value.FullId).Distinct().Count();
        return new Room
        {
            Sid = room.Sid,
            Name = name,
            EmptyTimeout = room.EmptyTimeout,
            DepartureTimeout = 20,
            MaxParticipants = room.MaxParticipants,
            Metadata = room.Metadata,
            CreationTime = room.CreatedAt.ToUnixTimeSeconds(),
            CreationTimeMs = room.CreatedAt.ToUnixTimeMilliseconds(),
            NumParticipants = (uint)(room.Connections.Count + others),
            NumPublishers = (uint)(room.Connections.Count(c => c.IsPublishing) + others),
        };
    }

    private sealed class RoomState(string sid, DateTimeOffset createdAt)
    {
        public string Sid { get; } = sid;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public ImmutableList<LiveKitConnection> Connections { get; set; } = [];

        public bool CreatedByApi { get; set; }

        public uint EmptyTimeout { get; set; } = DefaultEmptyTimeout;

        public uint MaxParticipants { get; set; }

        public string Metadata { get; set; } = "";

        public long? EmptySince { get; set; }
    }

    [LoggerMessage(1, LogLevel.Information, "LiveKit participant '{Identity}' of room '{Room}': a data packet dropped: {Reason}")]
    private partial void LogDataDropped(string identity, string room, string reason);
}
