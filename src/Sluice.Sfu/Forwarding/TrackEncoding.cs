using Sluice.Media.Rtp;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Negotiation;

namespace Sluice.Sfu.Forwarding;

/// <summary>
/// One encoding of a published track (a simulcast layer with its <c>rid</c>, or the only one): its SSRC and RTX
/// SSRC, the retransmission cache, what it lost (NACK toward the publisher), keyframe requests (PLI, or FIR where
/// that is all the publisher supports), reception reports (RR, REMB), and the hand-over of every packet to the
/// track's sinks. Its packet methods run on the thread that receives the publisher's session and never allocate.
/// </summary>
public sealed class TrackEncoding
{
    /// <summary>Our SSRC as the sender of feedback toward a publisher (RFC 4585 §6.1 "packet sender").</summary>
    internal const uint FeedbackSsrc = 1;
    private const byte NoCodec = 0xFF;

    private readonly WebRtcTransport _transport;
    private readonly TimeProvider _time;
    private readonly NegotiatedCodec[] _codecs;
    private readonly byte[] _codecByPayloadType = new byte[128];
    private readonly byte[] _codecByRtxPayloadType = new byte[128];
    private readonly ulong _maxBitrate;

    // FIR (RFC 5104) only where the publisher negotiated no PLI for any codec but FIR for one.
    private readonly bool _prefersFir;

    // REMB only where it is all the publisher negotiated: with transport-wide CC the publisher estimates itself.
    private readonly bool _sendsRemb;
    private SequenceUnwrapper _unwrapper;
    private long _highestExtended = -1;
    private uint _ssrc;
    private bool _ssrcKnown;
    private int _generation;
    private long _lastKeyframeRequestAt = long.MinValue / 2;
    private int _firSequence;
    private long _bytes;
    private long _nacksSent;
    private long _keyframeRequests;

    private bool _nacksEnabled;

    // The dependency descriptor's extension id (0: not negotiated) and the structure the publisher last sent in it.
    private readonly int _dependencyDescriptorId;
    private readonly DependencyStructure _dependencies = new();

    internal TrackEncoding(PublishedTrack track, int index, string? rid, uint? ssrc, uint? rtxSsrc, WebRtcTransport transport, TimeProvider time, ulong maxBitrate)
    {
        Track = track;
        Index = index;
        Rid = rid;
        RtxSsrc = rtxSsrc;
        _transport = transport;
        _time = time;
        _lastMeasureAt = time.GetTimestamp();
        _maxBitrate = maxBitrate;
        _codecs = [.. track.Negotiated.Codecs];
        _codecByPayloadType.AsSpan().Fill(NoCodec);
        _codecByRtxPayloadType.AsSpan().Fill(NoCodec);
        for (var i = 0; i < _codecs.Length; i++)
        {
            _codecByPayloadType[_codecs[i].PayloadType & 0x7F] = (byte)i;
            if (_codecs[i].RtxPayloadType is { } rtx)
            {
                _codecByRtxPayloadType[rtx & 0x7F] = (byte)i;
            }
        }

        if (ssrc is { } announced)
        {
            _ssrc = announced;
            _ssrcKnown = true;
        }

        _prefersFir = !_codecs.Any(c => c.Pli) && _codecs.Any(c => c.Fir);
        _dependencyDescriptorId = track.Negotiated.Extensions.TryGetValue(SfuCodecs.DependencyDescriptor, out var dependencyDescriptor) ? dependencyDescriptor : 0;
        _sendsRemb = _codecs.Any(c => c.Remb) && track.Negotiated.TransportWideCcId == 0;
        Nacks = new NackGenerator(time);
        // The SSRC was negotiated (or its rid was): the first packet needs no probation (RFC 3550 A.1).
        Statistics = new ReceiveStatistics(_codecs.Length > 0 ? _codecs[0].ClockRate : 90000, time) { MinSequential = 1 };
    }

    public PublishedTrack Track { get; }

    /// <summary>The position among the track's encodings (the offer's <c>a=rid</c> or <c>a=ssrc-group:SIM</c> order).</summary>
    public int Index { get; }

    /// <summary>The RTP stream id (RFC 8852) of a simulcast layer; null for a track sent as one encoding.</summary>
    public string? Rid { get; }

