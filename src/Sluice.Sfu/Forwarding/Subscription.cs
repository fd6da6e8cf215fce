using System.Buffers.Binary;
using System.Security.Cryptography;
using Sluice.Media;
using Sluice.Media.Rtp;
using Sluice.Rtc;
using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Negotiation;
using Sluice.Sfu.Sessions;

namespace Sluice.Sfu.Forwarding;

/// <summary>
/// A published track forwarded into one subscriber session: one sending m-section of that session, with our
/// SSRCs, payload types and header-extension ids, and the sequence-number and timestamp offsets that keep what
/// the subscriber sees one continuous stream across sources (a publisher leaving and another arriving, an encoder
/// restart, later a simulcast layer switch), VP8's PictureID and TL0PICIDX included. Video starts, and restarts after a change, at a keyframe. The source
/// is set under the node's lock (<see cref="Bind"/>); every other method runs on the receive thread and none
/// allocates per packet.
/// </summary>
public sealed class Subscription : ITrackSink
{
    private const byte None = 0xFF;

    private readonly WebRtcTransport _transport;
    private readonly Downlink _downlink;
    private readonly TimeProvider _time;
    private readonly byte[] _payloadTypes = new byte[128];
    private readonly byte[] _rtxPayloadTypes = new byte[128];
    private readonly byte[] _extensionIds = new byte[256];
    // The codec of each source payload type whose PictureIDs are rewritten and temporal layers dropped (VP8).
    private readonly MediaCodec?[] _layered = new MediaCodec?[128];
    private PictureIdRewriter _pictures;
    private volatile PublishedTrack? _source;
    private PublishedTrack? _mappedSource;
    private TrackEncoding? _current;
    private int _generation;
    private bool _waitingForKeyframe;
    private bool _resync = true;
    private bool _started;
    private ushort _sequenceOffset;
    private uint _timestampOffset;
    private ushort _lastSequence;
    private uint _lastTimestamp;
    private int _clockRate = 90000;
    private long _lastSentAt;
    private ushort _firstSequenceOfEpoch;
    private ushort _rtxSequence;
    private long _packetsSent;
    private long _bytesSent;
    private long _nacksReceived;
    private long _retransmissions;
    private long _keyframeRequestsReceived;
    private long _packetsLostReported;
    private int _pinned = -1;
    private int _allocated = Downlink.Unallocated;

    // The highest temporal (VP8's and VP9's TID) and spatial (VP9's SID) layers the allocation lets through, and those
    // forwarded now: they follow the targets at picture starts, down at any, up where the pictures that follow
    // reference nothing the subscriber lacks.
    internal const int AllTemporal = TrackEncoding.TemporalLayers - 1;
    internal const int AllSpatial = TrackEncoding.SpatialLayers - 1;
    private int _temporalTarget = AllTemporal;
    private int _spatialTarget = AllSpatial;
    private int _temporal = AllTemporal;
    private int _spatial = AllSpatial;
    private long _framesDropped;

    // Our sequence number -> the source's, for the last SequenceMapSize packets sent: with upper temporal layers
    // dropped the offset between the two changes from packet to packet, and NACKs and probes name ours. An entry
    // holds, from the low bits: theirs (16), ours (16), the VP8 PictureID/TL0PICIDX offsets it was sent with (23),
    // a 1 (written), and whether we set its marker bit (it ended the spatial layers sent of a VP9 picture), so a
    // retransmission is the very packet sent.
    private const int SequenceMapSize = 1024;
    private const int Written = 55;
    private const int Marked = 56;
    private readonly long[] _sequenceMap;

    // Per entry of the map: how often the packet was resent and when last (µs). A receiver behind a full queue asks
    // for the same packets every round trip, and resending each time fills the queue further (a thin link then
    // carried seven resends per packet sent): a packet is resent at most MaxResends times, one round trip apart.
    private const int MaxResends = 3;
    private readonly byte[] _resends;
    private readonly long[] _resentAt;
    private long _resendsRefused;

