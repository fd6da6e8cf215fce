using Sluice.Client.Data;
using Sluice.Client.Rtp;
using Sluice.Client.Sdp;
using Sluice.Client.Signaling;
using Sluice.Client.Transport;
using Sluice.Media.Codecs;
using Sluice.Media.Rtp;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Subscribe;

/// <summary>
/// Receives one stream over WHEP (RFC 9725): a recvonly offer, then per track a reorder buffer with Generic NACK
/// (RFC 4585 §6.2.1), RTX unwrapping (RFC 4588 §4), PLI (RFC 4585 §6.3.1) until a keyframe arrives, frame
/// assembly and depacketization into an <see cref="IWhepSink"/>, and receiver reports (RFC 3550 §6.4.2).
/// Without a sink nothing is assembled: packets are only counted (the load tester).
/// </summary>
internal sealed class WhepSubscriber : IAsyncDisposable
{
    private const int MaxNacksPerPacket = 200;

    private readonly WhepSubscriberOptions _options;
    private readonly HttpClient _http;
    private readonly IWhepSink? _sink;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<byte, NegotiatedCodec> _payloadTypes = [];
    private readonly Dictionary<byte, byte> _rtxTypes = [];
    private readonly Dictionary<string, SubscribeTrack> _tracks = [];
    private readonly List<SubscribeTrack> _retired = [];
    private readonly List<ReceivedPacket> _drained = [];
    private readonly List<ushort> _nacks = [];
    private readonly uint _ssrc = (uint)Random.Shared.NextInt64(1, 1L << 32);
    private ClientTransport? _transport;
    private SessionClient? _session;
    private ITimer? _timer;
    private long _startedAt;
    private long? _firstPacketAt;
    private (int Width, int Height) _pictureSize;
    private long _lastPacketAt;
    private long? _firstFrameAt;
    private long _lastReportAt;
    private long _nacksSent;
    private long _plisSent;
    private long _videoFrames;
    private long _audioFrames;
    private long _depayloadFailures;
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _down = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _supervisor;
    private int _reconnects;
    private long _gapFrom;
    private TimeSpan _longestGap;
    private readonly Dictionary<uint, (DateTime Ntp, uint Rtp, int ClockRate)> _senderClocks = [];
    private readonly byte[] _rtcpBuffer = new byte[1500];

    /// <summary>
    /// Each media packet's age on arrival: now minus the sender's wall-clock time for its RTP timestamp, from the
    /// sender reports (which a node forwards with the publisher's clock). On one host this is the one-way latency
    /// from the publisher, through every node on the way.
    /// </summary>
    public LatencyHistogram Latency { get; } = new();

    public WhepSubscriber(WhepSubscriberOptions options, HttpClient http, IWhepSink? sink = null, TimeProvider? time = null)
    {
        _options = options;
        _http = http;
        _sink = sink;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The data channel ends (<c>--data-in</c>, <c>--data-out</c>), when asked for.</summary>
    public DataChannelIo? Data { get; private set; }

    /// <summary>
    /// Raised (under the subscriber's lock, on the socket's thread) when a video keyframe's picture size differs
    /// from the last one's (VP8, VP9): the simulcast layer or spatial layer the server sends changed. The time is
    /// since the subscriber started.
    /// </summary>
    public event Action<TimeSpan, int, int>? PictureSizeChanged;

    /// <summary>Transport-cc feedback packets sent to the server (the server estimates our bandwidth from them).</summary>
    public long TransportFeedbacksSent => _transport?.TransportFeedbacksSent ?? 0;

    /// <summary>The session URL once created.</summary>
    public Uri? Location => _session?.Location;

    /// <summary>Sessions made after the first because one failed (<see cref="WhepSubscriberOptions.Reconnect"/>).</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>The longest time without media across a reconnect: from the last packet of the failed session to the first of the next.</summary>
    public TimeSpan LongestGap
    {
        get
        {
            lock (_lock)
            {
                return _longestGap;
            }
        }
    }

    /// <summary>POSTs the offer and connects; the result says what failed, if anything. With reconnection on, keeps the session up from then on.</summary>
    public async Task<WhepConnectResult> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_session is not null)
        {
            throw new InvalidOperationException("Already connected.");
        }

