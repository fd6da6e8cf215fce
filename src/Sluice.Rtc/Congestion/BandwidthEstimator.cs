using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Congestion;

/// <summary>
/// Send-side bandwidth estimate for one peer, in the spirit of Google Congestion Control (draft-ietf-rmcat-gcc-02)
/// driven by transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01): a delay-based rate
/// (trendline of queuing delay, adaptive-threshold overuse detector, AIMD), a loss-based rate, probe clusters,
/// and REMB as a cap. See docs/congestion-control.md.
/// </summary>
/// <remarks>
/// Single-threaded: the receive thread calls every method. Nothing allocates after construction. Counters and
/// <see cref="TargetBitrate"/> may be read from another thread.
/// </remarks>
public sealed class BandwidthEstimator
{
    /// <summary>How long the caller should send a probe cluster's packets after <see cref="StartProbe"/>.</summary>
    public const long ProbeDurationMicros = 100_000;

    /// <summary>Packets of a probe cluster the feedback must cover before it is judged.</summary>
    public const int ProbeMinPackets = ProbeClusters.MinPackets;

    /// <summary>A REMB older than this no longer caps the estimate.</summary>
    public const long RembLifetimeMicros = 5_000_000;

    /// <summary>Sent packets remembered for matching feedback (a power of two).</summary>
    internal const int History = 4096;

    /// <summary>
    /// Receive time minus send time varies with queuing only. Within one feedback a spread larger than this, or
    /// a jump larger than this from the previous feedback, is a broken report or a clock jump, not a queue.
    /// </summary>
    internal const long MaxOffsetChangeMicros = 10_000_000;

    /// <summary>Consecutive feedbacks that agree on a jumped clock before it is believed (the peer's clock really moved).</summary>
    internal const int OffsetResyncFeedbacks = 3;

    /// <summary>Receiver-report loss is used only when no transport feedback arrived for this long.</summary>
    internal const long TransportFeedbackFreshMicros = 2_000_000;

    internal const long InitialRttMicros = 200_000;

    private const int Mask = History - 1;
    private const byte Unused = 0;
    private const byte Sent = 1;
    private const byte ReportedLost = 2;
    private const byte Received = 3;
    private const int ReferenceBits = 24;
    private const double ProbeResultShare = 0.95;

    private readonly long _min;
    private readonly long _max;

    private readonly long[] _sequence = new long[History];
    private readonly long[] _sendTime = new long[History];
    private readonly int[] _size = new int[History];
    private readonly int[] _cluster = new int[History];
    private readonly byte[] _state = new byte[History];
    private readonly long[] _sortKeys = new long[History];
    private readonly int[] _sortSlots = new int[History];

    private readonly InterArrival _interArrival = new();
    private readonly TrendlineEstimator _trendline = new();
    private readonly OveruseDetector _detector = new();
    private readonly AimdRateControl _delayBased;
    private readonly LossBasedControl _lossBased;
    private readonly AcknowledgedBitrate _acknowledged = new();
    private readonly ProbeClusters _probes = new();

    private SequenceUnwrapper _sendUnwrapper;
    private long _highestSent = -1;

    private bool _haveReference;
    private int _lastReference;
    private long _unwrappedReference;
    private bool _haveOffset;
    private long _offset;
    private int _jumpStreak;
    private long _jumpOffset;

    private long _rtt = InitialRttMicros;
    private long _lastTransportFeedback = long.MinValue;
    private long _remb;
    private long _rembTime;
    private long _target;

    private long _feedbacksReceived;
    private long _feedbacksIgnored;
    private long _unknownPacketsAcked;
    private long _rembsClamped;
    private long _rembsReceived;
    private long _probesStarted;
    private long _probesSucceeded;

    /// <summary>Creates an estimator starting at <see cref="BandwidthEstimatorOptions.InitialBitrate"/>.</summary>
    public BandwidthEstimator(BandwidthEstimatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _min = Math.Max(1, options.MinBitrate);
        _max = Math.Max(_min, options.MaxBitrate);
        long initial = Math.Clamp(options.InitialBitrate, _min, _max);
        _delayBased = new AimdRateControl(initial, _min, _max);
        _lossBased = new LossBasedControl(initial, _min, _max);
        _target = initial;
    }

    /// <summary>The estimate: what may be sent to this peer now, bit/s, within [Min, Max].</summary>
    public long TargetBitrate => Volatile.Read(ref _target);

    /// <summary>The round-trip time seen in transport-wide feedback (smoothed, µs): from a packet's sending to the feedback that acknowledges it.</summary>
    public long RoundTripMicros => Volatile.Read(ref _rtt);

    /// <summary>What the peer acknowledged receiving recently, bit/s; 0 when unknown.</summary>
    public long AcknowledgedBitrate => _acknowledged.Bitrate;