    // Per source sequence number of this epoch (mod SourceMapSize): our number kept for it, the PictureID/TL0PICIDX
    // offsets and the layers in force when it was due, and whether it has arrived. Numbers are kept for the packets
    // missing when a later one arrives (our offset does not move over them), so one that comes late (the publisher's
    // retransmission, or reordering) takes its own number, whatever was dropped since, and is forwarded as the layers
    // then said, or sent as padding when they dropped it: the subscriber sees its numbers without a hole or a repeat.
    // An entry holds, from the low bits: theirs (16), ours (16), the offsets (23), the temporal and spatial layers in
    // force (2 + 2), whether it arrived, and a 1 (written).
    private const int SourceMapSize = 1024;
    private const int SourceLayers = 55;
    private const int Arrived = 59;
    private const int Kept = 60;
    private readonly long[] _sourceMap;
    private ushort _firstSourceOfEpoch;
    private ushort _highestSource;
    private uint _highestTimestamp;
    private bool _highestDropped;
    private long _latePackets;
    private byte _probePayloadType = None;
    private long _layerSwitches;
    private volatile bool _enabled = true;
    private bool _paused;

    internal Subscription(WebRtcTransport transport, Downlink downlink, NegotiatedTrack negotiated, TimeProvider time)
    {
        _transport = transport;
        _downlink = downlink;
        _time = time;
        Negotiated = negotiated;
        Ssrc = negotiated.Ssrc ?? throw new ArgumentException("A subscription needs our SSRC.", nameof(negotiated));
        RtxSsrc = negotiated.RtxSsrc;
        _lastSequence = (ushort)RandomNumberGenerator.GetInt32(1 << 15);
        _lastTimestamp = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        _rtxSequence = (ushort)RandomNumberGenerator.GetInt32(1 << 15);
        _sequenceMap = negotiated.Kind == MediaKind.Video ? new long[SequenceMapSize] : [];
        _sourceMap = negotiated.Kind == MediaKind.Video ? new long[SourceMapSize] : [];
        _resends = new byte[_sequenceMap.Length];
        _resentAt = new long[_sequenceMap.Length];
    }

    public NegotiatedTrack Negotiated { get; }

    public MediaKind Kind => Negotiated.Kind;

    public string Mid => Negotiated.Mid;

    /// <summary>
    /// The track this section was offered for (a node-initiated offer adds one section per track); null for a
    /// section the subscriber offered, which the room's binding policy fills.
    /// </summary>
    public TrackId? Wanted { get; internal set; }

    /// <summary>The published track forwarded here now, if any.</summary>
    public PublishedTrack? Source => _source;

    public uint Ssrc { get; }

    public uint? RtxSsrc { get; }

    public long PacketsSent => Volatile.Read(ref _packetsSent);

    /// <summary>Packets that came after later ones and were sent on the numbers kept for them (as padding where their layer was dropped).</summary>
    public long LatePackets => Volatile.Read(ref _latePackets);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long NacksReceived => Volatile.Read(ref _nacksReceived);

    public long Retransmissions => Volatile.Read(ref _retransmissions);

    public long KeyframeRequestsReceived => Volatile.Read(ref _keyframeRequestsReceived);

    /// <summary>Packets NACKed again before a round trip had passed since their last resend, or resent too often already: not resent.</summary>
    public long ResendsRefused => Volatile.Read(ref _resendsRefused);

    /// <summary>The encoding pinned for this subscriber (live777's layer API), or null: the track's <see cref="PublishedTrack.PreferredEncoding"/>.</summary>
    public int? PinnedEncoding => Volatile.Read(ref _pinned) is >= 0 and var pinned ? pinned : null;

    /// <summary>The encoding forwarded now, once forwarding started.</summary>
    public TrackEncoding? ForwardedEncoding => _started ? _current : null;

    /// <summary>Switches from one encoding of the track to another (at a keyframe of the new one).</summary>
    public long LayerSwitches => Volatile.Read(ref _layerSwitches);

    /// <summary>True while the subscriber's bandwidth estimate does not carry the track's lowest layer: video waits, audio goes on.</summary>
    public bool PausedForBandwidth => Volatile.Read(ref _allocated) == Downlink.Paused;

    /// <summary>The highest temporal layer (VP8's or VP9's TID) forwarded now; <see cref="TrackEncoding.TemporalLayers"/> - 1 when none is dropped.</summary>
    public int TemporalLayer => Volatile.Read(ref _temporal);

    /// <summary>The highest spatial layer (VP9's SID) forwarded now; <see cref="TrackEncoding.SpatialLayers"/> - 1 when none is dropped.</summary>
    public int SpatialLayer => Volatile.Read(ref _spatial);

