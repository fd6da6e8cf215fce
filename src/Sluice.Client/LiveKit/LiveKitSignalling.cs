using System.Net.WebSockets;
using System.Threading.Channels;
using Google.Protobuf;
using Sluice.Client.Publish;
using Sluice.Client.Sdp;
using Sluice.Client.Signaling;
using Sluice.Client.Subscribe;
using Sluice.Client.Transport;
using Sluice.LiveKit.Protocol;
using SessionDescription = Sluice.Rtc.Sdp.SessionDescription;

namespace Sluice.Client.LiveKit;

/// <summary>
/// A participant's signalling over LiveKit's protocol (<c>/rtc</c>, two peer connections): the WebSocket with the
/// access token, the join response, and to publish one add-track per track (named by its msid track id) answered with
/// its track sid, then the offer with an id whose answer echoes it; pings at the interval the server gives, a leave at
/// the end. Subscribing (<c>auto_subscribe=1</c>), it answers the server's offers of the subscriber connection
/// recvonly (<see cref="OfferedMedia"/>: packets counted per publisher, nothing decoded); otherwise it receives nothing.
/// </summary>
internal sealed class LiveKitSignalling : IPublishSignalling
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private readonly Uri _node;
    private readonly string _token;
    private readonly TextWriter _log;
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<SignalResponse> _received = Channel.CreateUnbounded<SignalResponse>();
    private readonly CancellationTokenSource _stopping = new();

    // One send at a time on the socket (the pings run beside the caller).
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly bool _subscribe;
    private readonly Channel<Sluice.LiveKit.Protocol.SessionDescription> _offers = Channel.CreateUnbounded<Sluice.LiveKit.Protocol.SessionDescription>();
    private readonly Dictionary<string, string> _identities = new(StringComparer.Ordinal);
    private Task? _receiving;
    private Task? _pinging;
    private Task? _subscribing;
    private ClientTransport? _subscriber;
    private OfferedMedia? _media;
    private int _disposed;

    public LiveKitSignalling(Uri node, string token, TextWriter? log = null, bool subscribe = false)
    {
        _node = node;
        _token = token;
        _log = log ?? TextWriter.Null;
        _subscribe = subscribe;
    }

    /// <summary>The join response, once connected.</summary>
    public JoinResponse? Joined { get; private set; }

    /// <summary>The track sids the server gave, by msid track id.</summary>
    public Dictionary<string, string> TrackSids { get; } = new(StringComparer.Ordinal);

    /// <summary>Connects and waits for the join response (once); null on success, else what went wrong.</summary>
    public async Task<string?> JoinAsync(CancellationToken cancellationToken)
    {
        if (Joined is not null)
        {
            return null;
        }

        try
        {
            var url = new UriBuilder(_node)
            {
                Scheme = _node.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
                Path = _node.AbsolutePath.TrimEnd('/') + "/rtc",
                Query = "access_token=" + Uri.EscapeDataString(_token) + $"&auto_subscribe={(_subscribe ? 1 : 0)}&sdk=sluice-cli&protocol=16",
            }.Uri;
            await _socket.ConnectAsync(url, cancellationToken).ConfigureAwait(false);
            _receiving = ReceiveAsync(_stopping.Token);
            var first = await NextAsync(_ => true, cancellationToken).ConfigureAwait(false);
            if (first.MessageCase != SignalResponse.MessageOneofCase.Join)
            {
                return $"the server's first message is {first.MessageCase}, not a join response";
            }

            Joined = first.Join;
            Learn(Joined.OtherParticipants);
            _log.WriteLine($"joined room {Joined.Room.Name} as {Joined.Participant.Identity} ({Joined.Participant.Sid}), server {Joined.ServerVersion}");
            _pinging = PingAsync(TimeSpan.FromSeconds(Math.Max(1, Joined.PingInterval)), _stopping.Token);
            if (_subscribe)
            {
                _subscribing = SubscribeAsync(_stopping.Token);
            }

            return null;
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or InvalidProtocolBufferException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// What the subscriber connection received, per publisher (named by identity where the server described it):
    /// packets, of them video, and lost.
    /// </summary>
    public IReadOnlyList<(string Publisher, long Packets, long VideoPackets, long Lost)> Received()
    {
        var counts = _media?.Counts() ?? [];
        lock (_identities)
        {
            return [.. counts.Select(c => (_identities.GetValueOrDefault(c.Publisher, c.Publisher), c.Packets, c.VideoPackets, c.Lost))];
        }
    }

    public async Task<SessionResult> OfferAsync(SessionDescription offer, IReadOnlyList<PublishTrack> tracks, CancellationToken cancellationToken)
    {
        if (await JoinAsync(cancellationToken).ConfigureAwait(false) is { } failed)
        {
            return Failed(failed);
        }

        try
        {
            foreach (var track in tracks)
            {
                await SendAsync(new SignalRequest
                {
                    AddTrack = new AddTrackRequest
                    {
                        Cid = track.TrackId,
                        Name = track.Codec.IsVideo ? "camera" : "microphone",
                        Type = track.Codec.IsVideo ? TrackType.Video : TrackType.Audio,
                        Source = track.Codec.IsVideo ? TrackSource.Camera : TrackSource.Microphone,
                    },
                }, cancellationToken).ConfigureAwait(false);
                var published = await NextAsync(r => r.MessageCase == SignalResponse.MessageOneofCase.TrackPublished && r.TrackPublished.Cid == track.TrackId, cancellationToken).ConfigureAwait(false);
                TrackSids[track.TrackId] = published.TrackPublished.Track.Sid;
            }

            const uint offerId = 1;
            await SendAsync(new SignalRequest { Offer = new Sluice.LiveKit.Protocol.SessionDescription { Type = "offer", Sdp = offer.ToString(), Id = offerId } }, cancellationToken).ConfigureAwait(false);
            var answer = await NextAsync(r => r.MessageCase == SignalResponse.MessageOneofCase.Answer && r.Answer.Id == offerId, cancellationToken).ConfigureAwait(false);
            return new SessionResult(new SessionAnswer(answer.Answer.Sdp, null, null, []), null);
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or InvalidProtocolBufferException)
        {
            return Failed(e.Message);
        }
    }

    public async Task<SessionError?> EndAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await SendAsync(new SignalRequest { Leave = new LeaveRequest { Reason = DisconnectReason.ClientInitiated } }, cancellationToken).ConfigureAwait(false);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "left", cancellationToken).ConfigureAwait(false);
            }

            return null;
        }
        catch (WebSocketException e)
        {
            return SessionError.NoResponse("leave: " + e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _offers.Writer.TryComplete();
        foreach (var task in new[] { _receiving, _pinging, _subscribing })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        _subscriber?.Dispose();
        _socket.Dispose();
        _stopping.Dispose();
        _sending.Dispose();
    }

    private static SessionResult Failed(string why) => new(null, SessionError.NoResponse("LiveKit signalling: " + why));

    private async Task SendAsync(SignalRequest request, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(request.ToByteArray(), WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>The next message that <paramref name="wanted"/> (others are passed over), within <see cref="ReplyTimeout"/>.</summary>
    private async Task<SignalResponse> NextAsync(Func<SignalResponse, bool> wanted, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReplyTimeout);
        try
        {
            while (true)
            {
                var response = await _received.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
                if (response.MessageCase == SignalResponse.MessageOneofCase.Leave)
                {
                    throw new TimeoutException($"the server asked us to leave ({response.Leave.Reason})");
                }

                if (wanted(response))
                {
                    return response;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no reply from the server in {ReplyTimeout.TotalSeconds} s");
        }
        catch (ChannelClosedException)
        {
            throw new TimeoutException("the server closed the signalling connection");
        }
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    length += result.Count;
                }
                while (!result.EndOfMessage && length < buffer.Length);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                var response = SignalResponse.Parser.ParseFrom(buffer, 0, length);
                switch (response.MessageCase)
                {
                    case SignalResponse.MessageOneofCase.Offer when _subscribe:
                        _offers.Writer.TryWrite(response.Offer);
                        break;
                    case SignalResponse.MessageOneofCase.Update:
                        Learn(response.Update.Participants);
                        break;
                    default:
                        _received.Writer.TryWrite(response);
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or InvalidProtocolBufferException)
        {
            // The connection ends; whoever waits hears it below.
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }

    /// <summary>Who each participant sid is, as the join response and updates describe them.</summary>
    private void Learn(IEnumerable<ParticipantInfo> participants)
    {
        lock (_identities)
        {
            foreach (var participant in participants)
            {
                _identities[participant.Sid] = participant.Identity;
            }
        }
    }

    /// <summary>
    /// Answers the server's offers of the subscriber connection, one at a time: the first makes the transport (we
    /// answer DTLS active and connect to the server's candidates), later ones renegotiate it.
    /// </summary>
    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var offer in _offers.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var first = _subscriber is null;
                _subscriber ??= new ClientTransport();
                _media ??= new OfferedMedia(_subscriber, _log.WriteLine, TimeProvider.System);
                if (_media.Answer(offer.Sdp, acceptData: false) is not { } answer)
                {
                    continue;
                }

                await SendAsync(new SignalRequest { Answer = new Sluice.LiveKit.Protocol.SessionDescription { Type = "answer", Sdp = answer.ToString(), Id = offer.Id } },
                    cancellationToken).ConfigureAwait(false);
                if (!first)
                {
                    continue;
                }

                // The offer parsed when it was answered.
                if (!RemoteTransport.TryRead(SessionDescription.Parse(offer.Sdp), out var remote, out var error))
                {
                    _log.WriteLine("subscriber connection: " + error);
                    continue;
                }

                var failure = await _subscriber.ConnectAsync(remote, ReplyTimeout, cancellationToken).ConfigureAwait(false);
                _log.WriteLine(failure is null ? "subscriber connection up" : "subscriber connection failed: " + failure);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Stopped.
        }
    }

    private async Task PingAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false) && _socket.State == WebSocketState.Open)
            {
                await SendAsync(new SignalRequest { Ping = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Stopped.
        }
    }
}