    /// <summary>The delay-based detector's state now.</summary>
    public BandwidthUsage Usage => _detector.State;

    /// <summary>The delay-based part's rate (bit/s), for tests and traces.</summary>
    internal long DelayBasedBitrate => _delayBased.Rate;

    /// <summary>The loss-based part's rate (bit/s), for tests and traces.</summary>
    internal long LossBasedBitrate => _lossBased.Rate;

    /// <summary>The overuse detector's threshold (ms), for tests and traces.</summary>
    internal double DelayThresholdMs => _detector.ThresholdMs;

    /// <summary>The latest delay trend slope, for tests and traces.</summary>
    internal double DelaySlope => _trendline.Slope;

    /// <summary>Transport-wide CC feedbacks handed in.</summary>
    public long FeedbacksReceived => Volatile.Read(ref _feedbacksReceived);

    /// <summary>Feedbacks dropped as absurd: receive times spread or jumping beyond any queue.</summary>
    public long FeedbacksIgnored => Volatile.Read(ref _feedbacksIgnored);

    /// <summary>Packet statuses about sequence numbers never sent or no longer remembered.</summary>
    public long UnknownPacketsAcked => Volatile.Read(ref _unknownPacketsAcked);

    /// <summary>REMBs handed in.</summary>
    public long RembsReceived => Volatile.Read(ref _rembsReceived);

    /// <summary>
    /// True when loss cut the estimate within the last <paramref name="windowMicros"/> before <paramref name="nowMicros"/>,
    /// or the receiver caps it with a REMB: the path itself says it is full. A delay-based cut alone does not count
    /// here: a busy receiver's CPU delays packets as a queue would, and only a thin link also drops them.
    /// </summary>
    public bool LossLimited(long nowMicros, long windowMicros)
    {
        long cut = _lossBased.LastDecrease;
        return (cut != long.MinValue && nowMicros - cut < windowMicros) || (RembsReceived > 0 && nowMicros - _rembTime < RembLifetimeMicros);
    }

    /// <summary>True once any feedback (transport-wide CC or REMB) arrived: before that the estimate is only the initial guess.</summary>
    public bool HasFeedback => FeedbacksReceived > 0 || RembsReceived > 0;

    /// <summary>REMBs whose bitrate was outside [Min, Max] and was clamped.</summary>
    public long RembsClamped => Volatile.Read(ref _rembsClamped);

    /// <summary>Probe clusters started.</summary>
    public long ProbesStarted => Volatile.Read(ref _probesStarted);

    /// <summary>Probe clusters whose result raised the estimate.</summary>
    public long ProbesSucceeded => Volatile.Read(ref _probesSucceeded);

    /// <summary>
    /// What the last probe cluster showed the path carries (its measured rate, less a margin), whether or not it
    /// raised the estimate; 0 before any. Read on the feedback thread, with <see cref="LastProbeAtMicros"/>.
    /// </summary>
    public long LastProbeBitrate { get; private set; }

    /// <summary>When <see cref="LastProbeBitrate"/> was measured (µs, the clock of every other call).</summary>
    public long LastProbeAtMicros { get; private set; }

    /// <summary>
    /// Records a packet handed to the socket: its transport-wide sequence number, its size on the wire in bytes,
    /// when (µs, the clock of every other call) and its probe cluster (-1: none).
    /// </summary>
    public void OnPacketSent(ushort transportSequence, int size, long sendTimeMicros, int probeCluster = -1)
    {
        long sequence = _sendUnwrapper.Unwrap(transportSequence);
        _highestSent = Math.Max(_highestSent, sequence);
        int slot = (int)(sequence & Mask);
        size = Math.Clamp(size, 0, ushort.MaxValue);
        _sequence[slot] = sequence;
        _sendTime[slot] = sendTimeMicros;
        _size[slot] = size;
        _state[slot] = Sent;
        _cluster[slot] = _probes.OnPacketSent(probeCluster, size);
    }

    /// <summary>Starts a probe cluster at <paramref name="bitrate"/>; tag its packets with the returned id for <see cref="ProbeDurationMicros"/>.</summary>
    public int StartProbe(long bitrate, long nowMicros)
    {
        Volatile.Write(ref _probesStarted, _probesStarted + 1);
        return _probes.Start(Math.Clamp(bitrate, _min, _max), nowMicros);
    }

    /// <summary>Caps the estimate with a REMB; a bitrate outside [Min, Max] (0, absurdly large) is clamped and counted.</summary>
    public void OnRemb(ulong bitrate, long nowMicros)
    {
        Volatile.Write(ref _rembsReceived, _rembsReceived + 1);
        if (bitrate < (ulong)_min || bitrate > (ulong)_max)
        {
            Volatile.Write(ref _rembsClamped, _rembsClamped + 1);
        }

        _remb = bitrate < (ulong)_min ? _min : bitrate > (ulong)_max ? _max : (long)bitrate;
        _rembTime = nowMicros;
        UpdateTarget(nowMicros);
    }