    /// <summary>The step of the forwarded encoding sent now (<see cref="TrackEncoding.LayerCount"/>), for the allocation.</summary>
    internal int ForwardedLayer
    {
        get
        {
            if (ForwardedEncoding is not { } encoding)
            {
                return int.MaxValue;
            }

            var temporalLayers = encoding.TemporalLayerCount;
            var spatial = Math.Min(SpatialLayer, encoding.SpatialLayerCount - 1);
            return (spatial * temporalLayers) + (temporalLayers == 1 ? 0 : Math.Min(TemporalLayer, temporalLayers - 1));
        }
    }

    /// <summary>Frames of upper temporal layers not forwarded, so this subscriber gets fewer frames per second.</summary>
    public long FramesDropped => Volatile.Read(ref _framesDropped);

    /// <summary>When the bandwidth allocation last took this track down (µs, the estimator's clock); the heartbeat's only.</summary>
    internal long DowngradedAt { get; set; } = long.MinValue / 2;

    /// <summary>The encoding the bandwidth allocation chose for this subscriber, if it chose one.</summary>
    public int? AllocatedEncoding => Volatile.Read(ref _allocated) is >= 0 and var allocated ? allocated : null;

    /// <summary>False while the subscriber has muted this section (live777's session update): nothing is sent.</summary>
    public bool Enabled => _enabled;

    /// <summary>Stops or resumes sending; a resumed video section restarts at a keyframe, its numbering continuous.</summary>
    public void SetEnabled(bool enabled) => _enabled = enabled;

    /// <summary>Pins an encoding by index (null: back to the automatic choice); the switch happens at its next keyframe.</summary>
    public void Pin(int? encoding) => Volatile.Write(ref _pinned, encoding ?? -1);

    /// <summary>
    /// Pins the encoding the layer APIs call <paramref name="name"/> (<see cref="TrackEncoding.Name"/>; null: back to
    /// the automatic choice); false, and nothing changed, when the source track has no such encoding.
    /// </summary>
    public bool TryPin(string? name)
    {
        if (name is null)
        {
            Pin(null);
            return true;
        }

        if (Source?.FindEncoding(name) is not { } encoding)
        {
            return false;
        }

        Pin(encoding.Index);
        return true;
    }

    /// <summary>Called once, after this subscription's first packet is sent (the session's setup-time hook).</summary>
    public Action? FirstPacketSent { get; set; }

    /// <summary>Cumulative packets lost as the subscriber last reported them (RFC 3550 §6.4.1 receiver reports).</summary>
    public long PacketsLostReported => Volatile.Read(ref _packetsLostReported);

    /// <summary>
    /// Forwards <paramref name="source"/> here from now on (null: nothing). Called under the node's lock; the
    /// receive thread notices the change on the next packet and resynchronises at a keyframe.
    /// </summary>
    internal void Bind(PublishedTrack? source)
    {
        var previous = _source;
        if (previous == source)
        {
            return;
        }

        previous?.RemoveSink(this);
        _source = source;
        source?.AddSink(this);
    }

    internal void OnReceptionReport(in ReportBlock block) => Volatile.Write(ref _packetsLostReported, Math.Max(0, block.CumulativeLost));

