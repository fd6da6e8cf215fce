using System.Buffers.Binary;
using Sluice.Rtc.Rtp;
using Sluice.Rtc.Transport;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// The receiving side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01):
/// records when each transport-wide sequence number arrived and writes the feedback that lets the sender estimate
/// the path. Feedback covers every number from the first not yet reported to the newest seen; numbers in between
/// that did not arrive are reported lost. A packet arriving after its number was reported is not reported again.
/// One thread; allocates nothing after construction.
/// </summary>
public sealed class TransportCcRecorder
{
    // Far more than arrive between two feedbacks (100 ms at 50k packets/s); older ones are skipped unreported.
    private const int Capacity = 4096;

    private readonly long[] _arrivals = new long[Capacity];
    private readonly TransportCcArrival[] _pending = new TransportCcArrival[Capacity];
    private SequenceUnwrapper _unwrapper;
    private long _nextToReport = -1;
    private long _newest = -1;
    private long _epoch = -1;
    private byte _feedbackCount;
    private long _packetsRecorded;
    private long _feedbacksWritten;

    /// <summary>The header extension's URI in SDP (<c>a=extmap</c>); its value is the 16-bit sequence number.</summary>
    public const string ExtensionUri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    public TransportCcRecorder() => _arrivals.AsSpan().Fill(-1);

    /// <summary>
    /// Records the arrival of an RTP <paramref name="packet"/> when it carries the transport-wide sequence number
    /// under <paramref name="extensionId"/> (0: not negotiated, nothing to do).
    /// </summary>
    public void OnRtp(ReadOnlySpan<byte> packet, int extensionId, long arrivalMicroseconds)
    {
        if (extensionId != 0 && RtpPacket.TryParse(packet, out var rtp) && rtp.TryGetExtension(extensionId, out var sequence) && sequence.Length == 2)
        {
            OnPacket(BinaryPrimitives.ReadUInt16BigEndian(sequence), arrivalMicroseconds);
        }
    }

    /// <summary>Sends everything not yet reported to <paramref name="transport"/>'s peer, in as many feedback packets as it takes.</summary>
    public void SendFeedback(WebRtcTransport transport, uint senderSsrc, uint mediaSsrc)
    {
        Span<byte> buffer = stackalloc byte[1200];
        int length;
        while ((length = WriteFeedback(buffer, senderSsrc, mediaSsrc)) > 0)
        {
            transport.SendRtcp(buffer, length);
        }
    }

    /// <summary>Packets recorded since the start.</summary>
    public long PacketsRecorded => Volatile.Read(ref _packetsRecorded);

    /// <summary>Feedback packets written since the start.</summary>
    public long FeedbacksWritten => Volatile.Read(ref _feedbacksWritten);

    /// <summary>True when something arrived that no feedback has reported yet.</summary>
    public bool HasPending => _newest >= _nextToReport && _nextToReport >= 0;

    /// <summary>Records the arrival of <paramref name="sequenceNumber"/> at <paramref name="arrivalMicroseconds"/> (any monotonic epoch).</summary>
    public void OnPacket(ushort sequenceNumber, long arrivalMicroseconds)
    {
        var extended = _unwrapper.Unwrap(sequenceNumber);
        if (_nextToReport < 0)
        {
            _nextToReport = extended;
        }

        if (extended < _nextToReport)
        {
            return;
        }

        if (extended > _newest)
        {
            // Slots between the old newest and this one are free again: mark them not arrived.
            for (var s = Math.Max(_newest + 1, extended - Capacity + 1); s < extended; s++)
            {
                _arrivals[s & (Capacity - 1)] = -1;
            }

            _newest = extended;
            if (_newest - _nextToReport >= Capacity)
            {
                // The feedback fell behind by a whole window: skip what cannot be described any more.
                _nextToReport = _newest - Capacity + 1;
            }
        }

        // Times from the first packet on: the feedback's 24-bit reference time never wraps in a session's life.
        if (_epoch < 0)
        {
            _epoch = arrivalMicroseconds;
        }

        _arrivals[extended & (Capacity - 1)] = Math.Max(0, arrivalMicroseconds - _epoch);
        _packetsRecorded++;
    }

    /// <summary>
    /// Writes one feedback packet for what arrived since the last one into <paramref name="destination"/> (a
    /// compound's free space); returns its length, 0 when there is nothing to report. Call until it returns 0 to
    /// flush a backlog that does not fit one packet.
    /// </summary>
    public int WriteFeedback(Span<byte> destination, uint senderSsrc, uint mediaSsrc)
    {
        if (!HasPending)
        {
            return 0;
        }

        var count = (int)(_newest - _nextToReport + 1);
        for (var i = 0; i < count; i++)
        {
            var extended = _nextToReport + i;
            var arrival = _arrivals[extended & (Capacity - 1)];
            _pending[i] = new TransportCcArrival((ushort)extended, arrival);
        }

        // A feedback must start with a received packet to set its reference time; lost leaders are reported after one.
        var length = TransportCcFeedback.Write(destination, senderSsrc, mediaSsrc, _feedbackCount, _pending.AsSpan(0, count), out var consumed);
        _feedbackCount++;
        _feedbacksWritten++;
        _nextToReport += consumed;
        return length;
    }
}