    /// <summary>How the API names the encoding: its rid, or its position for layers signalled by SSRC only.</summary>
    public string Name => Rid ?? Index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public MediaKind Kind => Track.Kind;

    public RetransmissionCache Cache { get; } = new();

    /// <summary>What the publisher is asked to resend; touched only by the receive thread (packets and heartbeat).</summary>
    public NackGenerator Nacks { get; }

    public ReceiveStatistics Statistics { get; }

    public TimeSpan KeyframeRequestInterval { get; init; } = TimeSpan.FromMilliseconds(300);

    public uint Ssrc => _ssrc;

    public bool HasSsrc => _ssrcKnown;

    /// <summary>The SSRC of this encoding's retransmissions (RFC 4588), once known.</summary>
    public uint? RtxSsrc { get; internal set; }

    /// <summary>
    /// Changes when the encoding's SSRC changes (the publisher restarted its encoder): a new sequence-number and
    /// timestamp space, which a sink must join afresh at a keyframe.
    /// </summary>
    public int Generation => Volatile.Read(ref _generation);

    public long PacketsReceived => Statistics.PacketsReceived;

    public long BytesReceived => Volatile.Read(ref _bytes);

    /// <summary>The picture width of the encoding's last keyframe (VP8 and VP9, which carry it); 0 until one is seen.</summary>
    public int Width => (int)(Volatile.Read(ref _size) >> 16);

    /// <summary>The picture height of the encoding's last keyframe; 0 until one is seen.</summary>
    public int Height => (int)(Volatile.Read(ref _size) & 0xFFFF);

    /// <summary>
    /// Orders the encodings of one track from the lowest layer up: by picture size when both are known (a layer
    /// that is ramping up may briefly carry fewer bits than a smaller one), else by bitrate.
    /// </summary>
    public int CompareLayer(TrackEncoding other)
    {
        var (mine, theirs) = ((long)Width * Height, (long)other.Width * other.Height);
        return mine > 0 && theirs > 0 && mine != theirs ? mine.CompareTo(theirs) : Bitrate.CompareTo(other.Bitrate);
    }

    private long _size;

    /// <summary>What this encoding brought since the report timer's previous tick (about a second), in bit/s.</summary>
    public long Bitrate => Volatile.Read(ref _bitrate);

    /// <summary>
    /// The highest of the last three <see cref="Bitrate"/> measures: what the bandwidth allocation charges for the
    /// layer, since an encoder's rate swings from second to second (keyframes, its own rate control).
    /// </summary>
    public long PeakBitrate => Math.Max(Volatile.Read(ref _bitrate), Math.Max(Volatile.Read(ref _previousBitrate), Volatile.Read(ref _olderBitrate)));

    private long _bitrate;
    private long _previousBitrate;
    private long _olderBitrate;
    private long _bytesAtLastMeasure;
    private long _lastMeasureAt;

    // Bytes per layer since the last measure, indexed SID * TemporalLayers + TID, and the share (per mille) of the
    // encoding's bytes that each (spatial, temporal) pair takes with every layer below it, as last measured.
    private readonly long[] _layerBytes = new long[SpatialLayers * TemporalLayers];
    private readonly int[] _layerShare = new int[SpatialLayers * TemporalLayers];
    private int _temporalLayers = 1;
    private int _temporalLayersSeen;
    private int _spatialLayers = 1;
    private int _spatialLayersSeen;

    /// <summary>The most temporal layers an encoding may carry (VP8's TID is two bits).</summary>
    public const int TemporalLayers = 4;

    /// <summary>The most spatial layers (VP9 SID) the node tells apart; packets of higher ones count as the highest.</summary>
    public const int SpatialLayers = 4;

    /// <summary>
    /// How many temporal layers the allocation may choose among for this encoding: those it carried over the last
    /// measure when there are three or more (Chromium's VP8 L1T3, in simulcast or as one encoding, and its VP9 SVC), else 1
    /// (forwarded whole). Two layers are not dropped: Firefox sends its VP8 simulcast as L1T2, and its player, given
    /// only TID 0 of q, decoded 31 frames in 5 s; docs/congestion-control.md.
    /// </summary>
    public int TemporalLayerCount => Volatile.Read(ref _temporalLayers) is >= 3 and var layers ? layers : 1;