    /// <summary>Forwards one publisher packet: map, rewrite a copy in <paramref name="scratch"/>, protect, send.</summary>
    public void OnRtp(TrackEncoding encoding, NegotiatedCodec codec, in RtpPacket rtp, bool keyframeStart, in TemporalLayerInfo layer, long now, Span<byte> scratch)
    {
        // A packet from a track we were just unbound from (its sink array was read before the swap): not ours.
        if (encoding.Track != _source)
        {
            return;
        }

        var wanted = WantedEncoding(encoding.Track);
        if (!_enabled || wanted < 0)
        {
            _paused = true;
            return;
        }

        if (_paused)
        {
            // Resuming after a mute: a new epoch, from a keyframe of the wanted encoding.
            if (encoding.Index != wanted)
            {
                return;
            }

            _paused = false;
            Resynchronise(encoding);
        }
        else if (encoding == _current && encoding.Generation == _generation)
        {
            // The encoding we forward goes on even when another is wanted, until that one's keyframe arrives.
            if (encoding.Index != wanted)
            {
                encoding.Track.Encodings[wanted].RequestKeyframe();
            }
        }
        else
        {
            if (encoding.Index != wanted)
            {
                return;
            }

            // A layer switch happens at a keyframe of the new layer: the decoder needs nothing from the old one.
            var switching = Kind == MediaKind.Video && _current is { } current && current.Track == encoding.Track && _started && !_waitingForKeyframe;
            if (switching && !keyframeStart)
            {
                encoding.RequestKeyframe();
                return;
            }

            if (switching)
            {
                Interlocked.Increment(ref _layerSwitches);
            }

            Resynchronise(encoding);
        }

        var payloadType = _payloadTypes[codec.PayloadType & 0x7F];
        if (payloadType == None)
        {
            // This subscriber did not negotiate the codec the publisher sends now.
            return;
        }

        if (_waitingForKeyframe)
        {
            if (!keyframeStart)
            {
                // Throttled at the publisher: cheap to ask on every packet until the keyframe comes.
                encoding.RequestKeyframe();
                return;
            }

            _waitingForKeyframe = false;
        }
        else if (!_resync && _sourceMap.Length > 0)
        {
            if ((short)(rtp.SequenceNumber - _highestSource) <= 0)
            {
                ForwardLate(codec, rtp, payloadType, layer, scratch);
                return;
            }

            KeepMissing(rtp.SequenceNumber, withinDropped: _highestDropped && rtp.Timestamp == _highestTimestamp && !layer.PictureStart);
        }

        var layered = _layered[codec.PayloadType & 0x7F];
        if (layer.TemporalId >= 0)
        {
            // A pinned encoding (the layer API) comes whole; otherwise the allocation says which of its steps fits.
            var (spatialTarget, temporalTarget) = Volatile.Read(ref _pinned) >= 0 ? (AllSpatial, AllTemporal)
                : (Volatile.Read(ref _spatialTarget), Volatile.Read(ref _temporalTarget));
            if (keyframeStart || _resync)
            {
                Volatile.Write(ref _temporal, temporalTarget);
                Volatile.Write(ref _spatial, spatialTarget);
            }
            else if (layer.PictureStart)
            {
                // Temporal layers: down at any picture, up where the pictures that follow reference nothing the
                // subscriber lacks: at TID 0 or a switching point (VP8's Y; VP9's U promises it for the layers above
                // the picture's own only). Spatial layers: up at a keyframe (L3T3_KEY: a spatial layer references the
                // one below only there), asked for now; down at once, with a keyframe asked for too: Chromium's
                // player decoded nothing of a VP9 stream cut from S1 to S0 at a picture start until its own keyframe
                // request 2.7 s later (docs/congestion-control.md).
                if (temporalTarget < _temporal || (temporalTarget > _temporal
                    && (layer.TemporalId == 0 || (layer.LayerSync && (codec.Codec == MediaCodec.VP8 || layer.TemporalId <= _temporal)))))
                {
                    Volatile.Write(ref _temporal, temporalTarget);
                }

                if (spatialTarget < _spatial)
                {
                    Volatile.Write(ref _spatial, spatialTarget);
                    encoding.RequestKeyframe();
                }
                else if (spatialTarget > _spatial)
                {
                    encoding.RequestKeyframe();
                }
            }

            if (layer.TemporalId > _temporal || layer.SpatialId > _spatial)
            {
                // Not forwarded: the packets after it close the gap in our sequence numbers, and in VP8's PictureIDs
                // (VP9 in flexible mode names references by PictureID difference: its gaps stay). Once per picture, at
                // the first of its packets to arrive (its start may come late, or never).
                if (layer.TemporalId > _temporal && (layer.PictureStart || rtp.Timestamp != _highestTimestamp || !_highestDropped))
                {
                    if (layered is not null)
                    {
                        _pictures.Skip(codec.Codec, rtp.Payload);
                    }

                    _framesDropped++;
                }

                if (_sourceMap.Length > 0 && !_resync)
                {
                    _sourceMap[rtp.SequenceNumber % SourceMapSize] = SourceEntry(rtp.SequenceNumber, arrived: true);
                    (_highestSource, _highestTimestamp, _highestDropped) = (rtp.SequenceNumber, rtp.Timestamp, true);
                }

                _sequenceOffset--;
                return;
            }
        }

        var sequenceNumber = rtp.SequenceNumber;
        var timestamp = rtp.Timestamp;
        if (_resync)
        {
            // Continue our own sequence and timestamp where the previous source left them.
            var elapsed = _started ? Math.Max(1, (long)(_time.GetElapsedTime(_lastSentAt, now).TotalSeconds * _clockRate)) : 0;
            _firstSequenceOfEpoch = (ushort)(_lastSequence + 1);
            _sequenceOffset = (ushort)(_firstSequenceOfEpoch - sequenceNumber);
            _timestampOffset = (uint)(_lastTimestamp + elapsed - timestamp);
            _clockRate = codec.ClockRate;
            _resync = false;
            _started = true;
            _firstSourceOfEpoch = sequenceNumber;
        }

        var outSequence = (ushort)(sequenceNumber + _sequenceOffset);
        var outTimestamp = timestamp + _timestampOffset;
        var length = Rewrite(rtp.Packet, scratch, payloadType, outSequence, outTimestamp);

        // The last packet of the highest spatial layer sent ends the picture for this subscriber (RFC 9628 §4.1).
        var marked = layer.EndOfLayerFrame && layer.SpatialId == _spatial && !rtp.Marker;
        if (marked)
        {
            RtpHeaderRewriter.SetMarker(scratch, true);
        }

        if (layered is { } pictured)
        {
            // One PictureID / TL0PICIDX series for the subscriber across sources (RFC 7741 §4.2, RFC 9628 §4.2).
            _pictures.Rewrite(pictured, scratch.Slice(rtp.HeaderLength, rtp.Packet.Length - rtp.HeaderLength - rtp.PaddingLength));
        }

        var pictureOffsets = layered is null ? 0 : _pictures.Offsets;
        if (_sourceMap.Length > 0)
        {
            _sourceMap[sequenceNumber % SourceMapSize] = SourceEntry(sequenceNumber, arrived: true);
            (_highestSource, _highestTimestamp, _highestDropped) = (sequenceNumber, timestamp, false);
        }

        if ((short)(outSequence - _lastSequence) > 0)
        {
            _lastSequence = outSequence;
            _lastTimestamp = outTimestamp;
            _lastSentAt = now;
        }

        Send(scratch, length, sequenceNumber, outSequence, pictureOffsets, marked);
    }

