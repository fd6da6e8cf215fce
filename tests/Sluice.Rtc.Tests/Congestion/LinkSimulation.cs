using Sluice.Rtc.Congestion;
using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Tests.Congestion;

/// <summary>
/// A discrete-time (1 ms) simulation of one sender and one receiver: a paced sender following the estimator (or a
/// fixed rate), an optional random loss, a bottleneck with a drop-tail queue, a one-way delay each way, and a
/// receiver writing transport-wide CC feedback every 50 ms with the production writer.
/// </summary>
internal sealed class LinkSimulation
{
    public const int PacketBytes = 1200;
    private const long Tick = 1_000;
    private const long PaceInterval = 5_000;

    private readonly Random _random;
    private readonly Queue<(ushort Sequence, long Arrival)> _inFlight = new();
    private readonly List<(long Due, byte[] Packet)> _feedbackInFlight = [];
    private readonly List<(long Due, int Cluster)> _probePackets = [];
    private readonly List<TransportCcArrival> _arrivals = [];
    private readonly byte[] _feedbackBuffer = new byte[1200];
    private ushort _nextSequence = 65_000; // wraps within the first seconds
    private ushort _nextToReport = 65_000;
    private long _linkFreeAt;
    private double _budget;
    private long _nextProbe;
    private byte _feedbackCount;

    public LinkSimulation(BandwidthEstimatorOptions options, int seed = 1)
    {
        Estimator = new BandwidthEstimator(options);
        _random = new Random(seed);
    }

    public BandwidthEstimator Estimator { get; }

    /// <summary>Bottleneck capacity in bit/s; 0 is unlimited.</summary>
    public long Capacity { get; set; }

    public long QueueMicros { get; set; } = 100_000;

    public long OneWayDelayMicros { get; set; } = 20_000;

    public long FeedbackIntervalMicros { get; set; } = 50_000;

    public double LossRate { get; set; }

    /// <summary>The sender's media rate; 0 follows the estimator's target.</summary>
    public long FixedSendRate { get; set; }

    /// <summary>Every this long, a probe at 2 × target; 0 never.</summary>
    public long ProbeIntervalMicros { get; set; }

    /// <summary>The receiver's clock runs this far ahead of ours.</summary>
    public long ReceiverClockOffset { get; set; } = 3_600_000_000;

    public long Now { get; private set; }

    public long PacketsSent { get; private set; }

    public long PacketsDropped { get; private set; }

    /// <summary>Target sampled every 100 ms: (time in µs, bit/s).</summary>
    public List<(long Time, long Target)> Samples { get; } = [];

    public void Run(long durationMicros)
    {
        long end = Now + durationMicros;
        while (Now < end)
        {
            Now += Tick;
            DeliverFeedback();
            if (ProbeIntervalMicros > 0 && Now >= _nextProbe)
            {
                StartProbe();
                _nextProbe = Now + ProbeIntervalMicros;
            }

            SendDueProbePackets();
            if (Now % PaceInterval == 0)
            {
                Pace();
            }

            if (Now % FeedbackIntervalMicros == 0)
            {
                WriteFeedback();
            }

            if (Now % 100_000 == 0)
            {
                Samples.Add((Now, Estimator.TargetBitrate));
                Details.Add($"{Now / 1000}ms t={Estimator.TargetBitrate / 1000}k d={Estimator.DelayBasedBitrate / 1000}k l={Estimator.LossBasedBitrate / 1000}k a={Estimator.AcknowledgedBitrate / 1000}k {Estimator.Usage} thr={Estimator.DelayThresholdMs:F1} slope={Estimator.DelaySlope:F3} q={Math.Max(0, _linkFreeAt - Now) / 1000}ms");
            }
        }
    }

    public long MinTarget(long from, long to) => Samples.Where(s => s.Time >= from && s.Time <= to).Min(s => s.Target);

    public long MaxTarget(long from, long to) => Samples.Where(s => s.Time >= from && s.Time <= to).Max(s => s.Target);

    public double MeanTarget(long from, long to) => Samples.Where(s => s.Time >= from && s.Time <= to).Average(s => s.Target);

    /// <summary>The first sample time at which the target is at or below <paramref name="bitrate"/>, or -1.</summary>
    public long FirstTimeAtOrBelow(long bitrate) => Samples.FirstOrDefault(s => s.Target <= bitrate, (-1, 0)).Time;