    /// <summary>Feeds an RFC 3550 receiver report's fraction lost (0..255) to the loss-based rate, unless transport feedback is flowing.</summary>
    public void OnReceiverReportLoss(byte fractionLost, long nowMicros)
    {
        if (_lastTransportFeedback != long.MinValue && nowMicros - _lastTransportFeedback < TransportFeedbackFreshMicros)
        {
            return;
        }

        _lossBased.OnLossFraction(fractionLost / 256.0, nowMicros, _rtt, AckedCeiling());
        UpdateTarget(nowMicros);
    }

    /// <summary>Updates the estimate from a transport-wide CC feedback. Absurd reports are counted and dropped; never throws.</summary>
    public void OnTransportFeedback(in TransportCcFeedback feedback, long nowMicros)
    {
        Volatile.Write(ref _feedbacksReceived, _feedbacksReceived + 1);
        long correction = ReferenceCorrection(feedback.ReferenceTime, out long unwrappedReference);

        // Pass 1: check the report before anything changes.
        int known = 0;
        int unknown = 0;
        long minOffset = long.MaxValue;
        long maxOffset = long.MinValue;
        long minArrival = long.MaxValue;
        foreach (TransportCcPacketStatus status in feedback.GetPackets())
        {
            int slot = Find(status.SequenceNumber);
            if (slot < 0)
            {
                unknown++;
                continue;
            }

            known++;
            if (status.IsReceived)
            {
                long arrival = status.ReceiveTimeMicroseconds + correction;
                long offset = arrival - _sendTime[slot];
                minOffset = Math.Min(minOffset, offset);
                maxOffset = Math.Max(maxOffset, offset);
                minArrival = Math.Min(minArrival, arrival);
            }
        }

        if (unknown > 0)
        {
            Volatile.Write(ref _unknownPacketsAcked, _unknownPacketsAcked + unknown);
        }

        if (known == 0)
        {
            return;
        }

        if (minOffset != long.MaxValue && !AcceptOffsets(minOffset, maxOffset))
        {
            Volatile.Write(ref _feedbacksIgnored, _feedbacksIgnored + 1);
            return;
        }

        if (minOffset != long.MaxValue)
        {
            _haveReference = true;
            _lastReference = feedback.ReferenceTime;
            _unwrappedReference = unwrappedReference;
        }

        // Pass 2: mark packets, count loss, and collect the received ones for arrival order.
        int lost = 0;
        int expected = 0;
        int received = 0;
        long newestAckedSequence = -1;
        long newestAckedSend = 0;
        foreach (TransportCcPacketStatus status in feedback.GetPackets())
        {
            int slot = Find(status.SequenceNumber);
            if (slot < 0)
            {
                continue;
            }

            byte state = _state[slot];
            if (!status.IsReceived)
            {
                if (state == Sent)
                {
                    _state[slot] = ReportedLost;
                    lost++;
                    expected++;
                }

                continue;
            }

            if (state == Received)
            {
                continue;
            }

            if (state == Sent)
            {
                expected++;
            }

            _state[slot] = Received;
            long arrival = status.ReceiveTimeMicroseconds + correction;
            _sortKeys[received] = ((arrival - minArrival) << 16) | (uint)received;
            _sortSlots[received] = slot;
            received++;

            if (_sequence[slot] > newestAckedSequence)
            {
                newestAckedSequence = _sequence[slot];
                newestAckedSend = _sendTime[slot];
            }

            if (_cluster[slot] >= 0)
            {
                _probes.OnPacketAcked(_cluster[slot], _sendTime[slot], arrival, _size[slot]);
            }
        }

        _sortKeys.AsSpan(0, received).Sort(_sortSlots.AsSpan(0, received));
        for (int i = 0; i < received; i++)
        {
            int slot = _sortSlots[i];
            long arrival = (_sortKeys[i] >> 16) + minArrival;
            _acknowledged.OnPacket(arrival, _size[slot]);
            if (_interArrival.Add(_sendTime[slot], arrival, out long sendDelta, out long arrivalDelta, out long groupArrival))
            {
                double slope = _trendline.Update(sendDelta, arrivalDelta, groupArrival);
                _detector.Detect(slope, sendDelta, _trendline.DeltaCount, groupArrival);
            }
        }

        if (newestAckedSequence >= 0)
        {
            long sample = nowMicros - newestAckedSend;
            if (sample > 0 && sample < 10_000_000)
            {
                Volatile.Write(ref _rtt, ((7 * _rtt) + sample) / 8);
            }
        }

        _lastTransportFeedback = nowMicros;
        _lossBased.OnPacketResults(lost, expected, nowMicros, _rtt, AckedCeiling(), _acknowledged.Bitrate);
        if (received > 0)
        {
            // With nothing received there is no delay evidence; the loss-based part acts on the loss.
            _delayBased.Update(_detector.State, _acknowledged.Bitrate, nowMicros, _rtt);
        }

        long probe = _probes.Evaluate(nowMicros, ProbeDurationMicros);
        if (probe > 0 && _detector.State != BandwidthUsage.Overusing)
        {
            // Judged against the target, not the delay-based rate alone: after heavy loss the loss-based rate is
            // what holds the target down, and a probe the path carried whole is the evidence that lifts it.
            long raised = Math.Min((long)(ProbeResultShare * probe), _max);
            (LastProbeBitrate, LastProbeAtMicros) = (raised, nowMicros);
            if (raised > _target)
            {
                if (raised > _delayBased.Rate)
                {
                    _delayBased.SetRate(raised, nowMicros);
                }

                _lossBased.Raise(raised);
                Volatile.Write(ref _probesSucceeded, _probesSucceeded + 1);
            }
        }

        UpdateTarget(nowMicros);
    }