    /// <summary>Sends a rewritten packet on our stream, noting it for NACKs and probes (padding: as nothing to resend).</summary>
    private void Send(Span<byte> scratch, int length, ushort theirs, ushort ours, int pictureOffsets, bool marked, bool padding = false)
    {
        if (_sequenceMap.Length > 0)
        {
            _sequenceMap[ours % SequenceMapSize] = padding ? 0 : (marked ? 1L << Marked : 0) | (1L << Written)
                | ((long)pictureOffsets << 32) | ((long)ours << 16) | theirs;
            _resends[ours % SequenceMapSize] = 0;
        }

        if (_downlink.Send(scratch, length, paced: Kind == MediaKind.Video))
        {
            _packetsSent++;
            _bytesSent += length;
            if (_packetsSent == 1)
            {
                FirstPacketSent?.Invoke();
            }
        }
    }

    /// <summary>
    /// The source's packets between the highest so far and <paramref name="sequenceNumber"/> are missing: each keeps
    /// the number our offset gives it now, with the offsets and layers now in force, for when it comes late. Missing
    /// packets <paramref name="withinDropped"/> a picture that is not forwarded (the packets on both sides belong to it)
    /// are part of it: they keep no number, and one that comes late is dropped too.
    /// </summary>
    private void KeepMissing(ushort sequenceNumber, bool withinDropped)
    {
        var missing = (ushort)(sequenceNumber - _highestSource - 1);
        if (missing == 0 || missing >= SourceMapSize)
        {
            // In order, or a jump past what the map holds: nothing that late is waited for.
            return;
        }

        for (var theirs = (ushort)(_highestSource + 1); theirs != sequenceNumber; theirs++)
        {
            _sourceMap[theirs % SourceMapSize] = SourceEntry(theirs, arrived: withinDropped);
            if (withinDropped)
            {
                _sequenceOffset--;
            }
        }
    }

    private long SourceEntry(ushort theirs, bool arrived) =>
        (1L << Kept) | (arrived ? 1L << Arrived : 0) | ((long)((Volatile.Read(ref _spatial) << 2) | Volatile.Read(ref _temporal)) << SourceLayers)
        | ((long)_pictures.Offsets << 32) | ((long)(ushort)(theirs + _sequenceOffset) << 16) | theirs;

