using System.Text;
using Sluice.Client.Data;
using Sluice.Client.Sdp;
using Sluice.Client.Signaling;
using Sluice.Client.Transport;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Sctp;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Room;

/// <summary>
/// A room subscriber speaking weever-streaming's protocol: <c>POST /sub/{room}/{id}</c> with an offer holding only a
/// data channel, a <c>control</c> channel on which the node's <c>SDP_OFFER</c>s are answered (recvonly, every codec
/// we know) and <c>PUB_JOIN</c> / <c>PUB_LEFT</c> are reported, and per publisher (the msid stream id of the SSRCs the
/// node announces) the packets received and lost. It forwards nothing and decodes nothing: a probe and a load.
/// </summary>
internal sealed class RoomSubscriber : IAsyncDisposable
{
    /// <summary>What the answer accepts: every codec the client stack offers (<see cref="CodecSpec.All"/>).</summary>
    private static readonly IReadOnlyList<SdpCodecCapability> Accepted =
        [.. CodecSpec.All.Select(c => new SdpCodecCapability(c.Kind, c.Name, c.ClockRate, c.Channels, c.Fmtp))];

    private readonly Uri _endpoint;
    private readonly string? _token;
    private readonly HttpClient _http;
    private readonly Action<string> _log;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, Incoming> _bySsrc = [];
    private readonly Dictionary<string, PublisherCounts> _publishers = new(StringComparer.Ordinal);
    private ClientTransport? _transport;
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

    /// <summary>Posts the offer and connects; null on success, else what failed.</summary>
    public async Task<string?> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _transport = new ClientTransport(_time);
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
        _transport.RtpReceived = (_, packet) => OnRtp(packet);
        return await _transport.ConnectAsync(remote, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Per publisher full id: packets received (of them video) and lost (from sequence numbers), sorted by id.</summary>
    public IReadOnlyList<(string Publisher, long Packets, long VideoPackets, long Lost)> Counts()
    {
        lock (_lock)
        {
            return [.. _publishers.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value.Packets, p.Value.VideoPackets,
                _bySsrc.Values.Where(i => i.Publisher == p.Key && i.Statistics is not null).Sum(i => Math.Max(0, i.Statistics!.PacketsLost))))];
        }
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
                if (Answer(argument) is { } sdp)
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

    /// <summary>Our answer to the node's offer: recvonly, same transport; learns which SSRCs belong to whom.</summary>
    private string? Answer(string offerSdp)
    {
        if (!SessionDescription.TryParse(offerSdp, out var offer, out var error))
        {
            _log("SDP_OFFER does not parse: " + error);
            return null;
        }

        var options = new SdpAnswerOptions
        {
            IceUfrag = _transport!.LocalIce.UsernameFragment,
            IcePwd = _transport.LocalIce.Password,
            Fingerprint = _transport.Fingerprint,
            Setup = DtlsSetup.Active,
            Codecs = Accepted,
            Direction = _ => MediaDirection.RecvOnly,
            AcceptDataChannel = true,
        };
        if (!SdpAnswerer.TryCreateAnswer(offer!, options, out var answer, out error))
        {
            _log("cannot answer SDP_OFFER: " + error);
            return null;
        }

        lock (_lock)
        {
            foreach (var section in offer!.Media)
            {
                if (section.Port == 0 || section.Direction != MediaDirection.SendOnly || section.Msid is not { } msid)
                {
                    continue;
                }

                var clockRate = section.Codecs.Count > 0 ? section.Codecs[0].ClockRate : 90000;
                var repairs = section.SsrcGroups.Where(g => g.Semantics == SdpSsrcGroup.Fid && g.Ssrcs.Count == 2).Select(g => g.Ssrcs[1]).ToHashSet();
                foreach (var ssrc in section.Ssrcs.Select(s => s.Ssrc).Distinct())
                {
                    if (!_bySsrc.ContainsKey(ssrc))
                    {
                        _bySsrc[ssrc] = new Incoming(msid.StreamId, section.Kind == "video", repairs.Contains(ssrc) ? null : new ReceiveStatistics(clockRate, _time));
                    }
                }
            }
        }

        return answer!.ToString();
    }

    private void OnRtp(ReadOnlySpan<byte> packet)
    {
        if (!RtpPacket.TryParse(packet, out var rtp))
        {
            return;
        }

        string? first = null;
        lock (_lock)
        {
            if (!_bySsrc.TryGetValue(rtp.Ssrc, out var incoming))
            {
                return;
            }

            if (!_publishers.TryGetValue(incoming.Publisher, out var counts))
            {
                counts = new PublisherCounts();
                _publishers[incoming.Publisher] = counts;
                first = incoming.Publisher;
            }

            if (incoming.Statistics is { } statistics)
            {
                statistics.OnPacket(rtp.SequenceNumber, rtp.Timestamp, _time.GetTimestamp());
                counts.Packets++;
                if (incoming.IsVideo)
                {
                    counts.VideoPackets++;
                }
            }
        }

        if (first is not null)
        {
            FirstPacket?.Invoke(first);
        }
    }

    private sealed record Incoming(string Publisher, bool IsVideo, ReceiveStatistics? Statistics);

    private sealed class PublisherCounts
    {
        public long Packets { get; set; }

        public long VideoPackets { get; set; }
    }
}
