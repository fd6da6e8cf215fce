using Sluice.Client.Data;
using System.Diagnostics;
using Sluice.Client.Media;
using Sluice.Client.Room;
using Sluice.Client.Rtp;
using Sluice.Client.Sdp;
using Sluice.Client.Signaling;
using Sluice.Client.Transport;
using Sluice.Media.Rtp;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Sctp;
using Sluice.Rtc.Sdp;

namespace Sluice.Client.Publish;

/// <summary>
/// Publishes a video and/or an audio file over WHIP (RFC 9725): offer, connect, then send each frame when the
/// shared clock reaches its timestamp, answer NACKs from the send history, count PLI/FIR (files cannot make a
/// keyframe on demand), send an SR per track every second, and DELETE the session at the end.
/// </summary>
internal sealed class WhipPublisher
{
    private readonly WhipPublisherOptions _options;
    private readonly HttpClient _http;
    private readonly TextWriter _log;
    private readonly string _cname = Guid.NewGuid().ToString("N")[..12];
    private readonly List<PublishTrackState> _tracks = [];
    private long _nacks;
    private long _plis;
    private long _firs;

    private readonly IPublishSignalling? _signalling;

    /// <param name="signalling">How the offer reaches the server: WHIP (or weever's POST) when null, else this (LiveKit's signalling).</param>
    public WhipPublisher(WhipPublisherOptions options, HttpClient http, TextWriter? log = null, IPublishSignalling? signalling = null)
    {
        _options = options;
        _http = http;
        _log = log ?? TextWriter.Null;
        _signalling = signalling;
    }

