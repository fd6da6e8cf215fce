using System.Collections.Immutable;
using System.Net.WebSockets;
using System.Threading.Channels;
using Google.Protobuf;
using Sluice.LiveKit;
using Sluice.LiveKit.Protocol;
using Sluice.Sfu;
using Sluice.Sfu.Forwarding;
using Room = Sluice.LiveKit.Protocol.Room;
using Sluice.Sfu.Sessions;

namespace Sluice.Server.LiveKit;

/// <summary>
/// One LiveKit client's signalling WebSocket (<c>/rtc</c>: a publisher and a subscriber peer connection). Every
/// message is one protobuf <see cref="SignalRequest"/> / <see cref="SignalResponse"/> (binary frames; a client that
/// sends text frames, protobuf's JSON form, is answered in JSON). The client's publisher offers make its publisher
/// session of the conference; the node offers the subscriber connection the others' tracks once they are announced
/// to the client and carry media. Everything one client does runs on one loop: the socket's messages and a tick
/// (<see cref="TickInterval"/>) that sends participant updates and offers.
/// </summary>
internal sealed partial class LiveKitConnection
{
    /// <summary>What LiveKit's clients are told to expect: a ping every 5 s, the connection dead after 15 s without.</summary>
    public const int PingInterval = 5;

    public const int PingTimeout = 15;

    /// <summary>The LiveKit server version whose protocol Sluice speaks (clients enable features by it).</summary>
    public const string ProtocolServerVersion = "1.9.0";