    /// <summary>
    /// A packet after later ones of this epoch: on the number kept for it, rewritten as the packets around it were and
    /// forwarded if the layers in force then let it through, else as padding in its place; dropped when it already
    /// came (a duplicate) or is older than the map or the epoch.
    /// </summary>
    private void ForwardLate(NegotiatedCodec codec, in RtpPacket rtp, byte payloadType, in TemporalLayerInfo layer, Span<byte> scratch)
    {
        var slot = rtp.SequenceNumber % SourceMapSize;
        var entry = _sourceMap[slot];
        if ((short)(rtp.SequenceNumber - _firstSourceOfEpoch) < 0 || ((entry >> Kept) & 1) == 0 || ((entry >> Arrived) & 1) == 1
            || (ushort)entry != rtp.SequenceNumber)
        {
            return;
        }

        _sourceMap[slot] = entry | (1L << Arrived);
        _latePackets++;
        var ours = (ushort)(entry >> 16);
        var pictureOffsets = (int)((entry >> 32) & 0x7F_FFFF);
        var temporal = (int)((entry >> SourceLayers) & 3);
        var spatial = (int)((entry >> (SourceLayers + 2)) & 3);
        var timestamp = rtp.Timestamp + _timestampOffset;
        if (layer.TemporalId > temporal || layer.SpatialId > spatial)
        {
            // Dropped then: a padding-only packet holds its number (receivers count such packets for continuity).
            var writer = new RtpPacketWriter(scratch) { PayloadType = payloadType, SequenceNumber = ours, Timestamp = timestamp, Ssrc = Ssrc, PaddingLength = 255 };
            Send(scratch, writer.Write([]), rtp.SequenceNumber, ours, pictureOffsets, marked: false, padding: true);
            return;
        }

        var length = Rewrite(rtp.Packet, scratch, payloadType, ours, timestamp);
        var marked = layer.EndOfLayerFrame && layer.SpatialId == spatial && !rtp.Marker;
        if (marked)
        {
            RtpHeaderRewriter.SetMarker(scratch, true);
        }

        if (_layered[codec.PayloadType & 0x7F] is { } layered)
        {
            PictureIdRewriter.Reapply(layered, scratch.Slice(rtp.HeaderLength, rtp.Packet.Length - rtp.HeaderLength - rtp.PaddingLength), pictureOffsets);
        }

        Send(scratch, length, rtp.SequenceNumber, ours, pictureOffsets, marked);
    }

    /// <summary>The publisher's NTP/RTP mapping in our timestamp space (RFC 3550 §6.4.1), with our own counts.</summary>
    public void OnSenderReport(TrackEncoding encoding, ulong ntpTimestamp, uint rtpTimestamp)
    {
        if (!_started || _resync || encoding != _current || encoding.Generation != _generation)
        {
            return;
        }

        Span<byte> buffer = stackalloc byte[128];
        var writer = new RtcpWriter(buffer);
        writer.WriteSenderReport(Ssrc, ntpTimestamp, rtpTimestamp + _timestampOffset, (uint)_packetsSent, (uint)_bytesSent);
        writer.WriteSdesCname(Ssrc, "sluice"u8);
        _transport.SendRtcp(buffer, writer.Length);
    }

    /// <summary>A generic NACK from the subscriber (RFC 4585 §6.2.1): resend from the encoding's cache.</summary>
    public void OnNack(in GenericNack nack, Span<byte> scratch)
    {
        _nacksReceived++;
        var current = _current;
        if (current is null || !_started || current.Track != _source || current.Generation != _generation)
        {
            return;
        }

        if (_paused && Kind == MediaKind.Video)
        {
            // Paused video resumes at a keyframe: what it lost before is never decoded, and resending it would take
            // what a thin link has left from the audio.
            return;
        }

        var now = Microseconds.Now(_time);
        var interval = _downlink.ResendIntervalMicros;
        foreach (var lost in nack.GetLostSequenceNumbers())
        {
            // Before this source's first packet, our sequence numbers meant another source's packets.
            if ((short)(lost - _firstSequenceOfEpoch) < 0 || (short)(lost - _lastSequence) > 0)
            {
                continue;
            }

            var slot = lost % SequenceMapSize;
            if (_resends.Length > 0 && _resends[slot] > 0 && (_resends[slot] >= MaxResends || now - _resentAt[slot] < interval))
            {
                _resendsRefused++;
                if (_resends[slot] >= MaxResends && now - _resentAt[slot] >= interval)
                {
                    // Still missing after every resend: the receiver's decoder waits for a keyframe, so ask for it now
                    // rather than when the receiver gives up (Chromium: seconds later).
                    current.RequestKeyframe();
                }

                continue;
            }

            if (!TryGetSource(lost, out var theirs, out var offsets, out var marked) || !current.Cache.TryGet(theirs, out var original))
            {
                // Too old to resend: as above.
                current.RequestKeyframe();
                continue;
            }

            if (Retransmit(original, lost, offsets, marked, scratch) > 0 && _resends.Length > 0)
            {
                _resends[slot]++;
                _resentAt[slot] = now;
            }
        }
    }