    /// <summary>How many spatial layers (VP9 SVC in flexible mode) the encoding carried over the last measure; 1 for any other.</summary>
    public int SpatialLayerCount => Volatile.Read(ref _spatialLayers);

    /// <summary>
    /// The steps the allocation may choose among within this encoding: every (spatial, temporal) pair, numbered
    /// spatial × <see cref="TemporalLayerCount"/> + temporal, each forwarding its layers and all below.
    /// </summary>
    public int LayerCount => SpatialLayerCount * TemporalLayerCount;

    /// <summary>What the encoding's step <paramref name="layer"/> (see <see cref="LayerCount"/>) takes of its <see cref="PeakBitrate"/>, in bit/s.</summary>
    public long LayerPeakBitrate(int layer)
    {
        if (layer >= LayerCount - 1)
        {
            return PeakBitrate;
        }

        var (spatial, temporal) = Layer(layer);
        return PeakBitrate * Volatile.Read(ref _layerShare[(spatial * TemporalLayers) + temporal]) / 1000;
    }

    /// <summary>The highest spatial and temporal layers the step <paramref name="layer"/> forwards (<see cref="LayerCount"/>).</summary>
    public (int Spatial, int Temporal) Layer(int layer)
    {
        var temporalLayers = TemporalLayerCount;
        layer = Math.Max(0, layer);
        return (Math.Min(layer / temporalLayers, SpatialLayers - 1), temporalLayers == 1 ? TemporalLayers - 1 : layer % temporalLayers);
    }

    /// <summary>Measures <see cref="Bitrate"/> since the last measure; called once a second by the node's report timer.</summary>
    internal void MeasureBitrate()
    {
        var bytes = BytesReceived;
        var now = _time.GetTimestamp();
        var seconds = _time.GetElapsedTime(_lastMeasureAt, now).TotalSeconds;
        Volatile.Write(ref _olderBitrate, _previousBitrate);
        Volatile.Write(ref _previousBitrate, _bitrate);
        Volatile.Write(ref _bitrate, seconds > 0 ? (long)((bytes - _bytesAtLastMeasure) * 8 / seconds) : 0);
        _bytesAtLastMeasure = bytes;
        _lastMeasureAt = now;

        long total = 0;
        foreach (var layer in _layerBytes)
        {
            total += layer;
        }

        // Each pair's share: the bytes of its spatial layer and those below, in its temporal layer and those below.
        for (var spatial = 0; spatial < SpatialLayers; spatial++)
        {
            for (var temporal = 0; temporal < TemporalLayers; temporal++)
            {
                long upTo = 0;
                for (var s = 0; s <= spatial; s++)
                {
                    for (var t = 0; t <= temporal; t++)
                    {
                        upTo += _layerBytes[(s * TemporalLayers) + t];
                    }
                }

                Volatile.Write(ref _layerShare[(spatial * TemporalLayers) + temporal], total > 0 ? (int)(upTo * 1000 / total) : 1000);
            }
        }

        Array.Clear(_layerBytes);
        Volatile.Write(ref _temporalLayers, Math.Max(1, _temporalLayersSeen));
        Volatile.Write(ref _spatialLayers, Math.Max(1, _spatialLayersSeen));
        _temporalLayersSeen = 0;
        _spatialLayersSeen = 0;
    }

    public long NacksSent => Volatile.Read(ref _nacksSent);

    public long KeyframeRequests => Volatile.Read(ref _keyframeRequests);

    /// <summary>True if <paramref name="payloadType"/> is an RTX payload type of this track (RFC 4588).</summary>
    public bool IsRtxPayloadType(int payloadType) => _codecByRtxPayloadType[payloadType & 0x7F] != NoCodec;

    /// <summary>True if <paramref name="payloadType"/> belongs to this track (media or RTX).</summary>
    public bool Carries(int payloadType) =>
        _codecByPayloadType[payloadType & 0x7F] != NoCodec || _codecByRtxPayloadType[payloadType & 0x7F] != NoCodec;

