using System.Text;
using Sluice.Client.Data;
using Sluice.Client.Sdp;
using Sluice.Client.Signaling;
using Sluice.Client.Subscribe;
using Sluice.Client.Transport;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Sctp;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Room;

/// <summary>
/// A room subscriber speaking weever-streaming's protocol: <c>POST /sub/{room}/{id}</c> with an offer holding only a
/// data channel, a <c>control</c> channel on which the node's <c>SDP_OFFER</c>s are answered (recvonly, every codec
/// we know: <see cref="OfferedMedia"/>) and <c>PUB_JOIN</c> / <c>PUB_LEFT</c> are reported, and per publisher (the msid
/// stream id of the SSRCs the node announces) the packets received and lost. It forwards nothing and decodes nothing.
/// </summary>
internal sealed class RoomSubscriber : IAsyncDisposable
{
    private readonly Uri _endpoint;
    private readonly string? _token;
    private readonly HttpClient _http;
    private readonly Action<string> _log;
    private readonly TimeProvider _time;
    private ClientTransport? _transport;
    private OfferedMedia? _media;
    private DataChannel? _control;
    private int _offers;

    public RoomSubscriber(Uri endpoint, string? token, HttpClient http, Action<string> log, TimeProvider? time = null)
    {
        _endpoint = endpoint;
        _token = token;
        _http = http;
        _log = log;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Offers answered so far.</summary>
    public int Offers => Volatile.Read(ref _offers);

    /// <summary>When the first media packet of each publisher arrived, for join-to-media timings.</summary>
    public event Action<string>? FirstPacket;

    /// <summary>Per publisher full id: packets received (of them video) and lost (from sequence numbers), sorted by id.</summary>
    public IReadOnlyList<(string Publisher, long Packets, long VideoPackets, long Lost)> Counts() => _media?.Counts() ?? [];

    /// <summary>Posts the offer and connects; null on success, else what failed.</summary>
    public async Task<string?> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _transport = new ClientTransport(_time);
        _media = new OfferedMedia(_transport, _log, _time);
        _media.FirstPacket += publisher => FirstPacket?.Invoke(publisher);
        var offer = OfferBuilder.CreateSubscribeOffer(_transport.LocalIce.UsernameFragment, _transport.LocalIce.Password, _transport.Fingerprint,
            video: false, audio: false, data: true);
        var session = new SessionClient(_http, _endpoint, _token, requireLocation: false);
        var created = await session.CreateAsync(offer.ToString(), cancellationToken).ConfigureAwait(false);
        if (!created.IsSuccess)
        {
            return $"POST {_endpoint}: {created.Error!.Describe()}";
        }

        if (!SessionDescription.TryParse(created.Answer.Sdp, out var answer, out var parseError))
        {
            return "the answer is not valid SDP: " + parseError;
        }

        if (!RemoteTransport.TryRead(answer!, out var remote, out var remoteError))
        {
            return remoteError;
        }

        if (DataChannelIo.Negotiated(answer!) is not { } data)
        {
            return "the server refused the data channel (m=application)";
        }

        var endpoint = _transport.EnableData(data.Port, data.MaxMessageSize);
        endpoint.Established = () => _control = ControlChannel.Open(endpoint);
        endpoint.MessageReceived = (channel, message) =>
        {
            if (channel.Label == ControlChannel.Label && !message.IsBinary)
            {
                OnControl(channel, Encoding.UTF8.GetString(message.Data));
            }
        };
        return await _transport.ConnectAsync(remote, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the session with STOP on the control channel (the node ends it at once).</summary>
    public Task StopAsync() => ControlChannel.StopAsync(_control);

    public ValueTask DisposeAsync()
    {
        _transport?.Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnControl(DataChannel channel, string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var command = space < 0 ? text : text[..space];
        var argument = space < 0 ? string.Empty : text[(space + 1)..];
        switch (command)
        {
            case "SDP_OFFER":
                if (_media?.Answer(argument, acceptData: true) is { } sdp)
                {
                    Interlocked.Increment(ref _offers);
                    channel.Send("SDP_ANSWER " + sdp);
                }

                break;
            case "PUB_JOIN" or "PUB_LEFT":
                _log($"{command} {argument}");
                break;
        }
    }
}