        _startedAt = _time.GetTimestamp();
        var result = await ConnectOnceAsync(_options.Endpoint, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return result;
        }

        _lastReportAt = _time.GetTimestamp();
        _timer = _time.CreateTimer(_ => Tick(), null, _options.TickInterval, _options.TickInterval);
        if (_options.Reconnect)
        {
            _supervisor = SuperviseAsync(_stopping.Token);
        }

        return result;
    }

    /// <summary>Stops receiving and DELETEs the session; null on success, else the DELETE error.</summary>
    public async Task<SessionError?> StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_supervisor is not null)
        {
            await _supervisor.ConfigureAwait(false);
        }

        _timer?.Dispose();
        _timer = null;
        SessionError? error = null;
        if (_session is not null)
        {
            error = await _session.DeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        _transport?.Dispose();
        Data?.Dispose();
        return error;
    }

    /// <summary>One session: the offer POSTed to <paramref name="endpoint"/>, the transport connected; on success it replaces the previous one.</summary>
    private async Task<WhepConnectResult> ConnectOnceAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        // A player that reconnects checks consent often (4 checks a second), so a dead node is noticed in about 1 s.
        var transport = new ClientTransport(_time, _options.Reconnect && _options.FastFailover ? new IceAgentOptions
        {
            ConsentInterval = TimeSpan.FromMilliseconds(250),
            DisconnectTimeout = TimeSpan.FromSeconds(1),
        } : null);
        var session = new SessionClient(_http, endpoint, _options.Token);
        var offer = OfferBuilder.CreateSubscribeOffer(transport.LocalIce.UsernameFragment, transport.LocalIce.Password, transport.Fingerprint, _options.Video, _options.Audio, _options.WantsData);
        var created = await session.CreateAsync(offer.ToString(), cancellationToken).ConfigureAwait(false);
        var result = created.IsSuccess ? await ConnectTransportAsync(transport, offer, created.Answer.Sdp, cancellationToken).ConfigureAwait(false) : new WhepConnectResult(HttpError: created.Error);
        if (!result.Succeeded)
        {
            transport.Dispose();
            if (created.IsSuccess)
            {
                await DeleteQuietlyAsync(session).ConfigureAwait(false);
            }

            // The first attempt keeps the session, so the caller can see where it went wrong (Location).
            _session ??= session;
            return result;
        }

        lock (_lock)
        {
            _transport = transport;
            _session = session;
        }

        transport.Down += _ => _down.TrySetResult();
        if (transport.State is not Rtc.Transport.TransportState.Connected)
        {
            _down.TrySetResult();
        }

        return result;
    }

    private async Task<WhepConnectResult> ConnectTransportAsync(ClientTransport transport, SessionDescription offer, string answerSdp, CancellationToken cancellationToken)
    {
        if (!SessionDescription.TryParse(answerSdp, out var answer, out var parseError))
        {
            return new WhepConnectResult(Failure: "the answer is not valid SDP: " + parseError);
        }

        if (!RemoteTransport.TryRead(answer!, out var remote, out var remoteError))
        {
            return new WhepConnectResult(Failure: remoteError);
        }

        lock (_lock)
        {
            // A new session may number its payload types differently.
            _payloadTypes.Clear();
            _rtxTypes.Clear();
            foreach (var offered in offer.Media)
            {
                AddPayloadTypes(NegotiatedMedia.Read(answer!, offered.Kind, offered.Mid));
            }
        }

        if (_payloadTypes.Count == 0)
        {
            return new WhepConnectResult(Failure: "the answer accepted none of our codecs");
        }

        if (_options.WantsData)
        {
            if (DataChannelIo.Negotiated(answer!) is not { } data)
            {
                return new WhepConnectResult(Failure: "the server refused the data channel (m=application)");
            }

            Data?.Dispose();
            Data = new DataChannelIo(transport.EnableData(data.Port, data.MaxMessageSize), _options.Label, _options.DataOut);
        }

        transport.EnableTransportFeedback(NegotiatedMedia.TransportCcId(answer!));
        transport.RtpReceived = (_, packet) => OnRtp(packet);
        transport.RtcpReceived = (_, packet) => OnRtcp(packet);
        var connectError = await transport.ConnectAsync(remote, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        return connectError is null ? WhepConnectResult.Success : new WhepConnectResult(Failure: "connect: " + connectError);
    }

    /// <summary>
    /// Waits for the session to fail, then makes another: the same endpoint first, then the fallbacks in turn, with
    /// backoff between failed attempts. The old session is DELETEd in passing (its node may be gone).
    /// </summary>
    private async Task SuperviseAsync(CancellationToken stop)
    {
        var endpoints = new List<Uri> { _options.Endpoint };
        endpoints.AddRange(_options.Fallbacks);
        var next = 0;
        try
        {
            while (true)
            {
                await _down.Task.WaitAsync(stop).ConfigureAwait(false);
                _down = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (!await IsDeadAsync(stop).ConfigureAwait(false))
                {
                    continue;
                }

                ClientTransport? failed;
                SessionClient? old;
                lock (_lock)
                {
                    failed = _transport;
                    old = _session;
                    _gapFrom = _lastPacketAt;
                }

                failed?.Dispose();
                _ = DeleteQuietlyAsync(old);
                var backoff = new Backoff(FirstRetry, LastRetry);
                while (true)
                {
                    var result = await ConnectOnceAsync(endpoints[next % endpoints.Count], stop).ConfigureAwait(false);
                    if (result.Succeeded)
                    {
                        Interlocked.Increment(ref _reconnects);
                        break;
                    }

                    next++;
                    await Task.Delay(backoff.Next(), _time, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    /// <summary>
    /// Whether the session that reported trouble is dead: failed or closed, or without consent and without media for
    /// a second (a peer that still sends media is there; a busy host may only have delayed its consent answers).
    /// Waits while consent is missing but media flows; false when the transport recovers.
    /// </summary>
    private async Task<bool> IsDeadAsync(CancellationToken stop)
    {
        while (true)
        {
            ClientTransport? transport;
            long lastPacket;
            lock (_lock)
            {
                transport = _transport;
                lastPacket = _lastPacketAt;
            }

            switch (transport?.State)
            {
                case null or Rtc.Transport.TransportState.Failed or Rtc.Transport.TransportState.Closed:
                    return true;
                case Rtc.Transport.TransportState.Connected:
                    return false;
            }

            if (lastPacket == 0 || _time.GetElapsedTime(lastPacket) >= StallTimeout)
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, stop).ConfigureAwait(false);
        }
    }

    private static async Task DeleteQuietlyAsync(SessionClient? session)
    {
        if (session is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await session.DeleteAsync(timeout.Token).ConfigureAwait(false);
        }
    }

    public WhepStats GetStats()
    {
        lock (_lock)
        {
            long packets = 0, bytes = 0, lost = 0, recovered = 0, nacked = 0, dropped = 0;
            foreach (var track in AllTracks())
            {
                packets += track.Receiver.PacketsReceived;
                bytes += track.Receiver.BytesReceived;
                lost += track.Receiver.Lost;
                recovered += track.Receiver.Recovered;
                nacked += track.Receiver.NackedPackets;
                dropped += track.Assembler?.DroppedFrames ?? 0;
            }

            return new WhepStats(
                Since(_firstPacketAt),
                Since(_firstFrameAt),
                packets,
                bytes,
                lost,
                recovered,
                _nacksSent,
                nacked,
                _plisSent,
                _videoFrames,
                _audioFrames,
                dropped + _depayloadFailures,
                _firstPacketAt is { } first ? _time.GetElapsedTime(first, _lastPacketAt) : TimeSpan.Zero);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await StopAsync(timeout.Token).ConfigureAwait(false);
    }

    private void AddPayloadTypes(NegotiatedMedia media)
    {
        foreach (var codec in media.Codecs)
        {
            _payloadTypes[(byte)codec.PayloadType] = codec;
            if (codec.RtxPayloadType is { } rtx)
            {
                _rtxTypes[(byte)rtx] = (byte)codec.PayloadType;
            }
        }
    }

    /// <summary>Plain RTP on the socket thread: media goes to its track; RTX is unwrapped to the original first.</summary>
    private void OnRtp(Span<byte> packet)
    {
        if (!RtpPacket.TryParse(packet, out var rtp))
        {
            return;
        }

        lock (_lock)
        {
            _lastPacketAt = _time.GetTimestamp();
            _firstPacketAt ??= _lastPacketAt;
            if (_gapFrom != 0)
            {
                var gap = _time.GetElapsedTime(_gapFrom, _lastPacketAt);
                _longestGap = gap > _longestGap ? gap : _longestGap;
                _gapFrom = 0;
            }

            SubscribeTrack? track;
            if (_rtxTypes.TryGetValue(rtp.PayloadType, out var associated))
            {
                if (!_tracks.TryGetValue(_payloadTypes[associated].Spec.Kind, out track) || track.Codec.PayloadType != associated)
                {
                    return;
                }

                Span<byte> original = stackalloc byte[packet.Length];
                if (!Rtx.TryUnwrap(packet, original, associated, track.Receiver.Ssrc, out var length))
                {
                    return;
                }

                track.Receiver.Receive(original[..length], retransmission: true);
            }
            else if (_payloadTypes.TryGetValue(rtp.PayloadType, out var codec))
            {
                track = GetTrack(codec, rtp.Ssrc);
                if (_senderClocks.TryGetValue(rtp.Ssrc, out var clock))
                {
                    var sent = clock.Ntp.AddSeconds((int)(rtp.Timestamp - clock.Rtp) / (double)clock.ClockRate);
                    Latency.Record((_time.GetUtcNow().UtcDateTime - sent).TotalMilliseconds);
                }

                var startsFrame = codec.Spec.Kind != "video" || RtpKeyframe.IsFrameStart(codec.Spec.Codec, rtp.Payload);
                track.Receiver.Receive(packet, startsFrame: startsFrame);
            }
            else
            {
                return;
            }

            Process(track);
        }
    }

    private void OnRtcp(ReadOnlySpan<byte> packet)
    {
        var reader = new RtcpCompoundReader(packet);
        lock (_lock)
        {
            while (reader.TryReadNext(out var view))
            {
                if (SenderReport.TryParse(view, out var report))
                {
                    foreach (var track in _tracks.Values)
                    {
                        if (track.Receiver.Ssrc == report.SenderSsrc)
                        {
                            track.Receiver.OnSenderReport(report.NtpTimestamp);
                            _senderClocks[report.SenderSsrc] = (NtpTime.ToDateTime(report.NtpTimestamp), report.RtpTimestamp, track.Codec.Spec.ClockRate);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The track of this kind; a new one when the server switched SSRC or codec (a new publisher).</summary>
    private SubscribeTrack GetTrack(NegotiatedCodec codec, uint ssrc)
    {
        var kind = codec.Spec.Kind;
        if (_tracks.TryGetValue(kind, out var track) && track.Receiver.Ssrc == ssrc && track.Codec.PayloadType == codec.PayloadType)
        {
            return track;
        }

        if (track is not null)
        {
            _retired.Add(track);
        }

        var receiver = new RtpReceiver(ssrc, codec.Spec.ClockRate, _options.Receiver, _time);
        track = _sink is null
            ? new SubscribeTrack(codec, receiver, null, null)
            : new SubscribeTrack(codec, receiver, new FrameAssembler(codec.Spec.Codec, codec.Spec.IsVideo), RtpPayloadFormats.CreateDepayloader(codec.Spec.Codec));
        _tracks[kind] = track;
        return track;
    }

    /// <summary>Takes the packets now in order from the track's buffer into frames.</summary>
    private void Process(SubscribeTrack track)
    {
        _drained.Clear();
        track.Receiver.Drain(_drained);
        if (track.Assembler is null)
        {
            return;
        }

        foreach (var packet in _drained)
        {
            var frame = track.Assembler.Push(packet);
            if (track.Assembler.DroppedFrames != track.DroppedSeen)
            {
                // A frame was lost: what follows cannot be decoded until the next keyframe.
                track.DroppedSeen = track.Assembler.DroppedFrames;
                track.WaitingForKeyframe = true;
            }

            if (frame is not null)
            {
                Deliver(track, frame);
            }
        }

        _drained.Clear();
    }

    private void Deliver(SubscribeTrack track, AssembledFrame frame)
    {
        if (track.IsVideo && track.WaitingForKeyframe && !frame.Keyframe)
        {
            RequestKeyframe(track);
            return;
        }

        if (!track.Depayloader!.TryDepacketize(frame.Payloads, out var bytes) || bytes is null)
        {
            _depayloadFailures++;
            track.WaitingForKeyframe = track.IsVideo;
            return;
        }

        if (track.IsVideo)
        {
            track.WaitingForKeyframe = false;
            _firstFrameAt ??= _time.GetTimestamp();

            _videoFrames++;
            if (frame.Keyframe && KeyframeSize.TryRead(track.Codec.Spec.Codec, bytes, out var width, out var height) && (width, height) != _pictureSize)
            {
                _pictureSize = (width, height);
                PictureSizeChanged?.Invoke(_time.GetElapsedTime(_startedAt), width, height);
            }

            _sink!.OnVideoFrame(track.Codec.Spec.Codec, bytes, frame.Timestamp, frame.Keyframe);
        }
        else
        {
            _audioFrames++;
            _sink!.OnAudioFrame(track.Codec.Spec.Codec, bytes, frame.Timestamp);
        }
    }

    /// <summary>PLI now unless one went out within the interval (RFC 4585 §3.4 asks not to flood the sender).</summary>
    private void RequestKeyframe(SubscribeTrack track)
    {
        var now = _time.GetTimestamp();
        if (track.PliSent && _time.GetElapsedTime(track.LastPliAt, now) < _options.PliInterval)
        {
            return;
        }

        track.PliSent = true;
        track.LastPliAt = now;
        var buffer = new byte[128];
        var writer = new RtcpWriter(buffer);
        writer.WritePli(_ssrc, track.Receiver.Ssrc);
        if (_transport!.SendRtcp(buffer, writer.Length))
        {
            _plisSent++;
        }
    }

    /// <summary>Timer: gives up old gaps, sends due NACKs, repeats PLIs, and sends the receiver report.</summary>
    private void Tick()
    {
        lock (_lock)
        {
            var buffer = _rtcpBuffer;
            foreach (var track in _tracks.Values)
            {
                Process(track);
                _nacks.Clear();
                track.Receiver.CollectNacks(_nacks);
                if (_nacks.Count > 0)
                {
                    var count = Math.Min(_nacks.Count, MaxNacksPerPacket);
                    var writer = new RtcpWriter(buffer);
                    writer.WriteNack(_ssrc, track.Receiver.Ssrc, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_nacks)[..count]);
                    if (_transport!.SendRtcp(buffer, writer.Length))
                    {
                        _nacksSent++;
                    }
                }

                if (track.IsVideo && track.Assembler is not null && track.WaitingForKeyframe && track.PliSent)
                {
                    RequestKeyframe(track);
                }
            }

            if (_tracks.Count > 0 && _time.GetElapsedTime(_lastReportAt) >= _options.ReportInterval)
            {
                _lastReportAt = _time.GetTimestamp();
                Span<ReportBlock> blocks = stackalloc ReportBlock[2];
                var n = 0;
                foreach (var track in _tracks.Values)
                {
                    if (n < blocks.Length)
                    {
                        blocks[n++] = track.Receiver.CreateReportBlock();
                    }
                }

                var writer = new RtcpWriter(buffer);
                writer.WriteReceiverReport(_ssrc, blocks[..n]);
                _transport!.SendRtcp(buffer, writer.Length);
            }
        }
    }

    private IEnumerable<SubscribeTrack> AllTracks()
    {
        foreach (var track in _retired)
        {
            yield return track;
        }

        foreach (var track in _tracks.Values)
        {
            yield return track;
        }
    }

    private TimeSpan? Since(long? timestamp) => timestamp is { } t ? _time.GetElapsedTime(_startedAt, t) : null;
}