    /// <summary>The first sample time at which the target is above <paramref name="bitrate"/>, or -1.</summary>
    public long FirstTimeAbove(long bitrate, long from = 0) => Samples.FirstOrDefault(s => s.Time >= from && s.Target > bitrate, (-1, 0)).Time;

    /// <summary>One line per second, for the test output.</summary>
    public string Trace() => string.Join(" ", Samples.Where(s => s.Time % 1_000_000 == 0).Select(s => $"{s.Time / 1_000_000}s:{s.Target / 1000}k"));

    /// <summary>Detailed state every 100 ms, for diagnosing.</summary>
    public List<string> Details { get; } = [];

    private void Pace()
    {
        long rate = FixedSendRate > 0 ? FixedSendRate : Estimator.TargetBitrate;
        _budget = Math.Min(_budget + (rate * (PaceInterval / 1e6) / 8), 3 * PacketBytes);
        while (_budget >= PacketBytes)
        {
            Send(-1);
            _budget -= PacketBytes;
        }
    }

    private void StartProbe()
    {
        long rate = 2 * Estimator.TargetBitrate;
        int cluster = Estimator.StartProbe(rate, Now);
        double seconds = BandwidthEstimator.ProbeDurationMicros / 1e6;
        int count = Math.Clamp((int)Math.Ceiling(rate * seconds / (PacketBytes * 8)), BandwidthEstimator.ProbeMinPackets + 1, 50);
        long spacing = BandwidthEstimator.ProbeDurationMicros / count;
        for (int i = 0; i < count; i++)
        {
            _probePackets.Add((Now + (i * spacing), cluster));
        }
    }

    private void SendDueProbePackets()
    {
        for (int i = 0; i < _probePackets.Count;)
        {
            if (_probePackets[i].Due <= Now)
            {
                Send(_probePackets[i].Cluster);
                _probePackets.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }
    }

    private void Send(int cluster)
    {
        ushort sequence = _nextSequence++;
        PacketsSent++;
        Estimator.OnPacketSent(sequence, PacketBytes, Now, cluster);
        if (LossRate > 0 && _random.NextDouble() < LossRate)
        {
            PacketsDropped++;
            return;
        }

        long departure = Now;
        if (Capacity > 0)
        {
            long start = Math.Max(Now, _linkFreeAt);
            if (start - Now > QueueMicros)
            {
                PacketsDropped++;
                return;
            }

            departure = start + (PacketBytes * 8 * 1_000_000L / Capacity);
            _linkFreeAt = departure;
        }

        _inFlight.Enqueue((sequence, departure + OneWayDelayMicros));
    }

    private void WriteFeedback()
    {
        _arrivals.Clear();
        while (_inFlight.Count > 0 && _inFlight.Peek().Arrival <= Now)
        {
            (ushort sequence, long arrival) = _inFlight.Dequeue();
            for (; _nextToReport != sequence; _nextToReport++)
            {
                _arrivals.Add(TransportCcArrival.NotReceived(_nextToReport));
            }

            _arrivals.Add(new TransportCcArrival(sequence, arrival + ReceiverClockOffset));
            _nextToReport++;
        }

        int offset = 0;
        while (offset < _arrivals.Count)
        {
            ReadOnlySpan<TransportCcArrival> rest = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_arrivals).Slice(offset);
            int length = TransportCcFeedback.Write(_feedbackBuffer, 1, 2, _feedbackCount++, rest, out int consumed);
            _feedbackInFlight.Add((Now + OneWayDelayMicros, _feedbackBuffer.AsSpan(0, length).ToArray()));
            offset += consumed;
        }
    }

    private void DeliverFeedback()
    {
        for (int i = 0; i < _feedbackInFlight.Count;)
        {
            if (_feedbackInFlight[i].Due > Now)
            {
                i++;
                continue;
            }

            Assert.True(RtcpHeaderView.TryRead(_feedbackInFlight[i].Packet, out RtcpHeaderView header, out _));
            Assert.True(TransportCcFeedback.TryParse(header, out TransportCcFeedback feedback));
            Estimator.OnTransportFeedback(feedback, Now);
            _feedbackInFlight.RemoveAt(i);
        }
    }
}