    /// <summary>The largest signalling message taken; larger ones close the socket (1009, message too big).</summary>
    public const int MaxMessageBytes = 256 * 1024;

    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);
    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private readonly WebSocket _socket;
    private readonly AccessClaims _claims;
    private readonly LiveKitRooms _rooms;
    private readonly SfuNode _node;
    private readonly ISfu _sfu;
    private readonly IReadOnlyList<IceServer> _iceServers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    // The loop's work: the client's requests, and actions posted by the room service (run on the loop, in order).
    private readonly Channel<object> _inbox = Channel.CreateBounded<object>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    // The loop's own state.
    // What this client was last told of each participant (by sid), and who that is.
    private readonly Dictionary<string, (ByteString Content, string Identity)> _sent = new(StringComparer.Ordinal);
    private uint _version;
    private bool _json;
    private SessionId? _publisher;
    private SubscriberSession? _subscriber;
    private SubscriberOffer? _firstOffer;
    private uint _offerId;
    private uint _offerInFlight;
    private long _offerSentAt;
    private long _lastHeardAt;

    // The sids of this participant's tracks that its publisher session carried at the last offer.
    private readonly HashSet<string> _published = new(StringComparer.Ordinal);

    // The kind of each track announced by add-track, by cid, and the cid each sending section was matched to, by mid.
    private readonly Dictionary<string, TrackType> _cids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _cidOfMid = new(StringComparer.Ordinal);

    // What the client asked of the tracks it receives, by track sid: unsubscribed ones, and per-track settings.
    private readonly HashSet<string> _unsubscribed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _subscribed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UpdateTrackSettings> _settings = new(StringComparer.Ordinal);

    // The last dynacast update sent for each of this publisher's tracks.
    private readonly Dictionary<string, SubscribedQualityUpdate> _dynacast = new(StringComparer.Ordinal);

    // What was last applied to each subscription, so that only a change is (other APIs may set them too).
    private readonly Dictionary<Subscription, (bool Enabled, int? Pinned)> _applied = [];
    private volatile ImmutableDictionary<string, TrackInfo> _tracks = ImmutableDictionary<string, TrackInfo>.Empty;

    public LiveKitConnection(WebSocket socket, AccessClaims claims, bool autoSubscribe, LiveKitRooms rooms, SfuNode node, ISfu sfu,
        IReadOnlyList<IceServer> iceServers, TimeProvider time, ILogger logger, JoinRequest? singlePeerJoin = null)
    {
        _singlePeerJoin = singlePeerJoin;
        _socket = socket;
        _claims = claims;
        _rooms = rooms;
        _node = node;
        _sfu = sfu;
        _iceServers = iceServers;
        _time = time;
        _logger = logger;
        AutoSubscribe = autoSubscribe;
        Name = claims.Name ?? "";
        Metadata = claims.Metadata ?? "";
        Attributes = claims.Attributes.ToImmutableDictionary(StringComparer.Ordinal);
        Sid = LiveKitRooms.NewSid("PA_");
        JoinedAt = time.GetUtcNow();
    }

    /// <summary>The participant's sid (<c>PA_…</c>): also its full id in the conference, so the msid of its tracks names it.</summary>
    public string Sid { get; }

    public string Identity => _claims.Identity;

    public string RoomName => _claims.Video.Room!;

    public DateTimeOffset JoinedAt { get; }

    public bool AutoSubscribe { get; private set; }

    public Participant Participant => new(Identity, Sid);

    /// <summary>The participant's name, metadata and attributes: the token's, until the room service changes them.</summary>
    public string Name { get; private set; } = "";

    public string Metadata { get; private set; } = "";

    private ImmutableDictionary<string, string> Attributes { get; set; } = ImmutableDictionary<string, string>.Empty;

    public bool MayPublishData => _claims.Video.MayPublishData;

    /// <summary>Whether the participant announced a track.</summary>
    public bool IsPublishing => !_tracks.IsEmpty;

    /// <summary>The participant's publisher session (its data channels are there), once its first offer was answered.</summary>
    public SfuSession? PublisherSession { get; private set; }

    private RoomId Room => RoomId.Conference(RoomName);

    /// <summary>This participant as the others see it: what it announced, with what the node knows of each track.</summary>
    public ParticipantInfo Describe(ImmutableArray<PublishedTrack> published)
    {
        var info = new ParticipantInfo
        {
            Sid = Sid,
            Identity = Identity,
            Name = Name,
            Metadata = Metadata,
            State = ParticipantInfo.Types.State.Active,
            JoinedAt = JoinedAt.ToUnixTimeSeconds(),
            JoinedAtMs = JoinedAt.ToUnixTimeMilliseconds(),
            Permission = Permission(_claims.Video),
        };
        foreach (var (key, value) in Attributes)
        {
            info.Attributes[key] = value;
        }
        foreach (var track in _tracks.Values.OrderBy(t => t.Sid, StringComparer.Ordinal))
        {
            var described = track.Clone();
            if (published.FirstOrDefault(p => p.Id.Value == track.Sid) is { } live)
            {
                described.MimeType = LiveKitRooms.MimeType(live);
                described.Mid = live.Mid;
                LiveKitRooms.AddLayers(described, live);
                if (described.Layers.Count == 0)
                {
                    described.Layers.Add(track.Layers);
                }
            }

            info.Tracks.Add(described);
        }

        info.IsPublisher = info.Tracks.Count > 0;
        return info;
    }

    /// <summary>Drops the signalling connection without a word, as a network failure would (tests).</summary>
    internal void Abort() => _socket.Abort();

    /// <summary>Runs <paramref name="action"/> on the connection's loop (false from it ends the connection); false when the loop is full or gone.</summary>
    public bool Post(Func<CancellationToken, Task<bool>> action) => _inbox.Writer.TryWrite(action);

    /// <summary>The server ends the participant's connection (room service, room deleted): a leave with the reason, then close.</summary>
    public bool Remove(DisconnectReason reason) => Post(async cancellationToken =>
    {
        await SendAsync(new SignalResponse { Leave = new LeaveRequest { Reason = reason, Action = LeaveRequest.Types.Action.Disconnect } }, cancellationToken);
        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason.ToString(), cancellationToken);
        return false;
    });

    /// <summary>The room service mutes or unmutes one of the participant's tracks: the client is told, the others see it.</summary>
    public TrackInfo? MuteTrack(string trackSid, bool muted)
    {
        if (!_tracks.TryGetValue(trackSid, out var track))
        {
            return null;
        }

        var changed = track.Clone();
        changed.Muted = muted;
        _tracks = _tracks.SetItem(trackSid, changed);
        Post(async cancellationToken =>
        {
            await SendAsync(new SignalResponse { Mute = new MuteTrackRequest { Sid = trackSid, Muted = muted } }, cancellationToken);
            return true;
        });
        return changed;
    }

    /// <summary>The room service changes the participant's name, metadata or attributes (null: unchanged; an empty attribute value removes it).</summary>
    public void Update(string? name, string? metadata, IReadOnlyDictionary<string, string> attributes)
    {
        Name = name ?? Name;
        Metadata = metadata ?? Metadata;
        var merged = Attributes;
        foreach (var (key, value) in attributes)
        {
            merged = value.Length == 0 ? merged.Remove(key) : merged.SetItem(key, value);
        }

        Attributes = merged;
    }

    /// <summary>The room service subscribes the participant to tracks or unsubscribes it.</summary>
    public void UpdateSubscription(UpdateSubscription update) => Post(_ =>
    {
        OnUpdateSubscription(update);
        return Task.FromResult(true);
    });

    /// <summary>Sends a message to the client from the loop (room updates, the room service's data).</summary>
    public void Send(SignalResponse response) => Post(async cancellationToken =>
    {
        await SendAsync(response, cancellationToken);
        return true;
    });

    /// <summary>Runs the connection until the socket closes or the client leaves; its sessions end with it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var room = _rooms.Add(this);
        _lastHeardAt = _time.GetTimestamp();
        try
        {
            await SendAsync(new SignalResponse { Join = JoinResponse(room) }, cancellationToken);
            if (_singlePeerJoin is { } join)
            {
                await OnJoinRequestAsync(join, cancellationToken);
            }

            var receiving = ReceiveAsync(cancellationToken);
            using var ticker = new PeriodicTimer(TickInterval, _time);
            var tick = ticker.WaitForNextTickAsync(cancellationToken).AsTask();
            var message = _inbox.Reader.WaitToReadAsync(cancellationToken).AsTask();
            while (true)
            {
                await Task.WhenAny(tick, message, receiving);
                if (receiving.IsCompleted)
                {
                    break;
                }

                if (message.IsCompleted)
                {
                    if (!await message)
                    {
                        break;
                    }

                    while (_inbox.Reader.TryRead(out var work))
                    {
                        if (work is Func<CancellationToken, Task<bool>> action)
                        {
                            if (!await action(cancellationToken))
                            {
                                return;
                            }

                            continue;
                        }

                        _lastHeardAt = _time.GetTimestamp();
                        if (!await HandleAsync((SignalRequest)work, cancellationToken))
                        {
                            return;
                        }
                    }

                    message = _inbox.Reader.WaitToReadAsync(cancellationToken).AsTask();
                }

                if (tick.IsCompleted)
                {
                    if (_time.GetElapsedTime(_lastHeardAt) > TimeSpan.FromSeconds(PingTimeout))
                    {
                        // LiveKit's clients ping every PingInterval: silence this long is a client gone without a word.
                        LogRefused(Identity, RoomName, "connection", $"nothing heard for {PingTimeout} s; closed");
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "ping timeout", cancellationToken);
                        break;
                    }

                    await TickAsync(cancellationToken);
                    tick = ticker.WaitForNextTickAsync(cancellationToken).AsTask();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client went away, or the node stops.
        }
        finally
        {
            _rooms.Remove(this);
            await EndSessionsAsync();
        }
    }

    private JoinResponse JoinResponse(Room room)
    {
        var response = new JoinResponse
        {
            Room = room,
            Participant = Describe([]),
            ServerVersion = ProtocolServerVersion,
            ServerInfo = new ServerInfo
            {
                Edition = ServerInfo.Types.Edition.Standard,
                Version = ProtocolServerVersion,
                Protocol = 16,
                NodeId = "sluice",
                DebugInfo = "Sluice " + typeof(LiveKitConnection).Assembly.GetName().Version?.ToString(3),
            },

            // The client opens its publisher connection at once (its data channels live there); the node offers the
            // subscriber connection when there is something to receive.
            SubscriberPrimary = false,
            PingInterval = PingInterval,
            PingTimeout = PingTimeout,
        };
        foreach (var server in _iceServers)
        {
            var ice = new ICEServer { Username = server.Username ?? "", Credential = server.Credential ?? "" };
            ice.Urls.Add(server.Urls.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            response.IceServers.Add(ice);
        }

        _sent[Sid] = (Content(response.Participant), Identity);
        foreach (var other in _rooms.Participants(RoomName))
        {
            if (other.Sid != Sid)
            {
                other.Version = ++_version;
                _sent[other.Sid] = (Content(other), other.Identity);
                response.OtherParticipants.Add(other);
            }
        }

        return response;
    }

    private static ParticipantPermission Permission(VideoGrant grant)
    {
        var permission = new ParticipantPermission
        {
            CanPublish = grant.MayPublish,
            CanSubscribe = grant.MaySubscribe,
            CanPublishData = grant.MayPublishData,
            Hidden = grant.Hidden,
            CanUpdateMetadata = grant.CanUpdateOwnMetadata,
        };
        foreach (var source in grant.CanPublishSources ?? [])
        {
            if (SourceOf(source) is { } known)
            {
                permission.CanPublishSources.Add(known);
            }
        }

        return permission;
    }

    private static TrackSource? SourceOf(string name) => name switch
    {
        "camera" => TrackSource.Camera,
        "microphone" => TrackSource.Microphone,
        "screen_share" => TrackSource.ScreenShare,
        "screen_share_audio" => TrackSource.ScreenShareAudio,
        _ => null,
    };

    /// <summary>Reads the socket into the inbox until it closes; a message that is not a <see cref="SignalRequest"/> is logged and skipped.</summary>
    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxMessageBytes];
        while (_socket.State == WebSocketState.Open)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                if (length == buffer.Length)
                {
                    LogTooLarge(Identity, RoomName, MaxMessageBytes);
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, $"signalling messages are at most {MaxMessageBytes} bytes", cancellationToken);
                    return;
                }

                result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            SignalRequest request;
            try
            {
                if (result.MessageType == WebSocketMessageType.Text)
                {
                    _json = true;
                    request = Json.Parse<SignalRequest>(System.Text.Encoding.UTF8.GetString(buffer, 0, length));
                }
                else
                {
                    request = SignalRequest.Parser.ParseFrom(buffer, 0, length);
                }
            }
            catch (InvalidProtocolBufferException e)
            {
                LogBadMessage(Identity, RoomName, e.Message);
                continue;
            }
            catch (InvalidJsonException e)
            {
                LogBadMessage(Identity, RoomName, e.Message);
                continue;
            }

            if (!_inbox.Writer.TryWrite(request))
            {
                LogBadMessage(Identity, RoomName, "too many messages waiting; dropped");
            }
        }
    }

    /// <summary>One request from the client; false when the connection ends (the client left).</summary>
    private async Task<bool> HandleAsync(SignalRequest request, CancellationToken cancellationToken)
    {
        switch (request.MessageCase)
        {
            case SignalRequest.MessageOneofCase.Offer when SinglePeerConnection:
                await OnDuplexOfferAsync(request.Offer, cancellationToken);
                break;
            case SignalRequest.MessageOneofCase.Offer:
                await OnPublisherOfferAsync(request.Offer, cancellationToken);
                break;
            case SignalRequest.MessageOneofCase.Answer:
                OnSubscriberAnswer(request.Answer);
                break;
            case SignalRequest.MessageOneofCase.AddTrack:
                await OnAddTrackAsync(request.AddTrack, cancellationToken);
                break;
            case SignalRequest.MessageOneofCase.Mute:
                OnMute(request.Mute);
                break;
            case SignalRequest.MessageOneofCase.Subscription:
                OnUpdateSubscription(request.Subscription);
                break;
            case SignalRequest.MessageOneofCase.TrackSetting:
                foreach (var sid in request.TrackSetting.TrackSids)
                {
                    _settings[sid] = request.TrackSetting;
                }

                ApplySettings();
                break;
            case SignalRequest.MessageOneofCase.Ping:
                await SendAsync(new SignalResponse { Pong = request.Ping }, cancellationToken);
                break;
            case SignalRequest.MessageOneofCase.PingReq:
                await SendAsync(new SignalResponse
                {
                    PongResp = new Pong { LastPingTimestamp = request.PingReq.Timestamp, Timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds() },
                }, cancellationToken);
                break;
            case SignalRequest.MessageOneofCase.UpdateMetadata:
                var metadata = request.UpdateMetadata;
                if (_claims.Video.CanUpdateOwnMetadata)
                {
                    Update(metadata.Name.Length > 0 ? metadata.Name : null, metadata.Metadata, metadata.Attributes);
                }
                else
                {
                    await SendAsync(new SignalResponse
                    {
                        RequestResponse = new RequestResponse
                        {
                            RequestId = metadata.RequestId,
                            Reason = RequestResponse.Types.Reason.NotAllowed,
                            Message = "the token does not allow updating one's own metadata (canUpdateOwnMetadata)",
                        },
                    }, cancellationToken);
                }

                break;
            case SignalRequest.MessageOneofCase.Leave:
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "left", cancellationToken);
                return false;
            default:
                // Trickled candidates need nothing (the node is ICE-lite: it learns the client's address from its
                // checks); other requests are not acted on yet.
                break;
        }

        return true;
    }

    private async Task OnPublisherOfferAsync(SessionDescription offer, CancellationToken cancellationToken)
    {
        if (!_claims.Video.MayPublish && (offer.Sdp.Contains("m=audio", StringComparison.Ordinal) || offer.Sdp.Contains("m=video", StringComparison.Ordinal)))
        {
            LogRefused(Identity, RoomName, "publisher offer", "it sends media and the token does not allow publishing");
            return;
        }

        var sdp = Sluice.Rtc.Sdp.SessionDescription.TryParse(offer.Sdp, out var parsed, out _) && parsed is not null && MatchTracks(parsed) ? parsed.ToString() : offer.Sdp;
        var result = _publisher is { } session
            ? await _sfu.RenegotiateAsync(Room, session, sdp, ifMatch: null, cancellationToken)
            : await _sfu.JoinAsync(Room, SessionRole.Publisher, Participant, sdp, owner: null, cancellationToken);
        if (result.Error is { } error)
        {
            LogRefused(Identity, RoomName, "publisher offer", error.Message);
            return;
        }

        _publisher = result.Value!.Session.Id;
        PublisherSession = result.Value.Session;
        await SendAsync(new SignalResponse { Answer = new SessionDescription { Type = "answer", Sdp = result.Value.Sdp, Id = offer.Id } }, cancellationToken);
        await PublishedNowAsync(result.Value.Session as PublisherSession, cancellationToken);
    }

    /// <summary>
    /// Names each section the client sends on by the add-track request it answers: its msid track id is the request's
    /// cid (the track sid given out was made from it) where they agree, as with Chromium; Firefox's SDK offers its
    /// tracks under other msids, so such a section takes the first cid of its kind no section has taken, and keeps
    /// it in later offers (by mid). True when the offer's msids were changed.
    /// </summary>
    private bool MatchTracks(Sluice.Rtc.Sdp.SessionDescription offer)
    {
        var sending = offer.Media.Where(m => m.IsLive && m.Kind is "audio" or "video" && m.Mid is not null && m.Msid is not null
            && m.Direction is Sluice.Rtc.Sdp.MediaDirection.SendOnly or Sluice.Rtc.Sdp.MediaDirection.SendRecv).ToList();
        foreach (var section in sending.Where(m => m.Msid!.TrackId is { } id && _cids.ContainsKey(id)))
        {
            _cidOfMid[section.Mid!] = section.Msid!.TrackId!;
        }

        var changed = false;
        foreach (var section in sending.Where(m => m.Msid!.TrackId is not { } id || !_cids.ContainsKey(id)))
        {
            var type = section.Kind == "audio" ? TrackType.Audio : TrackType.Video;
            var taken = _cidOfMid.Where(p => p.Key != section.Mid).Select(p => p.Value).ToHashSet(StringComparer.Ordinal);
            var cid = _cidOfMid.GetValueOrDefault(section.Mid!) ?? _cids.FirstOrDefault(c => c.Value == type && !taken.Contains(c.Key)).Key;
            if (cid is null)
            {
                continue;
            }

            _cidOfMid[section.Mid!] = cid;
            section.Msid = section.Msid! with { TrackId = cid };
            changed = true;
        }

        return changed;
    }

    /// <summary>After a publisher offer was answered: a track whose section the offer stopped is unpublished; the client is told, the others no longer see it.</summary>
    private async Task PublishedNowAsync(PublisherSession? publisher, CancellationToken cancellationToken)
    {
        var live = publisher?.PublishedTracks.Select(t => t.Id.Value).ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var gone in _published.Where(sid => !live.Contains(sid)).ToList())
        {
            _published.Remove(gone);
            _tracks = _tracks.Remove(gone);
            await SendAsync(new SignalResponse { TrackUnpublished = new TrackUnpublishedResponse { TrackSid = gone } }, cancellationToken);
        }

        _published.UnionWith(live);
    }

    private async Task OnAddTrackAsync(AddTrackRequest request, CancellationToken cancellationToken)
    {
        if (!_claims.Video.MayPublish)
        {
            LogRefused(Identity, RoomName, "add_track", "the token does not allow publishing");
            return;
        }

        var info = new TrackInfo
        {
            Sid = TrackId.For(Sid, request.Cid).Value,
            Type = request.Type,
            Name = request.Name,
            Muted = request.Muted,
            Width = request.Width,
            Height = request.Height,
            Source = request.Source,
            DisableDtx = request.DisableDtx,
            Stereo = request.Stereo,
            DisableRed = request.DisableRed,
            Encryption = request.Encryption,
            Stream = request.Stream,
            Simulcast = request.Layers.Count > 1,
            BackupCodecPolicy = request.BackupCodecPolicy,
        };
        info.Layers.Add(request.Layers);
        info.AudioFeatures.Add(request.AudioFeatures);
        _tracks = _tracks.SetItem(info.Sid, info);
        _cids[request.Cid] = request.Type;
        await SendAsync(new SignalResponse { TrackPublished = new TrackPublishedResponse { Cid = request.Cid, Track = info } }, cancellationToken);
    }

    private void OnMute(MuteTrackRequest request)
    {
        if (_tracks.TryGetValue(request.Sid, out var track))
        {
            var muted = track.Clone();
            muted.Muted = request.Muted;
            _tracks = _tracks.SetItem(request.Sid, muted);
        }
    }

    private void OnUpdateSubscription(UpdateSubscription update)
    {
        foreach (var sid in update.TrackSids.Concat(update.ParticipantTracks.SelectMany(p => p.TrackSids)))
        {
            if (update.Subscribe)
            {
                _unsubscribed.Remove(sid);
                _subscribed.Add(sid);
            }
            else
            {
                _unsubscribed.Add(sid);
                _subscribed.Remove(sid);
            }
        }

        ApplySettings();
    }

    /// <summary>
    /// The client's choices on the sections that receive each track: an unsubscribed or disabled track is not sent
    /// (its section stays, and a video track resumes at a keyframe); a video track's quality or size picks the
    /// simulcast encoding (LOW the smallest, MEDIUM the middle one, a size the smallest at least that wide; HIGH, or
    /// a size the largest serves, leaves the choice to the node's bandwidth allocation).
    /// </summary>
    private void ApplySettings()
    {
        var subscriptions = _subscriber?.Subscriptions ?? [];
        foreach (var gone in _applied.Keys.Where(s => !subscriptions.Contains(s)).ToList())
        {
            _applied.Remove(gone);
        }

        foreach (var subscription in subscriptions)
        {
            if (subscription.Wanted is not { } id)
            {
                continue;
            }

            var settings = _settings.GetValueOrDefault(id.Value);
            var enabled = !_unsubscribed.Contains(id.Value) && settings?.Disabled != true;
            var pinned = subscription.Kind == MediaKind.Video && settings is not null && subscription.Source is { Encodings.Length: > 1 } track
                ? EncodingFor(track, settings)
                : null;
            var applied = _applied.TryGetValue(subscription, out var last) ? last : (Enabled: true, Pinned: null);
            if (applied != (enabled, pinned))
            {
                subscription.SetEnabled(enabled);
                subscription.Pin(pinned);
                _applied[subscription] = (enabled, pinned);
            }
        }
    }

    /// <summary>
    /// Dynacast: tells this publisher which simulcast layers of each video track anyone receives, so its SDK (with
    /// <c>dynacast</c> on) pauses the others. A layer is wanted up to the highest any subscriber may get: a subscription
    /// pinned to an encoding (the layer API, a LiveKit client's quality) wants that one, any other (the bandwidth
    /// allocation chooses, a relay) the top one; the lowest layer stays on with nobody watching, for whoever comes.
    /// </summary>
    private async Task DynacastAsync(CancellationToken cancellationToken)
    {
        if (PublisherSession is not PublisherSession publisher)
        {
            return;
        }

        foreach (var track in publisher.PublishedTracks)
        {
            if (track.Kind != MediaKind.Video || track.Encodings.Length < 2 || !_tracks.ContainsKey(track.Id.Value))
            {
                continue;
            }

            var ordered = track.Encodings.ToList();
            ordered.Sort((a, b) => Quality(a).CompareTo(Quality(b)));
            var wanted = 0;
            foreach (var sink in track.Sinks)
            {
                if (sink is Subscription { Enabled: true } subscription)
                {
                    wanted = Math.Max(wanted, subscription.PinnedEncoding is { } pinned ? ordered.FindIndex(e => e.Index == pinned) : ordered.Count - 1);
                }
            }

            // The qualities per codec (what LiveKit's JS client reads: its codec's name in lower case), and alone (older clients).
            var update = new SubscribedQualityUpdate { TrackSid = track.Id.Value };
            var codec = new SubscribedCodec { Codec = track.Codecs.Count > 0 ? Sluice.Media.MediaCodecs.SdpName(track.Codecs[0].Codec).ToLowerInvariant() : "" };
            for (var i = 0; i < ordered.Count; i++)
            {
                update.SubscribedQualities.Add(new SubscribedQuality { Quality = Quality(ordered[i]), Enabled = i <= wanted });
                codec.Qualities.Add(new SubscribedQuality { Quality = Quality(ordered[i]), Enabled = i <= wanted });
            }

            update.SubscribedCodecs.Add(codec);

            if (!_dynacast.TryGetValue(track.Id.Value, out var last) || !last.Equals(update))
            {
                _dynacast[track.Id.Value] = update;
                await SendAsync(new SignalResponse { SubscribedQualityUpdate = update }, cancellationToken);
            }
        }
    }

    /// <summary>An encoding's quality as LiveKit's clients name their simulcast layers (rid q, h, f), else by its place.</summary>
    private static VideoQuality Quality(TrackEncoding encoding) => encoding.Rid switch
    {
        "q" => VideoQuality.Low,
        "h" => VideoQuality.Medium,
        "f" => VideoQuality.High,
        _ => (VideoQuality)Math.Min(encoding.Index, (int)VideoQuality.High),
    };

    private static int? EncodingFor(PublishedTrack track, UpdateTrackSettings settings)
    {
        // Every encoding seen (by its last keyframe's size, or flowing now): one the publisher paused (dynacast) still counts.
        var ordered = track.Encodings.Where(e => e.Width > 0 || e.Bitrate > 0).ToList();
        if (ordered.Count == 0)
        {
            return null;
        }

        ordered.Sort((a, b) => a.CompareLayer(b));
        var chosen = settings.Width > 0
            ? ordered.FirstOrDefault(e => e.Width >= settings.Width) ?? ordered[^1]
            : settings.Quality switch
            {
                VideoQuality.Low => ordered[0],
                VideoQuality.Medium => ordered[ordered.Count / 2],
                _ => ordered[^1],
            };
        return chosen == ordered[^1] ? null : chosen.Index;
    }

    private void OnSubscriberAnswer(SessionDescription answer)
    {
        if (_offerInFlight == 0 || answer.Id != _offerInFlight)
        {
            LogRefused(Identity, RoomName, "subscriber answer", $"it answers offer {answer.Id}, the offer waiting is {_offerInFlight}");
            return;
        }

        if (_firstOffer is { } first)
        {
            var made = _node.AcceptSubscriberAnswer(first, answer.Sdp);
            if (made.Error is { } refused)
            {
                LogRefused(Identity, RoomName, "subscriber answer", refused.Message);
                return;
            }

            _subscriber = made.Value;
            _firstOffer = null;
        }
        else if (_subscriber is { } subscriber)
        {
            var applied = _node.ApplyAnswer(Room, subscriber.Id, answer.Sdp);
            if (applied.Error is { } refused)
            {
                LogRefused(Identity, RoomName, "subscriber answer", refused.Message);
                return;
            }
        }

        _offerInFlight = 0;
    }

    /// <summary>The participant updates this client has not had, then the subscriber offer the room now calls for.</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        ApplySettings();
        await DynacastAsync(cancellationToken);
        var participants = _rooms.Participants(RoomName);
        var update = new ParticipantUpdate();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var info in participants)
        {
            // The participant itself too: its SDK learns its own changes (metadata, tracks) from these updates.
            present.Add(info.Sid);
            var content = Content(info);
            if (!_sent.TryGetValue(info.Sid, out var last) || !last.Content.Equals(content))
            {
                _sent[info.Sid] = (content, info.Identity);
                info.Version = ++_version;
                update.Participants.Add(info);
            }
        }

        foreach (var (gone, (_, identity)) in _sent.Where(p => !present.Contains(p.Key)).ToList())
        {
            _sent.Remove(gone);
            update.Participants.Add(new ParticipantInfo { Sid = gone, Identity = identity, State = ParticipantInfo.Types.State.Disconnected, Version = ++_version });
        }

        if (update.Participants.Count > 0)
        {
            await SendAsync(new SignalResponse { Update = update }, cancellationToken);
        }

        await OfferAsync(participants, cancellationToken);
    }

    /// <summary>
    /// Offers the subscriber connection what it lacks: the tracks of others that were announced to this client and
    /// carry media, and no longer the ones gone. One offer at a time; one not answered in time is withdrawn.
    /// </summary>
    private async Task OfferAsync(List<ParticipantInfo> participants, CancellationToken cancellationToken)
    {
        if (SinglePeerConnection)
        {
            await RequireSectionsAsync(participants, cancellationToken);
            return;
        }

        if (_offerInFlight != 0)
        {
            if (_time.GetElapsedTime(_offerSentAt) < AnswerTimeout)
            {
                return;
            }

            LogRefused(Identity, RoomName, "subscriber offer", $"offer {_offerInFlight} was not answered in {AnswerTimeout.TotalSeconds} s; withdrawn");
            if (_subscriber is { } waiting)
            {
                _node.WithdrawOffer(waiting);
            }

            _firstOffer = null;
            _offerInFlight = 0;
        }

        if (!_claims.Video.MaySubscribe || !_node.TryGetRoom(Room, out var room) || room is null)
        {
            return;
        }

        var include = WantedTracks(participants);
        var wanted = room.PublishedTracks.Where(t => include(t) && !IsOwn(t)).ToList();
        string sdp;
        if (_subscriber is null)
        {
            if (wanted.Count == 0)
            {
                return;
            }

            _firstOffer = _node.OfferSubscriber(Room, Participant, include: include);
            sdp = _firstOffer.Sdp;
        }
        else
        {
            var receiving = _subscriber.Subscriptions.Select(s => s.Wanted).ToHashSet();
            var published = room.PublishedTracks.Select(t => t.Id).ToHashSet();
            if (wanted.All(t => receiving.Contains(t.Id)) && receiving.All(id => id is null || published.Contains(id.Value)))
            {
                return;
            }

            var offer = _node.CreateOffer(Room, _subscriber.Id, include);
            if (offer.Value is not { } text)
            {
                return;
            }

            sdp = text;
        }

        _offerInFlight = ++_offerId;
        _offerSentAt = _time.GetTimestamp();
        await SendAsync(new SignalResponse { Offer = new SessionDescription { Type = "offer", Sdp = sdp, Id = _offerInFlight } }, cancellationToken);
    }

    /// <summary>
    /// The tracks this client is to receive: others' tracks it was told of in a participant update, carrying media,
    /// and with auto-subscribe off (the client's choice at connect) only those it subscribed to.
    /// </summary>
    private Func<PublishedTrack, bool> WantedTracks(List<ParticipantInfo> participants)
    {
        var announced = participants.Where(p => p.Sid != Sid).SelectMany(p => p.Tracks).Select(t => t.Sid).ToHashSet(StringComparer.Ordinal);
        return track => announced.Contains(track.Id.Value) && track.PacketsReceived > 0 && (AutoSubscribe || _subscribed.Contains(track.Id.Value));
    }

    private bool IsOwn(PublishedTrack track) => track.Publisher.Participant?.FullId == Sid;

    private static ByteString Content(ParticipantInfo info)
    {
        var copy = info.Clone();
        copy.Version = 0;
        return copy.ToByteString();
    }

    private async Task SendAsync(SignalResponse response, CancellationToken cancellationToken)
    {
        if (_socket.State != WebSocketState.Open)
        {
            return;
        }

        if (_json)
        {
            await _socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(response)), WebSocketMessageType.Text, true, cancellationToken);
        }
        else
        {
            await _socket.SendAsync(response.ToByteArray(), WebSocketMessageType.Binary, true, cancellationToken);
        }
    }

    private async Task EndSessionsAsync()
    {
        if (_publisher is { } publisher)
        {
            await _sfu.EndSessionAsync(Room, publisher, SessionEndReason.Deleted);
        }

        if (_subscriber is { } subscriber)
        {
            _node.EndSession(subscriber, SessionEndReason.Deleted);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "LiveKit participant '{Identity}' of room '{Room}': {What} refused: {Reason}")]
    private partial void LogRefused(string identity, string room, string what, string reason);

    [LoggerMessage(2, LogLevel.Information, "LiveKit participant '{Identity}' of room '{Room}': a message that is not a SignalRequest skipped: {Reason}")]
    private partial void LogBadMessage(string identity, string room, string reason);

    [LoggerMessage(3, LogLevel.Information, "LiveKit participant '{Identity}' of room '{Room}': a message over {Limit} bytes; socket closed")]
    private partial void LogTooLarge(string identity, string room, int limit);
}