    public void OnKeyframeRequest()
    {
        _keyframeRequestsReceived++;
        if (_source is not { } source)
        {
            return;
        }

        // The receiver decodes the encoding forwarded to it (pinned, allocated or preferred): only that one's
        // publisher is asked, not every encoding's (a relay's pinned sections would otherwise cost three keyframes each).
        if (_current is { } current && current.Track == source && current.Index == WantedEncoding(source))
        {
            current.RequestKeyframe();
        }
        else
        {
            source.RequestKeyframe();
        }
    }

    private int Retransmit(ReadOnlySpan<byte> original, ushort ours, int pictureOffsets, bool marked, Span<byte> scratch, int probeCluster = -1)
    {
        var payloadType = original[1] & 0x7F;
        var rtxPayloadType = _rtxPayloadTypes[payloadType];
        var length = Rewrite(original, scratch, _payloadTypes[payloadType], ours, OutTimestamp(original));
        if (marked)
        {
            RtpHeaderRewriter.SetMarker(scratch, true);
        }

        if (_layered[payloadType] is { } layered && RtpPacket.TryParse(original, out var rtp))
        {
            PictureIdRewriter.Reapply(layered, scratch.Slice(rtp.HeaderLength, rtp.Packet.Length - rtp.HeaderLength - rtp.PaddingLength), pictureOffsets);
        }

        if (rtxPayloadType != None && RtxSsrc is { } rtxSsrc)
        {
            // On the RTX stream (RFC 4588 §4), with our sequence number as the OSN.
            length = Rtx.WrapInPlace(scratch, length, rtxPayloadType, rtxSsrc, _rtxSequence++);
        }

        if (length > 0 && _downlink.Send(scratch, length, probeCluster, paced: probeCluster < 0 && Kind == MediaKind.Video))
        {
            if (probeCluster < 0)
            {
                _retransmissions++;
            }

            return length;
        }

        return 0;
    }

    /// <summary>
    /// The bandwidth allocation's choice (an encoding index, <see cref="Downlink.Paused"/> or <see cref="Downlink.Unallocated"/>)
    /// and the highest temporal and spatial layers of it to forward; the heartbeat's.
    /// </summary>
    internal void Allocate(int encoding, int temporal = AllTemporal, int spatial = AllSpatial)
    {
        Volatile.Write(ref _allocated, encoding);
        Volatile.Write(ref _temporalTarget, temporal);
        Volatile.Write(ref _spatialTarget, spatial);
    }

    /// <summary>True when probes can be copies of this subscription's packets: video, forwarding, with an RTX stream.</summary>
    internal bool CanProbe => Kind == MediaKind.Video && _started && RtxSsrc is not null && _probePayloadType != None;

    /// <summary>
    /// Sends, as a probe, an RTX copy of the packet <paramref name="back"/> before the newest one sent (a packet the
    /// subscriber has, so it costs it nothing but the bits). Returns the bytes sent, 0 when there is no such packet.
    /// </summary>
    internal int SendProbe(int back, int probeCluster)
    {
        if (!CanProbe)
        {
            return 0;
        }

        var ours = (ushort)(_lastSequence - back);
        // Not while paused (a paused track's link is thin: small padding packets keep a probe from crowding out the
        // audio), nor while a new source waits for its keyframe (our numbering does not map onto its packets yet).
        if (!_paused && !_resync && _current is { } current && back < 64 && (short)(ours - _firstSequenceOfEpoch) >= 0
            && TryGetSource(ours, out var theirs, out var offsets, out var marked) && current.Cache.TryGet(theirs, out var original))
        {
            return Retransmit(original, ours, offsets, marked, SfuSession.Scratch, probeCluster);
        }

        // Nothing to copy (paused, or a short history): padding only, on the RTX stream (RFC 4588 §4 packets
        // without payload, which receivers drop after counting them, as they do senders' own padding).
        var scratch = SfuSession.Scratch;
        var writer = new RtpPacketWriter(scratch)
        {
            PayloadType = _probePayloadType,
            SequenceNumber = _rtxSequence++,
            Timestamp = _lastTimestamp,
            Ssrc = RtxSsrc!.Value,
            PaddingLength = 255,
        };
        var length = writer.Write([]);
        return _downlink.Send(scratch, length, probeCluster) ? length : 0;
    }

