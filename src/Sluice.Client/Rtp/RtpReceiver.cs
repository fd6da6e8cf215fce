using Sluice.Rtc.Rtcp;
using Sluice.Rtc.Rtp;

namespace Sluice.Client.Rtp;

/// <summary>
/// Receives one SSRC: a reorder buffer keyed by extended sequence number (RFC 3550 App. A.1) that releases packets
/// in order, tracks gaps, lists the missing packets due for a Generic NACK (RFC 4585 §6.2.1), gives a gap up after
/// <see cref="RtpReceiverOptions.GiveUpAfter"/>, and keeps the statistics of a reception report block (RFC 3550
/// §6.4.1, App. A.3 and A.8). Not thread-safe: the owner serializes calls.
/// </summary>
internal sealed class RtpReceiver
{
    private readonly RtpReceiverOptions _options;
    private readonly TimeProvider _time;
    private readonly ReceiveStatistics _statistics;
    private readonly NackGenerator? _nacks;
    private readonly SortedDictionary<long, byte[]> _buffer = [];
    private readonly SortedDictionary<long, MissingPacket> _missing = [];
    private SequenceUnwrapper _unwrapper;
    private bool _started;
    private long _next;
    private long _highest;
    private bool _discontinuity;

    public RtpReceiver(uint ssrc, int clockRate, RtpReceiverOptions? options = null, TimeProvider? time = null)
    {
        Ssrc = ssrc;
        _options = options ?? new RtpReceiverOptions();
        _time = time ?? TimeProvider.System;

        // The SSRC is one we subscribed to: the first packet needs no probation (RFC 3550 A.1).
        _statistics = new ReceiveStatistics(clockRate, _time) { MinSequential = 1 };
        if (_options.Nack)
        {
            // Capacity MaxGap: every gap this receiver waits for can be asked for.
            _nacks = new NackGenerator(_time, _options.MaxGap)
            {
                ReorderDelay = _options.ReorderDelay,
                RoundTripTime = _options.NackInterval,
                MinRetryInterval = _options.NackInterval,
                MaxRetries = _options.MaxNackRetries,
                MaxAge = _options.GiveUpAfter,
            };
        }
    }

    public uint Ssrc { get; }

    /// <summary>Packets accepted (duplicates and late ones excluded), retransmissions included.</summary>
    public long PacketsReceived { get; private set; }

    public long BytesReceived { get; private set; }

    public long Duplicates { get; private set; }

    /// <summary>Packets that arrived after their gap was given up.</summary>
    public long Late { get; private set; }

    /// <summary>Missing packets that arrived after all (by reordering or retransmission).</summary>
    public long Recovered { get; private set; }

    /// <summary>Packets given up: never received.</summary>
    public long Lost { get; private set; }

    /// <summary>Sequence numbers put in NACKs.</summary>
    public long NackedPackets { get; private set; }

    /// <summary>Open gaps: sequence numbers still awaited.</summary>
    public int MissingCount => _missing.Count;

    /// <summary>Takes in one plain RTP packet of this SSRC (a copy is kept); false when dropped as duplicate or late.</summary>
    /// <param name="startsFrame">
    /// False when the packet is known to be in the middle of a frame; for the first packet, the ones before it
    /// are then asked for, speculatively (<see cref="RtpReceiverOptions.LeadingNack"/>).
    /// </param>
    public bool Receive(ReadOnlySpan<byte> packet, bool retransmission = false, bool startsFrame = true)
    {
        if (!RtpPacket.TryParse(packet, out var rtp))
        {
            return false;
        }

        var now = _time.GetTimestamp();
        var extended = _unwrapper.Unwrap(rtp.SequenceNumber);
        if (!_started)
        {
            _started = true;
            var lead = startsFrame ? 0 : Math.Min(_options.LeadingNack, extended);
            for (var speculative = extended - lead; speculative < extended; speculative++)
            {
                _missing[speculative] = new MissingPacket(now) { Speculative = true };
            }

            _next = extended - lead;
            _highest = extended - 1;
            _nacks?.AddMissingBefore(extended, (int)lead, now);
        }
        else if (extended > _highest + _options.MaxGap || extended < _next - _options.MaxGap)
        {
            // The sender restarted or jumped far: waiting for thousands of packets would stall the stream.
            Lost += _missing.Count;
            _missing.Clear();
            _buffer.Clear();
            _next = extended;
            _highest = extended - 1;
            _discontinuity = true;
            _nacks?.Reset();
        }

        if (extended < _next)
        {
            Late++;
            return false;
        }

        if (extended <= _highest)
        {
            if (!_missing.Remove(extended))
            {
                Duplicates++;
                return false;
            }

            Recovered++;
        }
        else
        {
            for (var gap = _highest + 1; gap < extended; gap++)
            {
                _missing[gap] = new MissingPacket(now);
            }

            _highest = extended;
        }

        _statistics.OnPacket(rtp.SequenceNumber, rtp.Timestamp, now, retransmission);
        _nacks?.OnPacket(extended, now);

        _buffer[extended] = _options.KeepPayloads ? packet.ToArray() : [];
        PacketsReceived++;
        BytesReceived += packet.Length;
        return true;
    }

    /// <summary>Releases the packets now in order into <paramref name="output"/>, giving up gaps older than the limit.</summary>
    public void Drain(List<ReceivedPacket> output)
    {
        var now = _time.GetTimestamp();
        while (_next <= _highest)
        {
            if (_buffer.Remove(_next, out var packet))
            {
                output.Add(new ReceivedPacket(_next, packet, _discontinuity));
                _discontinuity = false;
                _next++;
                continue;
            }

            if (!_missing.TryGetValue(_next, out var missing))
            {
                // Cannot happen: every number up to the highest is buffered or missing. Skip rather than stall.
                _next++;
                continue;
            }

            if (_time.GetElapsedTime(missing.DetectedAt, now) < _options.GiveUpAfter)
            {
                break;
            }

            _missing.Remove(_next);
            if (!missing.Speculative)
            {
                // Packets from before our first one may never have been meant for us: not lost, not a break.
                Lost++;
                _discontinuity = true;
            }

            _next++;
        }
    }

    /// <summary>
    /// Adds the missing sequence numbers due for a NACK now (ascending, as <see cref="GenericNack.Write"/> wants):
    /// past the reorder delay, not NACKed within the interval, retries left, not yet given up. Returns how many.
    /// </summary>
    public int CollectNacks(List<ushort> output)
    {
        if (_nacks is null)
        {
            return 0;
        }

        Span<ushort> due = stackalloc ushort[256];
        var added = _nacks.Tick(_time.GetTimestamp(), due);
        foreach (var sequenceNumber in due[..added])
        {
            output.Add(sequenceNumber);
        }

        NackedPackets += added;
        return added;
    }

    /// <summary>Remembers an SR from this source for the LSR/DLSR of our next report (RFC 3550 §6.4.1).</summary>
    public void OnSenderReport(ulong ntpTimestamp) => _statistics.OnSenderReport(ntpTimestamp);

    /// <summary>A reception report block for this source; starts the next report interval (RFC 3550 App. A.3).</summary>
    public ReportBlock CreateReportBlock() => _statistics.CreateReportBlock(Ssrc);

    private sealed class MissingPacket(long detectedAt)
    {
        public long DetectedAt { get; } = detectedAt;

        /// <summary>Asked for before the first packet received: it may not exist for us.</summary>
        public bool Speculative { get; init; }
    }
}
