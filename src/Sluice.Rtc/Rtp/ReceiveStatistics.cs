using Sluice.Rtc.Rtcp;

namespace Sluice.Rtc.Rtp;

/// <summary>
/// What a reception report block says about one incoming SSRC (RFC 3550 §6.4.1): the source validation and
/// extended highest sequence number of Appendix A.1 (cycles, probation, dropout), expected and lost packets and
/// the fraction lost per report interval (A.3), and the interarrival jitter of A.8, with the last sender report
/// for LSR/DLSR.
/// </summary>
/// <remarks>
/// Written by one thread per packet without allocating. <see cref="CreateReportBlock"/> may run on another (a
/// report timer): a slightly torn read there costs one approximate report, nothing more.
/// </remarks>
public sealed class ReceiveStatistics
{
    /// <summary>A.1 MAX_DROPOUT: a jump ahead of this many is not taken as the stream's continuation.</summary>
    public const int MaxDropout = 3000;

    /// <summary>A.1 MAX_MISORDER: this far behind is still a late packet; further is a jump.</summary>
    public const int MaxMisorder = 100;

    private const int SequenceModulus = 1 << 16;

    private readonly int _clockRate;
    private readonly TimeProvider _time;
    private bool _started;
    private int _probation;
    private ushort _maxSequence;
    private long _cycles;
    private long _baseSequence;
    private int _badSequence = SequenceModulus + 1;
    private long _received;
    private long _expectedPrior;
    private long _receivedPrior;
    private long _lostCarried;
    private long _packets;

    // A.8: jitter kept scaled by 16 so the 1/16 gain stays in integers; transits in timestamp units mod 2^32.
    private long _jitterScaled;
    private uint _lastTransit;
    private bool _haveTransit;
    private uint _lastSenderReport;
    private long _lastSenderReportAt;
    private bool _haveSenderReport;

    public ReceiveStatistics(int clockRate, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        _clockRate = clockRate;
        _time = time;
    }

    /// <summary>
    /// A.1 MIN_SEQUENTIAL: how many packets in sequence make a source valid. Until then packets are not counted
    /// toward expected and received (so a stray packet invents no loss).
    /// </summary>
    public int MinSequential { get; init; } = 2;

    /// <summary>Every packet handed in, valid or not, retransmissions included.</summary>
    public long PacketsReceived => Volatile.Read(ref _packets);

    /// <summary>Cumulative lost since the first packet, carried across restarts (a jump, a new SSRC); never negative.</summary>
    public long PacketsLost => _lostCarried + LostInThisSequence;

    /// <summary>The extended highest sequence number received (A.1: cycles plus the highest 16-bit value); -1 before any.</summary>
    public long ExtendedHighestSequenceNumber => _started && _probation == 0 ? _cycles + _maxSequence : -1;

    /// <summary>The interarrival jitter estimate in timestamp units (A.8).</summary>
    public uint Jitter => (uint)(_jitterScaled >> 4);

    private long Expected => _started && _probation == 0 ? _cycles + _maxSequence - _baseSequence + 1 : 0;

    private long LostInThisSequence => Math.Max(0, Expected - _received);

