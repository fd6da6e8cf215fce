using System.Net.WebSockets;
using System.Threading.Channels;
using Google.Protobuf;
using Sluice.Client.Publish;
using Sluice.Client.Sdp;
using Sluice.Client.Signaling;
using Sluice.LiveKit.Protocol;
using SessionDescription = Sluice.Rtc.Sdp.SessionDescription;

namespace Sluice.Client.LiveKit;

/// <summary>
/// A publisher's signalling over LiveKit's protocol (<c>/rtc</c>, two peer connections, the first one ours): the
/// WebSocket with the access token, the join response, one add-track per track (named by its msid track id) answered
/// with its track sid, then the offer with an id whose answer echoes it; pings at the interval the server gives, a
/// leave at the end. It subscribes to nothing (<c>auto_subscribe=0</c>).
/// </summary>
internal sealed class LiveKitPublishSignalling : IPublishSignalling
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
    private Task? _receiving;
    private Task? _pinging;
    private int _disposed;

    public LiveKitPublishSignalling(Uri node, string token, TextWriter? log = null)
    {
        _node = node;
        _token = token;
        _log = log ?? TextWriter.Null;
    }

    /// <summary>The join response, once connected.</summary>
    public JoinResponse? Joined { get; private set; }

    /// <summary>The track sids the server gave, by msid track id.</summary>
    public Dictionary<string, string> TrackSids { get; } = new(StringComparer.Ordinal);

    public async Task<SessionResult> OfferAsync(SessionDescription offer, IReadOnlyList<PublishTrack> tracks, CancellationToken cancellationToken)
    {
        try
        {
            var url = new UriBuilder(_node)
            {
                Scheme = _node.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
                Path = _node.AbsolutePath.TrimEnd('/') + "/rtc",
                Query = "access_token=" + Uri.EscapeDataString(_token) + "&auto_subscribe=0&sdk=sluice-cli&protocol=16",
            }.Uri;
            await _socket.ConnectAsync(url, cancellationToken).ConfigureAwait(false);
            _receiving = ReceiveAsync(_stopping.Token);
            var first = await NextAsync(_ => true, cancellationToken).ConfigureAwait(false);
            if (first.MessageCase != SignalResponse.MessageOneofCase.Join)
            {
                return Failed($"the server's first message is {first.MessageCase}, not a join response");
            }

            Joined = first.Join;
            _log.WriteLine($"joined room {Joined.Room.Name} as {Joined.Participant.Identity} ({Joined.Participant.Sid}), server {Joined.ServerVersion}");
            _pinging = PingAsync(TimeSpan.FromSeconds(Math.Max(1, Joined.PingInterval)), _stopping.Token);

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
        foreach (var task in new[] { _receiving, _pinging })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

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

                _received.Writer.TryWrite(SignalResponse.Parser.ParseFrom(buffer, 0, length));
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
