using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1):
/// per transport sequence number, whether it arrived and the arrival time delta.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|  FMT=15 |    PT=205     |           length              |
/// |                     SSRC of packet sender                     |
/// |                      SSRC of media source                     |
/// |      base sequence number     |      packet status count      |
/// |                 reference time                | fb pkt. count |   reference time: signed, × 64 ms
/// |          packet chunk         |         packet chunk          |   run length: 0|S(2)|length(13)
/// .                                                               .   status vector: 1|0|14 × 1 bit, 1|1|7 × 2 bits
/// |         recv delta            |  recv delta   | zero padding  |   small: u8, large: s16, × 250 µs
/// </code>
/// </remarks>
public readonly ref struct TransportCcFeedback
{
    /// <summary>Unit of receive deltas.</summary>
    public const int TickMicroseconds = 250;

    /// <summary>Unit of the reference time.</summary>
    public const int ReferenceTimeMicroseconds = 64_000;

    private const int FixedLength = 20;
    private const int TicksPerReference = ReferenceTimeMicroseconds / TickMicroseconds;

    private readonly ReadOnlySpan<byte> _body;
    private readonly ReadOnlySpan<byte> _chunks;
    private readonly ReadOnlySpan<byte> _deltas;

    private TransportCcFeedback(ReadOnlySpan<byte> body, ReadOnlySpan<byte> chunks, ReadOnlySpan<byte> deltas)
    {
        _body = body;
        _chunks = chunks;
        _deltas = deltas;
    }

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>SSRC of the media source (unused by the scheme; senders often put the first media SSRC).</summary>
    public uint MediaSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(4));

    /// <summary>Sequence number of the first packet described.</summary>
    public ushort BaseSequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_body.Slice(8));

    /// <summary>Number of packets described.</summary>
    public int PacketStatusCount => BinaryPrimitives.ReadUInt16BigEndian(_body.Slice(10));

    /// <summary>The 24-bit signed reference time, in multiples of 64 ms.</summary>
    public int ReferenceTime => (int)(BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(12)) & 0xFFFFFF00) >> 8;

    /// <summary>Feedback packet counter, to detect lost feedback.</summary>
    public byte FeedbackPacketCount => _body[15];

    /// <summary>Enumerates (sequence number, status, delta) for every described packet.</summary>
    public TransportCcPacketEnumerator GetPackets() =>
        new(_chunks, _deltas, BaseSequenceNumber, PacketStatusCount, (long)ReferenceTime * TicksPerReference);

    /// <summary>
    /// Validates a transport-wide CC feedback: type, format, chunks covering the status count without reserved
    /// symbols, and every receive delta within the body. Never throws.
    /// </summary>
    public static bool TryParse(RtcpHeaderView packet, out TransportCcFeedback feedback)
    {
        feedback = default;
        ReadOnlySpan<byte> body = packet.Body;
        if (packet.Packet.IsEmpty
            || packet.Type != RtcpPacketType.TransportFeedback
            || packet.CountOrFormat != (byte)TransportFeedbackFormat.TransportWideCc
            || body.Length < FixedLength - RtcpHeader.Length)
        {
            return false;
        }

        int remaining = BinaryPrimitives.ReadUInt16BigEndian(body.Slice(10));
        int offset = FixedLength - RtcpHeader.Length;
        int deltaBytes = 0;
        while (remaining > 0)
        {
            if (offset + 2 > body.Length)
            {
                return false;
            }

            int chunk = BinaryPrimitives.ReadUInt16BigEndian(body.Slice(offset));
            offset += 2;
            int count = Math.Min(ChunkCapacity(chunk), remaining);
            if ((chunk & 0x8000) == 0)
            {
                int symbol = ChunkSymbol(chunk, 0);
                if (symbol == 3)
                {
                    return false;
                }

                deltaBytes += count * symbol;
            }
            else
            {
                for (int i = 0; i < count; i++)
                {
                    int symbol = ChunkSymbol(chunk, i);
                    if (symbol == 3)
                    {
                        return false;
                    }

                    deltaBytes += symbol;
                }
            }

            remaining -= count;
        }

        if (offset + deltaBytes > body.Length)
        {
            return false;
        }

        feedback = new TransportCcFeedback(body, body.Slice(FixedLength - RtcpHeader.Length, offset - (FixedLength - RtcpHeader.Length)), body.Slice(offset, deltaBytes));
        return true;
    }

    /// <summary>Number of statuses a chunk holds: its run length, 14 (1-bit vector) or 7 (2-bit vector).</summary>
    internal static int ChunkCapacity(int chunk) => (chunk & 0x8000) == 0 ? chunk & 0x1FFF : (chunk & 0x4000) == 0 ? 14 : 7;

    /// <summary>Status symbol <paramref name="index"/> of a chunk (0..3; 3 is reserved).</summary>
    internal static int ChunkSymbol(int chunk, int index) =>
        (chunk & 0x8000) == 0 ? (chunk >> 13) & 3
        : (chunk & 0x4000) == 0 ? (chunk >> (13 - index)) & 1
        : (chunk >> (12 - (2 * index))) & 3;

    /// <summary>
    /// Writes feedback for <paramref name="arrivals"/>, which must be ascending (wrap-aware) by sequence number;
    /// numbers missing between entries are reported as not received. The first entry is the base sequence number,
    /// the first received one sets the reference time (arrival time floored to 64 ms). Arrival times are rounded
    /// to 250 µs ticks without drift. Encodes the longest prefix whose deltas fit 16 bits and whose packet fits
    /// <paramref name="destination"/>; <paramref name="consumed"/> tells how many entries that was, so the rest
    /// can go into the next feedback. Pads with the RTCP padding bit, as libwebrtc does. Returns the length.
    /// </summary>
    public static int Write(Span<byte> destination, uint senderSsrc, uint mediaSsrc, byte feedbackPacketCount, ReadOnlySpan<TransportCcArrival> arrivals, out int consumed)
    {
        if (arrivals.IsEmpty)
        {
            throw new ArgumentException("Feedback needs at least one packet.", nameof(arrivals));
        }

        long referenceTime = 0;
        for (int i = 0; i < arrivals.Length; i++)
        {
            if (arrivals[i].IsReceived)
            {
                referenceTime = arrivals[i].ArrivalTimeMicroseconds / ReferenceTimeMicroseconds;
                break;
            }
        }

        // Pass 1 finds how many entries fit; pass 2 writes chunks and deltas where pass 1 said they go.
        consumed = Encode(default, default, arrivals, referenceTime, destination.Length, out int chunkCount, out int statusCount, out int deltaBytes);
        if (consumed == 0)
        {
            throw new ArgumentException("The destination is too small for transport-wide CC feedback.", nameof(destination));
        }

        int unpadded = FixedLength + (2 * chunkCount) + deltaBytes;
        int length = (unpadded + 3) & ~3;
        int chunksAt = FixedLength;
        int deltasAt = FixedLength + (2 * chunkCount);
        Encode(destination.Slice(chunksAt, 2 * chunkCount), destination.Slice(deltasAt, deltaBytes), arrivals.Slice(0, consumed), referenceTime, destination.Length, out _, out _, out _);

        RtcpHeader.Write(destination, (int)TransportFeedbackFormat.TransportWideCc, RtcpPacketType.TransportFeedback, length, padding: length != unpadded);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4), senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(8), mediaSsrc);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(12), arrivals[0].SequenceNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(14), (ushort)statusCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(16), ((uint)referenceTime << 8) | feedbackPacketCount);
        if (length != unpadded)
        {
            destination.Slice(unpadded, length - unpadded - 1).Clear();
            destination[length - 1] = (byte)(length - unpadded);
        }

        return length;
    }

    private static int Encode(
        Span<byte> chunks,
        Span<byte> deltas,
        ReadOnlySpan<TransportCcArrival> arrivals,
        long referenceTime,
        int maxLength,
        out int chunkCount,
        out int statusCount,
        out int deltaBytes)
    {
        var encoder = new TransportCcChunkEncoder();
        TransportCcChunkEncoder accepted = encoder;
        long previousTicks = referenceTime * TicksPerReference;
        ushort baseSequence = arrivals[0].SequenceNumber;
        int nextStatus = 0;
        int deltaAt = 0;
        int count = 0;
        statusCount = 0;
        for (; count < arrivals.Length; count++)
        {
            TransportCcArrival arrival = arrivals[count];
            int status = (ushort)(arrival.SequenceNumber - baseSequence);
            if (status < nextStatus || (count > 0 && (ushort)(arrival.SequenceNumber - arrivals[count - 1].SequenceNumber) >= 0x8000))
            {
                throw new ArgumentException("Arrivals must be in ascending sequence number order without duplicates.", nameof(arrivals));
            }

            if (status >= ushort.MaxValue)
            {
                break;
            }

            int symbol = (int)TransportCcStatus.NotReceived;
            long ticks = previousTicks;
            int delta = 0;
            if (arrival.IsReceived)
            {
                ticks = (arrival.ArrivalTimeMicroseconds + (TickMicroseconds / 2)) / TickMicroseconds;
                long wide = ticks - previousTicks;
                if (wide is < short.MinValue or > short.MaxValue)
                {
                    break;
                }

                delta = (int)wide;
                symbol = delta is >= 0 and <= byte.MaxValue ? (int)TransportCcStatus.ReceivedSmallDelta : (int)TransportCcStatus.ReceivedLargeDelta;
            }

            for (; nextStatus < status; nextStatus++)
            {
                encoder.Add((int)TransportCcStatus.NotReceived, chunks);
            }

            encoder.Add(symbol, chunks);
            nextStatus++;

            int projected = (FixedLength + (2 * encoder.FinalChunkCount) + deltaAt + symbol + 3) & ~3;
            if (projected > maxLength)
            {
                break;
            }

            if (!deltas.IsEmpty)
            {
                if (symbol == (int)TransportCcStatus.ReceivedSmallDelta)
                {
                    deltas[deltaAt] = (byte)delta;
                }
                else if (symbol == (int)TransportCcStatus.ReceivedLargeDelta)
                {
                    BinaryPrimitives.WriteInt16BigEndian(deltas.Slice(deltaAt), (short)delta);
                }
            }

            deltaAt += symbol;
            previousTicks = ticks;
            statusCount = nextStatus;
            accepted = encoder;
        }

        accepted.Flush(chunks);
        chunkCount = accepted.ChunkCount;
        deltaBytes = deltaAt;
        return count;
    }
}