    /// <summary>Runs until the files end (without loop) or <paramref name="cancellationToken"/> fires (Ctrl+C).</summary>
    public async Task<PublishResult> RunAsync(CancellationToken cancellationToken)
    {
        var sources = new List<IMediaSource>();
        try
        {
            foreach (var path in new[] { _options.VideoPath, _options.AudioPath })
            {
                if (path is null)
                {
                    continue;
                }

                if (!MediaSources.TryOpen(path, _options.Fps, out var source, out var error))
                {
                    return new PublishResult(PublishStats.Empty, Failure: error);
                }

                sources.Add(source);
                if (!IsSupported(source))
                {
                    return new PublishResult(PublishStats.Empty, Failure: $"'{path}': {source.Codec} cannot be published (video: VP8, VP9, H264, AV1; audio: Opus)");
                }
            }

            if (sources.Count == 0 && !_options.WantsData)
            {
                return new PublishResult(PublishStats.Empty, Failure: "nothing to publish: give --video and/or --audio");
            }

            return await PublishAsync(sources, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }
    }

    private static bool IsSupported(IMediaSource source)
    {
        foreach (var spec in CodecSpec.All)
        {
            if (spec.Codec == source.Codec)
            {
                return spec.IsVideo == source.IsVideo;
            }
        }

        return false;
    }

    private async Task<PublishResult> PublishAsync(List<IMediaSource> sources, CancellationToken cancellationToken)
    {
        using var transport = new ClientTransport();
        var planned = new List<PublishTrack>();
        foreach (var source in sources)
        {
            var spec = CodecSpec.For(source.Codec);
            planned.Add(new PublishTrack(spec, RandomSsrc(), spec.IsVideo ? RandomSsrc() : null));
        }

        var offer = OfferBuilder.CreatePublishOffer(transport.LocalIce.UsernameFragment, transport.LocalIce.Password, transport.Fingerprint, _cname, planned,
            _options.WantsData || _options.Conference);
        await using var session = _signalling ?? new WhipSignalling(new SessionClient(_http, _options.Endpoint, _options.Token, requireLocation: !_options.Conference));
        var created = await session.OfferAsync(offer, planned, cancellationToken).ConfigureAwait(false);
        if (!created.IsSuccess)
        {
            return new PublishResult(PublishStats.Empty, HttpError: created.Error);
        }

        _log.WriteLine($"session {created.Answer.Location}");
        if (!SessionDescription.TryParse(created.Answer.Sdp, out var answer, out var parseError))
        {
            return new PublishResult(PublishStats.Empty, Failure: "the answer is not valid SDP: " + parseError);
        }

        if (!RemoteTransport.TryRead(answer!, out var remote, out var remoteError))
        {
            return new PublishResult(PublishStats.Empty, Failure: remoteError);
        }

        for (var i = 0; i < sources.Count; i++)
        {
            var track = planned[i];
            var negotiated = NegotiatedMedia.Read(answer!, track.Codec.Kind, offer.Media[i].Mid).Find(track.Codec);
            if (negotiated is null)
            {
                return new PublishResult(PublishStats.Empty, Failure: $"the server did not accept {track.Codec.Name} {track.Codec.Kind}");
            }

            var senderOptions = new RtpSenderOptions(track.Ssrc, (byte)negotiated.PayloadType, track.Codec.ClockRate)
            {
                RtxSsrc = negotiated.RtxPayloadType is null ? null : track.RtxSsrc,
                RtxPayloadType = (byte?)negotiated.RtxPayloadType,
            };
            var sender = new RtpSender(senderOptions, transport.SendRtp);
            _tracks.Add(new PublishTrackState(sources[i], sender, RtpPayloadFormats.CreatePayloader(sources[i].Codec), (uint)Random.Shared.NextInt64(0, 1L << 32)));
            _log.WriteLine($"{track.Codec.Kind}: {sources[i].Description}, PT {negotiated.PayloadType}" + (senderOptions.UsesRtx ? $", RTX PT {negotiated.RtxPayloadType}" : string.Empty));
        }

        DataChannelIo? data = null;
        if (_options.WantsData)
        {
            if (DataChannelIo.Negotiated(answer!) is not { } negotiatedData)
            {
                return new PublishResult(PublishStats.Empty, Failure: "the server refused the data channel (m=application)");
            }

            data = new DataChannelIo(transport.EnableData(negotiatedData.Port, negotiatedData.MaxMessageSize), _options.Label, _options.DataOut);
        }

        DataChannel? control = null;
        if (_options.Conference && data is null && DataChannelIo.Negotiated(answer!) is { } controlData)
        {
            var endpoint = transport.EnableData(controlData.Port, controlData.MaxMessageSize);
            endpoint.Established = () => control = ControlChannel.Open(endpoint);
        }

        using var dataIo = data;
        transport.RtcpReceived = (_, packet) => OnRtcp(packet);
        var connectError = await transport.ConnectAsync(remote, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        if (connectError is not null)
        {
            return new PublishResult(PublishStats.Empty, Failure: "connect: " + connectError);
        }

        _log.WriteLine($"connected from {transport.LocalEndPoint}");
        var clock = Stopwatch.StartNew();
        var startUtc = DateTimeOffset.UtcNow;
        using var reports = new Timer(_ => SendReports(transport, clock.Elapsed, startUtc), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        try
        {
            var lines = data is not null && _options.DataIn is { } input ? data.SendLinesAsync(input, cancellationToken) : Task.CompletedTask;
            await PaceAsync(clock, cancellationToken).ConfigureAwait(false);
            if (_tracks.Count == 0 && _options.DataIn is null)
            {
                // Data out only: receive until Ctrl+C.
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            }

            await lines.ConfigureAwait(false);

            // The last packets are still on their way, and the node may NACK them: keep the session (and the
            // history that answers NACKs) a moment longer, instead of racing them with the DELETE.
            await Task.Delay(_options.EndLinger, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: end the session normally.
        }

        if (data is not null)
        {
            _log.WriteLine($"data: {data.MessagesSent} sent, {data.MessagesReceived} received");
        }

        await ControlChannel.StopAsync(control).ConfigureAwait(false);

        var stats = CollectStats(clock.Elapsed);
        using var deleteTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var deleteError = await session.EndAsync(deleteTimeout.Token).ConfigureAwait(false);
        if (deleteError is not null)
        {
            _log.WriteLine("end: " + deleteError.Describe());
        }

        return new PublishResult(stats);
    }

    /// <summary>Sends frames of all tracks in timestamp order, each when the shared clock reaches it.</summary>
    private async Task PaceAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        // Looping wraps the sources here, so the pacing loop is the only part that knows about it.
        var readers = new Dictionary<PublishTrackState, IMediaSource>();
        foreach (var track in _tracks)
        {
            readers[track] = _options.Loop ? new LoopingSource(track.Source) : track.Source;
            track.Advance(readers[track]);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            PublishTrackState? due = null;
            foreach (var track in _tracks)
            {
                if (track.HasNext && (due is null || track.Due < due.Due))
                {
                    due = track;
                }
            }

            if (due is null)
            {
                return;
            }

            var wait = due.Due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            var frame = due.Next;
            var payloads = due.Payloader.Packetize(frame.Data, _options.MaxPayloadSize);
            due.Sender.SendFrame(payloads, MediaTimestamps.RtpTimestamp(due.InitialTimestamp, frame.Timestamp), markLast: due.Source.IsVideo);
            due.Frames++;
            due.Advance(readers[due]);
        }
    }

    private void SendReports(ClientTransport transport, TimeSpan elapsed, DateTimeOffset startUtc)
    {
        var ntp = NtpTime.FromDateTimeOffset(startUtc + elapsed);
        var buffer = new byte[512];
        foreach (var track in _tracks)
        {
            var rtp = MediaTimestamps.RtpTimestampAt(track.InitialTimestamp, elapsed, track.Source.ClockRate);
            var length = track.Sender.WriteSenderReport(buffer, ntp, rtp, _cname);
            if (length > 0)
            {
                transport.SendRtcp(buffer, length);
            }
        }
    }

    /// <summary>Feedback from the server (socket thread): NACKs are answered from the history, PLI/FIR counted.</summary>
    private void OnRtcp(ReadOnlySpan<byte> packet)
    {
        var reader = new RtcpCompoundReader(packet);
        while (reader.TryReadNext(out var view))
        {
            if (GenericNack.TryParse(view, out var nack))
            {
                Interlocked.Increment(ref _nacks);
                foreach (var track in _tracks)
                {
                    if (track.Sender.Ssrc == nack.MediaSsrc)
                    {
                        track.Sender.HandleNack(nack);
                    }
                }
            }
            else if (PictureLossIndication.TryParse(view, out _))
            {
                Interlocked.Increment(ref _plis);
            }
            else if (FullIntraRequest.TryParse(view, out _))
            {
                Interlocked.Increment(ref _firs);
            }
        }
    }

    private PublishStats CollectStats(TimeSpan duration)
    {
        long packets = 0, bytes = 0, frames = 0, nacked = 0, retransmitted = 0;
        foreach (var track in _tracks)
        {
            packets += track.Sender.PacketsSent;
            bytes += track.Sender.BytesSent;
            frames += track.Frames;
            nacked += track.Sender.NackedPackets;
            retransmitted += track.Sender.Retransmitted;
        }

        return new PublishStats(packets, bytes, frames, Interlocked.Read(ref _nacks), nacked, retransmitted, Interlocked.Read(ref _plis), Interlocked.Read(ref _firs), duration);
    }

    private static uint RandomSsrc() => (uint)Random.Shared.NextInt64(1, 1L << 32);
}