    /// <summary>
    /// Takes in one packet of the source (A.1 update_seq). A retransmission counts as received but says nothing
    /// about network timing, so it leaves the jitter alone. False while on probation and for a large jump not yet
    /// confirmed by its successor.
    /// </summary>
    /// <param name="now">The arrival time from the <see cref="TimeProvider"/>, read once per packet by the caller.</param>
    public bool OnPacket(ushort sequenceNumber, uint rtpTimestamp, long now, bool retransmission = false)
    {
        Volatile.Write(ref _packets, _packets + 1);
        if (!retransmission)
        {
            UpdateJitter(rtpTimestamp, now);
        }

        if (!_started)
        {
            _started = true;
            InitSequence(sequenceNumber);
            _maxSequence = (ushort)(sequenceNumber - 1);
            _probation = MinSequential;
        }

        var delta = (ushort)(sequenceNumber - _maxSequence);
        if (_probation > 0)
        {
            if (sequenceNumber == (ushort)(_maxSequence + 1))
            {
                _probation--;
                _maxSequence = sequenceNumber;
                if (_probation == 0)
                {
                    InitSequence(sequenceNumber);
                    _received++;
                    return true;
                }
            }
            else
            {
                _probation = MinSequential - 1;
                _maxSequence = sequenceNumber;
            }

            return false;
        }

        if (retransmission)
        {
            // Recovered after a NACK, however far behind: received, and no reason to move the highest or restart.
            _received++;
            return true;
        }

        if (delta < MaxDropout)
        {
            if (sequenceNumber < _maxSequence)
            {
                _cycles += SequenceModulus;
            }

            _maxSequence = sequenceNumber;
        }
        else if (delta <= SequenceModulus - MaxMisorder)
        {
            if (sequenceNumber != _badSequence)
            {
                // Two packets in sequence after the jump make it a restart of the source, not a stray.
                _badSequence = (sequenceNumber + 1) & (SequenceModulus - 1);
                return false;
            }

            _lostCarried += LostInThisSequence;
            InitSequence(sequenceNumber);
        }

        // Otherwise a duplicate or a late packet: counted as received, as A.3 says (loss can go below zero).
        _received++;
        return true;
    }

    /// <summary>
    /// The source starts a new sequence-number space (a new SSRC for the same stream): the loss so far is carried
    /// in <see cref="PacketsLost"/> and the new space goes through probation from its first packet, or the jump
    /// between the spaces would read as thousands lost.
    /// </summary>
    public void Rebase()
    {
        _lostCarried += LostInThisSequence;
        _started = false;
        _received = 0;
        _expectedPrior = 0;
        _receivedPrior = 0;
        _haveTransit = false;
    }

    /// <summary>Remembers a sender report from this source for the LSR/DLSR of the next block (RFC 3550 §6.4.1).</summary>
    public void OnSenderReport(ulong ntpTimestamp)
    {
        _lastSenderReport = NtpTime.ToCompact(ntpTimestamp);
        _lastSenderReportAt = _time.GetTimestamp();
        _haveSenderReport = true;
    }

    /// <summary>A reception report block for <paramref name="ssrc"/>; starts the next report interval (A.3).</summary>
    public ReportBlock CreateReportBlock(uint ssrc)
    {
        var expected = Expected;
        var received = _received;
        var expectedInterval = expected - _expectedPrior;
        var receivedInterval = received - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = received;
        var lostInterval = expectedInterval - receivedInterval;

        // An 8-bit fixed-point fraction; everything lost is 255/256, not 256 wrapped to 0.
        var fraction = expectedInterval == 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
        var cumulative = (int)Math.Clamp(expected - received, ReportBlock.MinCumulativeLost, ReportBlock.MaxCumulativeLost);
        var delay = _haveSenderReport ? NtpTime.ToCompact(_time.GetElapsedTime(_lastSenderReportAt)) : 0u;
        var highest = ExtendedHighestSequenceNumber;
        return new ReportBlock(ssrc, fraction, cumulative, highest < 0 ? 0u : (uint)highest, Jitter, _lastSenderReport, delay);
    }

    private void InitSequence(ushort sequenceNumber)
    {
        _baseSequence = sequenceNumber;
        _maxSequence = sequenceNumber;
        _badSequence = SequenceModulus + 1;
        _cycles = 0;
        _received = 0;
        _receivedPrior = 0;
        _expectedPrior = 0;
    }

    /// <summary>
    /// A.8: J += (|D| - J) / 16, with D the change in transit time. Arrival is taken in timestamp units modulo
    /// 2^32 like the RTP timestamp, and D as a signed 32-bit difference, so a timestamp wrap is no jump.
    /// </summary>
    private void UpdateJitter(uint rtpTimestamp, long now)
    {
        var arrival = (uint)(ulong)(long)(now * (double)_clockRate / _time.TimestampFrequency);
        var transit = arrival - rtpTimestamp;
        if (_haveTransit)
        {
            long d = (int)(transit - _lastTransit);
            _jitterScaled += Math.Abs(d) - ((_jitterScaled + 8) >> 4);
        }

        _lastTransit = transit;
        _haveTransit = true;
    }
}