    /// <summary>How far the loss-based rate may grow: 1.5 × acknowledged + 10 kbit/s, as the delay-based rate (unbounded before any acknowledgement).</summary>
    private long AckedCeiling()
    {
        long acked = _acknowledged.Bitrate;
        return acked > 0 ? (long)(AimdRateControl.AckedCapFactor * acked) + AimdRateControl.AckedCapMargin : long.MaxValue;
    }

    /// <summary>The slot of a sent packet still remembered, or -1.</summary>
    private int Find(ushort transportSequence)
    {
        if (_highestSent < 0)
        {
            return -1;
        }

        // A copy, so looking up does not move the send-side reference.
        SequenceUnwrapper unwrapper = _sendUnwrapper;
        long sequence = unwrapper.Unwrap(transportSequence);
        int slot = (int)(sequence & Mask);
        return sequence <= _highestSent && _sequence[slot] == sequence && _state[slot] != Unused ? slot : -1;
    }

    /// <summary>
    /// The 24-bit reference time wraps every 2^24 × 64 ms; returns what to add to the parsed receive times to make
    /// them continuous with earlier feedback.
    /// </summary>
    private long ReferenceCorrection(int reference, out long unwrapped)
    {
        if (!_haveReference)
        {
            unwrapped = reference;
            return 0;
        }

        int delta = (reference - _lastReference) << (32 - ReferenceBits) >> (32 - ReferenceBits);
        unwrapped = _unwrappedReference + delta;
        return (unwrapped - reference) * TransportCcFeedback.ReferenceTimeMicroseconds;
    }

    /// <summary>
    /// Receive time minus send time is the clock offset plus queuing; it cannot spread or jump by more than
    /// <see cref="MaxOffsetChangeMicros"/>. A jump is believed once <see cref="OffsetResyncFeedbacks"/> feedbacks in a row
    /// agree on it; the delay state then restarts.
    /// </summary>
    private bool AcceptOffsets(long minOffset, long maxOffset)
    {
        if (maxOffset - minOffset > MaxOffsetChangeMicros)
        {
            return false;
        }

        if (!_haveOffset || Math.Abs(minOffset - _offset) <= MaxOffsetChangeMicros)
        {
            _haveOffset = true;
            _offset = minOffset;
            _jumpStreak = 0;
            return true;
        }

        if (_jumpStreak > 0 && Math.Abs(minOffset - _jumpOffset) <= MaxOffsetChangeMicros)
        {
            _jumpStreak++;
        }
        else
        {
            _jumpStreak = 1;
        }

        _jumpOffset = minOffset;
        if (_jumpStreak < OffsetResyncFeedbacks)
        {
            return false;
        }

        _offset = minOffset;
        _jumpStreak = 0;
        _interArrival.Reset();
        _trendline.Reset();
        _detector.Reset();
        _acknowledged.Reset();
        return true;
    }

    private void UpdateTarget(long nowMicros)
    {
        long upper = _max;
        if (_lastTransportFeedback != long.MinValue)
        {
            upper = Math.Min(upper, _delayBased.Rate);
        }

        if (_remb > 0 && nowMicros - _rembTime <= RembLifetimeMicros)
        {
            upper = Math.Min(upper, _remb);
        }

        _lossBased.Cap(upper);
        Volatile.Write(ref _target, Math.Clamp(Math.Min(upper, _lossBased.Rate), _min, _max));
    }
}