    private int WantedEncoding(PublishedTrack track)
    {
        // The layer API's pin first (the viewer asked for it), then the bandwidth allocation, then the best layer.
        var pinned = Volatile.Read(ref _pinned);
        if (pinned >= 0 && pinned < track.Encodings.Length)
        {
            return pinned;
        }

        var allocated = _allocated;
        return allocated == Downlink.Paused ? -1 : allocated >= 0 && allocated < track.Encodings.Length ? allocated : track.PreferredEncoding;
    }

    /// <summary>The source's sequence number of the packet we sent as <paramref name="ours"/>, if it is among the last sent.</summary>
    private bool TryGetSource(ushort ours, out ushort theirs, out int pictureOffsets, out bool marked)
    {
        if (_sequenceMap.Length == 0)
        {
            // Audio has no layers to drop: one offset maps every packet.
            theirs = (ushort)(ours - _sequenceOffset);
            pictureOffsets = 0;
            marked = false;
            return true;
        }

        var entry = _sequenceMap[ours % SequenceMapSize];
        theirs = (ushort)entry;
        pictureOffsets = (int)((entry >> 32) & 0x7F_FFFF);
        marked = ((entry >> Marked) & 1) != 0;
        return ((entry >> Written) & 1) == 1 && (ushort)(entry >> 16) == ours;
    }

    private uint OutTimestamp(ReadOnlySpan<byte> original) => BinaryPrimitives.ReadUInt32BigEndian(original[4..]) + _timestampOffset;

    /// <summary>Copies a publisher packet (or its header) to <paramref name="scratch"/> and rewrites it for us.</summary>
    private int Rewrite(ReadOnlySpan<byte> packet, Span<byte> scratch, byte payloadType, ushort sequenceNumber, uint timestamp)
    {
        packet.CopyTo(scratch);
        var copy = scratch[..packet.Length];
        RtpHeaderRewriter.SetSsrc(copy, Ssrc);
        RtpHeaderRewriter.SetPayloadType(copy, payloadType);
        RtpHeaderRewriter.SetSequenceNumber(copy, sequenceNumber);
        RtpHeaderRewriter.SetTimestamp(copy, timestamp);
        if ((copy[0] & 0x10) != 0)
        {
            RtpHeaderRewriter.RewriteExtensionIds(copy, _extensionIds);
        }

        return packet.Length;
    }

    /// <summary>
    /// A new source, a new encoding or a new SSRC of the same one: a new sequence space to join at a keyframe. The
    /// payload-type and extension-id maps depend only on the source track's negotiation, so they are rebuilt only
    /// for a new track.
    /// </summary>
    private void Resynchronise(TrackEncoding encoding)
    {
        _current = encoding;
        _generation = encoding.Generation;
        _resync = true;
        _waitingForKeyframe = Kind == MediaKind.Video;
        _pictures.Resync();
        if (encoding.Track != _mappedSource)
        {
            Map(encoding.Track);
        }
    }

    private void Map(PublishedTrack source)
    {
        _mappedSource = source;
        _payloadTypes.AsSpan().Fill(None);
        _rtxPayloadTypes.AsSpan().Fill(None);
        _extensionIds.AsSpan().Clear();
        _layered.AsSpan().Clear();
        _probePayloadType = None;
        foreach (var theirs in source.Codecs)
        {
            // VP8 only for now: VP9's layers are read (RtpTemporalLayer, PictureIdRewriter) but not yet dropped here.
            _layered[theirs.PayloadType & 0x7F] = theirs.Codec is MediaCodec.VP8 ? theirs.Codec : null;
            foreach (var ours in Negotiated.Codecs)
            {
                if (theirs.Matches(ours))
                {
                    _payloadTypes[theirs.PayloadType & 0x7F] = (byte)ours.PayloadType;
                    if (ours.RtxPayloadType is { } rtx)
                    {
                        _rtxPayloadTypes[theirs.PayloadType & 0x7F] = (byte)rtx;
                        _probePayloadType = (byte)rtx;
                    }

                    break;
                }
            }
        }

        // Only what stays true after forwarding: MID and RID name the publisher's sections and encodings, and a peer
        // that both sends and receives on one transport (SfuNode.JoinDuplex) negotiates them on its receiving sections too.
        foreach (var (uri, id) in source.Negotiated.Extensions)
        {
            if (SfuCodecs.SubscriberExtensions.Contains(uri) && Negotiated.Extensions.TryGetValue(uri, out var ourId))
            {
                _extensionIds[id & 0xFF] = (byte)ourId;
            }
        }
    }
}
