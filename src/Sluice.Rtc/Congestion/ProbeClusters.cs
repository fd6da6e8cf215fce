namespace Sluice.Rtc.Congestion;

/// <summary>
/// Probe clusters in flight: packets sent back to back at a chosen rate, whose acknowledgements tell what the
/// path carries above the current estimate. A cluster is judged once its sending is over and feedback covers
/// at least <see cref="MinPackets"/> of its packets and <see cref="MinReceivedShare"/> of its bytes; its result
/// is the smaller of the rate it was sent at and the rate it arrived at.
/// </summary>
internal sealed class ProbeClusters
{
    internal const int Slots = 8;
    internal const int MinPackets = 5;
    internal const double MinReceivedShare = 0.8;
    internal const long MinSpanMicros = 1_000;

    /// <summary>A cluster not judged this long after it started has failed (its feedback was lost or too thin).</summary>
    internal const long TimeoutMicros = 2_000_000;

    private readonly Cluster[] _clusters = new Cluster[Slots];
    private int _nextId;

    internal int Start(long bitrate, long nowMicros)
    {
        int id = _nextId;
        _nextId = (_nextId + 1) & int.MaxValue;
        _clusters[id % Slots] = new Cluster
        {
            Id = id,
            Active = true,
            TargetBitrate = bitrate,
            StartTime = nowMicros,
            FirstSend = long.MaxValue,
            LastSend = long.MinValue,
            FirstArrival = long.MaxValue,
            LastArrival = long.MinValue,
        };
        return id;
    }

    /// <summary>Returns <paramref name="id"/> if it names an active cluster, else -1, so a stale id is ignored.</summary>
    internal int OnPacketSent(int id, int size)
    {
        if (id < 0)
        {
            return -1;
        }

        ref Cluster cluster = ref _clusters[id % Slots];
        if (!cluster.Active || cluster.Id != id)
        {
            return -1;
        }

        cluster.SentPackets++;
        cluster.SentBytes += size;
        return id;
    }

    internal void OnPacketAcked(int id, long sendMicros, long arrivalMicros, int size)
    {
        ref Cluster cluster = ref _clusters[id % Slots];
        if (!cluster.Active || cluster.Id != id)
        {
            return;
        }

        cluster.ReceivedPackets++;
        cluster.ReceivedBytes += size;
        if (sendMicros < cluster.FirstSend)
        {
            cluster.FirstSend = sendMicros;
        }

        if (sendMicros > cluster.LastSend)
        {
            cluster.LastSend = sendMicros;
            cluster.LastSendSize = size;
        }

        if (arrivalMicros < cluster.FirstArrival)
        {
            cluster.FirstArrival = arrivalMicros;
            cluster.FirstArrivalSize = size;
        }

        if (arrivalMicros > cluster.LastArrival)
        {
            cluster.LastArrival = arrivalMicros;
        }
    }

    /// <summary>
    /// Judges the clusters whose sending is over (<paramref name="durationMicros"/> after their start) and returns the
    /// highest result in bit/s, 0 if none is ready. Judged and timed-out clusters are retired.
    /// </summary>
    internal long Evaluate(long nowMicros, long durationMicros)
    {
        long best = 0;
        for (int i = 0; i < Slots; i++)
        {
            ref Cluster cluster = ref _clusters[i];
            if (!cluster.Active)
            {
                continue;
            }

            long age = nowMicros - cluster.StartTime;
            if (age > TimeoutMicros || age < -TimeoutMicros)
            {
                cluster.Active = false;
                continue;
            }

            if (age < durationMicros
                || cluster.ReceivedPackets < MinPackets
                || cluster.ReceivedBytes < MinReceivedShare * cluster.SentBytes)
            {
                continue;
            }

            cluster.Active = false;
            long sendSpan = cluster.LastSend - cluster.FirstSend;
            long arrivalSpan = cluster.LastArrival - cluster.FirstArrival;
            if (sendSpan < MinSpanMicros || arrivalSpan < MinSpanMicros)
            {
                continue;
            }

            // The last packet sent ends the send span and the first received starts the arrival span: neither's
            // bytes were carried within its span.
            double sendRate = (cluster.ReceivedBytes - cluster.LastSendSize) * 8 * 1e6 / sendSpan;
            double receiveRate = (cluster.ReceivedBytes - cluster.FirstArrivalSize) * 8 * 1e6 / arrivalSpan;
            double result = Math.Min(sendRate, receiveRate);
            if (double.IsFinite(result) && result > best)
            {
                best = (long)Math.Min(result, long.MaxValue / 2);
            }
        }

        return best;
    }

    private struct Cluster
    {
        public int Id;
        public bool Active;
        public long TargetBitrate;
        public long StartTime;
        public int SentPackets;
        public long SentBytes;
        public int ReceivedPackets;
        public long ReceivedBytes;
        public long FirstSend;
        public long LastSend;
        public int LastSendSize;
        public long FirstArrival;
        public int FirstArrivalSize;
        public long LastArrival;
    }
}