    /// <summary>One plain RTP packet of this encoding, in the receive buffer (rewritten in place for RTX).</summary>
    public void OnRtp(Span<byte> packet, scoped Span<byte> scratch)
    {
        if (!RtpPacket.TryParse(packet, out var rtp))
        {
            return;
        }

        var isRetransmission = false;
        var index = _codecByPayloadType[rtp.PayloadType];
        if (index == NoCodec)
        {
            index = _codecByRtxPayloadType[rtp.PayloadType];
            // RFC 4588 §4, in the receive buffer: the header moves over the OSN.
            if (index == NoCodec || !_ssrcKnown || !Rtx.TryUnwrapInPlace(packet, (byte)_codecs[index].PayloadType, _ssrc, out packet))
            {
                return;
            }

            isRetransmission = true;
            if (!RtpPacket.TryParse(packet, out rtp))
            {
                return;
            }
        }
        else if (!_ssrcKnown || rtp.Ssrc != _ssrc)
        {
            OnNewSsrc(rtp.Ssrc);
        }

        var codec = _codecs[index];
        var now = _time.GetTimestamp();
        var extended = _unwrapper.Unwrap(rtp.SequenceNumber);
        if (Cache.TryGet(rtp.SequenceNumber, out _))
        {
            // A duplicate, or a retransmission of something that arrived after all.
            return;
        }

        _bytes += packet.Length;
        Statistics.OnPacket(rtp.SequenceNumber, rtp.Timestamp, now, isRetransmission);

        Cache.Store(rtp.SequenceNumber, packet);
        // Once for every sink: the layers the node may drop (VP8's and AV1's temporal ones, VP9's temporal and
        // spatial ones), from the dependency descriptor where the publisher sends one, else the payload descriptor.
        var layer = codec.Codec is Media.MediaCodec.VP8 or Media.MediaCodec.AV1 && TryReadDependencyDescriptor(rtp, out var described)
            ? described
            : RtpTemporalLayer.Read(codec.Codec, rtp.Payload);
        if (layer.TemporalId >= 0)
        {
            var (spatial, temporal) = (Math.Min(layer.SpatialId, SpatialLayers - 1), Math.Min(layer.TemporalId, TemporalLayers - 1));
            _layerBytes[(spatial * TemporalLayers) + temporal] += packet.Length;
            _temporalLayersSeen = Math.Max(_temporalLayersSeen, temporal + 1);
            _spatialLayersSeen = Math.Max(_spatialLayersSeen, spatial + 1);
        }

        var keyframeStart = Kind == MediaKind.Video && RtpKeyframe.IsKeyframeStart(codec.Codec, rtp.Payload);
        if (keyframeStart && RtpKeyframe.TryGetKeyframeSize(codec.Codec, rtp.Payload, out var width, out var height))
        {
            Volatile.Write(ref _size, ((long)width << 16) | (uint)height);
        }

        // A packet after later ones (the publisher's retransmission, or reordering) starts nothing for the sinks: the
        // keyframe's later packets went by before it, so a sink that started there would miss them.
        if (extended > _highestExtended)
        {
            _highestExtended = extended;
        }
        else
        {
            keyframeStart = false;
        }
        foreach (var sink in Track.Sinks)
        {
            sink.OnRtp(this, codec, rtp, keyframeStart, layer, now, scratch);
        }

        if (codec.Nack)
        {
            _nacksEnabled = true;
            OnArrivalForNacks(extended, now);
        }
    }

    /// <summary>
    /// A VP8 or AV1 packet's temporal layer from its dependency descriptor, once the publisher has sent the
    /// structure. Chromium, once the descriptor is negotiated, sends VP8 with a bare payload descriptor (no
    /// PictureID, no TID) and AV1's layers only there. Temporal layers only: an encoding with spatial layers is
    /// forwarded whole, since without the descriptor (which the node does not forward) a receiver cannot tell which
    /// frames belong together. VP9 keeps its own descriptor's layers (RtpTemporalLayer), which Chromium still sends.
    /// </summary>
    private bool TryReadDependencyDescriptor(in RtpPacket rtp, out TemporalLayerInfo layer)
    {
        if (_dependencyDescriptorId == 0 || !rtp.TryGetExtension(_dependencyDescriptorId, out var data)
            || !DependencyDescriptor.TryRead(data, _dependencies, out var frame))
        {
            layer = default;
            return false;
        }

        layer = _dependencies.SpatialLayers > 1 ? TemporalLayerInfo.None
            : new TemporalLayerInfo(frame.TemporalId, LayerSync: false, PictureStart: frame.StartOfFrame, frame.SpatialId, frame.EndOfFrame);
        return true;
    }

