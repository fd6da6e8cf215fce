using Sluice.Rtc.Rtcp;

namespace Sluice.Sfu.Forwarding;

/// <summary>
/// What a receiver report says about one incoming SSRC (RFC 3550 §6.4.1, Appendix A.3 and A.8): highest
/// extended sequence number, cumulative and interval loss, interarrival jitter, and the last sender report.
/// Written by the receive thread; <see cref="CreateReportBlock"/> runs on the report timer, and a slightly
/// torn read there costs one approximate report, nothing more.
/// </summary>
public sealed class ReceiveStatistics
{
    private readonly int _clockRate;
    private readonly TimeProvider _time;
    private long _baseSequence = -1;
    private long _highest = -1;
    private long _received;
    private long _receivedBase;
    private long _lostCarried;
    private long _expectedPrior;
    private long _receivedPrior;
    private double _jitter;
    private long _lastTransit = long.MinValue;
    private uint _lastSenderReport;
    private long _lastSenderReportAt;

    public ReceiveStatistics(int clockRate, TimeProvider time)
    {
        _clockRate = clockRate;
        _time = time;
    }

    public long PacketsReceived => Volatile.Read(ref _received);

    /// <summary>Lost across every SSRC this track has had: a new sequence space starts counting afresh.</summary>
    public long PacketsLost => _lostCarried + LostInThisSequence;

    private long LostInThisSequence => Math.Max(0, Expected - (PacketsReceived - _receivedBase));

    private long Expected => _highest < 0 ? 0 : _highest - _baseSequence + 1;

    /// <param name="now">The arrival time, from the track's TimeProvider: read once per packet by the caller.</param>
    public void OnPacket(long extendedSequenceNumber, uint rtpTimestamp, long now)
    {
        if (_baseSequence < 0)
        {
            _baseSequence = extendedSequenceNumber;
        }

        if (extendedSequenceNumber > _highest)
        {
            _highest = extendedSequenceNumber;
        }

        _received++;

        // Interarrival jitter in timestamp units (RFC 3550 A.8); arrival converted to the media clock.
        var arrival = (long)(now * (double)_clockRate / _time.TimestampFrequency);
        var transit = arrival - rtpTimestamp;
        if (_lastTransit != long.MinValue)
        {
            var d = Math.Abs(transit - _lastTransit);
            _jitter += (d - _jitter) / 16.0;
        }

        _lastTransit = transit;
    }

    /// <summary>A retransmission (or any duplicate) that filled a gap counts as received, not as new.</summary>
    public void OnRecovered() => _received++;

    /// <summary>
    /// The publisher started a new SSRC (a new sequence-number space): carry the loss so far and count the new
    /// space from its first packet, or one jump between the spaces would read as thousands lost.
    /// </summary>
    public void Rebase()
    {
        _lostCarried += LostInThisSequence;
        _receivedBase = PacketsReceived;
        _baseSequence = -1;
        _highest = -1;
        _expectedPrior = 0;
        _receivedPrior = 0;
        _lastTransit = long.MinValue;
    }

    public void OnSenderReport(ulong ntpTimestamp)
    {
        _lastSenderReport = NtpTime.ToCompact(ntpTimestamp);
        _lastSenderReportAt = _time.GetTimestamp();
    }

    public ReportBlock CreateReportBlock(uint ssrc)
    {
        var expected = Expected;
        var received = PacketsReceived - _receivedBase;
        var expectedInterval = expected - _expectedPrior;
        var receivedInterval = received - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = received;
        var lostInterval = expectedInterval - receivedInterval;
        // An 8-bit fixed-point fraction: everything lost is 255/256, not 256 wrapped to 0 (RFC 3550 A.3).
        var fraction = expectedInterval == 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
        var cumulative = (int)Math.Clamp(expected - received, ReportBlock.MinCumulativeLost, ReportBlock.MaxCumulativeLost);
        var delay = _lastSenderReportAt == 0 ? 0u : NtpTime.ToCompact(_time.GetElapsedTime(_lastSenderReportAt));
        return new ReportBlock(ssrc, fraction, cumulative, (uint)Math.Max(0, _highest), (uint)_jitter, _lastSenderReport, delay);
    }
}