    /// <summary>The publisher's sender report: its NTP/RTP mapping goes on to every sink.</summary>
    public void OnSenderReport(ulong ntpTimestamp, uint rtpTimestamp)
    {
        Statistics.OnSenderReport(ntpTimestamp);
        foreach (var sink in Track.Sinks)
        {
            sink.OnSenderReport(this, ntpTimestamp, rtpTimestamp);
        }
    }

    /// <summary>
    /// Asks the publisher for a keyframe, at most once per <see cref="KeyframeRequestInterval"/>: many
    /// subscribers joining or losing packets at once cost the publisher one keyframe. Any thread.
    /// </summary>
    public void RequestKeyframe()
    {
        if (!_ssrcKnown)
        {
            return;
        }

        var now = _time.GetTimestamp();
        var last = Volatile.Read(ref _lastKeyframeRequestAt);
        if (_time.GetElapsedTime(last, now) < KeyframeRequestInterval
            || Interlocked.CompareExchange(ref _lastKeyframeRequestAt, now, last) != last)
        {
            return;
        }

        Interlocked.Increment(ref _keyframeRequests);
        Span<byte> buffer = stackalloc byte[128];
        var writer = new RtcpWriter(buffer);
        if (_prefersFir)
        {
            var sequence = (byte)Interlocked.Increment(ref _firSequence);
            writer.WriteFir(FeedbackSsrc, [new FirEntry(_ssrc, sequence)]);
        }
        else
        {
            writer.WritePli(FeedbackSsrc, _ssrc);
        }

        _transport.SendRtcp(buffer, writer.Length);
    }

    /// <summary>Receiver report and REMB toward the publisher (RFC 3550 §6.4.2); called by the node's report timer.</summary>
    public void SendReceiverReport()
    {
        if (!_ssrcKnown)
        {
            return;
        }

        Span<byte> buffer = stackalloc byte[256];
        var writer = new RtcpWriter(buffer);
        writer.WriteReceiverReport(FeedbackSsrc, [Statistics.CreateReportBlock(_ssrc)]);
        if (Kind == MediaKind.Video && _sendsRemb)
        {
            // Without transport-wide feedback, REMB is how the publisher learns it may send at full rate.
            writer.WriteRemb(FeedbackSsrc, _maxBitrate, [_ssrc]);
        }

        _transport.SendRtcp(buffer, writer.Length);
    }

    private void OnNewSsrc(uint ssrc)
    {
        // First packet, or the publisher restarted its encoder with a new SSRC: a new sequence space.
        var wasKnown = _ssrcKnown;
        _ssrc = ssrc;
        _ssrcKnown = true;
        if (wasKnown)
        {
            _unwrapper = default;
            _highestExtended = -1;
            Cache.Clear();
            Nacks.Reset();
            Statistics.Rebase();
            Interlocked.Increment(ref _generation);
        }
    }

    /// <summary>
    /// The heartbeat's turn, on the receive thread between two datagrams: repeats requests that fell due while no
    /// packet of this encoding arrived.
    /// </summary>
    internal void RetryNacks()
    {
        if (_nacksEnabled && Nacks.MissingCount > 0)
        {
            SendDueNacks(_time.GetTimestamp());
        }
    }

    private void OnArrivalForNacks(long extended, long now)
    {
        Nacks.OnPacket(extended, now);
        if (Nacks.MissingCount > 0)
        {
            SendDueNacks(now);
        }
    }

    private void SendDueNacks(long now)
    {
        Span<ushort> due = stackalloc ushort[64];
        var count = Nacks.Tick(now, due);
        if (count == 0)
        {
            return;
        }

        Span<byte> buffer = stackalloc byte[512];
        var writer = new RtcpWriter(buffer);
        writer.WriteNack(FeedbackSsrc, _ssrc, due[..count]);
        if (_transport.SendRtcp(buffer, writer.Length))
        {
            _nacksSent++;
        }
    }
}
