using System.Buffers.Binary;

namespace Sluice.Rtc.Sctp;

/// <summary>
/// Builds one SCTP packet: the common header, then chunks appended in order, each padded to four bytes;
/// <see cref="Finish"/> writes the CRC32c. Every <c>Write…</c> checks <see cref="Remaining"/> first through
/// <see cref="Fits"/>; writing past the buffer is a programming error and throws.
/// </summary>
public ref struct SctpPacketWriter
{
    private readonly Span<byte> _buffer;

    public SctpPacketWriter(Span<byte> buffer, ushort sourcePort, ushort destinationPort, uint verificationTag)
    {
        _buffer = buffer;
        SctpPacket.WriteHeader(buffer, sourcePort, destinationPort, verificationTag);
        Length = SctpPacket.HeaderLength;
        ChunkCount = 0;
    }

    public int Length { readonly get; private set; }

    public int ChunkCount { readonly get; private set; }

    public readonly int Remaining => _buffer.Length - Length;

    /// <summary>Whether a chunk whose value is <paramref name="valueLength"/> bytes fits, padding included.</summary>
    public readonly bool Fits(int valueLength) => Padded(4 + valueLength) <= Remaining;

    /// <summary>Appends a chunk with an arbitrary value (COOKIE-ECHO, HEARTBEAT-ACK echoing its info, ...).</summary>
    public void WriteChunk(SctpChunkType type, byte flags, scoped ReadOnlySpan<byte> value)
    {
        var chunk = Begin(type, flags, value.Length);
        value.CopyTo(chunk);
        End(value.Length);
    }

    /// <summary>Appends DATA (RFC 9260 §3.3.1).</summary>
    public void WriteData(byte flags, uint tsn, ushort streamId, ushort ssn, uint ppid, scoped ReadOnlySpan<byte> userData)
    {
        var length = DataChunk.HeaderLength + userData.Length;
        var v = Begin(SctpChunkType.Data, flags, length);
        BinaryPrimitives.WriteUInt32BigEndian(v, tsn);
        BinaryPrimitives.WriteUInt16BigEndian(v[4..], streamId);
        BinaryPrimitives.WriteUInt16BigEndian(v[6..], ssn);
        BinaryPrimitives.WriteUInt32BigEndian(v[8..], ppid);
        userData.CopyTo(v[DataChunk.HeaderLength..]);
        End(length);
    }

    /// <summary>
    /// Appends INIT or INIT-ACK (RFC 9260 §3.3.2, §3.3.3) announcing partial reliability (RFC 3758) and stream
    /// reconfiguration (RFC 6525) through Supported Extensions, with the state cookie for an INIT-ACK.
    /// </summary>
    public void WriteInit(SctpChunkType type, uint initiateTag, uint receiverWindow, ushort outboundStreams, ushort inboundStreams, uint initialTsn, scoped ReadOnlySpan<byte> cookie)
    {
        var cookieLength = cookie.IsEmpty ? 0 : Padded(4 + cookie.Length);
        var length = InitChunk.FixedLength + 8 /* supported extensions: header + 2 types, padded */ + 4 /* forward-tsn supported */ + cookieLength;
        var v = Begin(type, 0, length);
        BinaryPrimitives.WriteUInt32BigEndian(v, initiateTag);
        BinaryPrimitives.WriteUInt32BigEndian(v[4..], receiverWindow);
        BinaryPrimitives.WriteUInt16BigEndian(v[8..], outboundStreams);
        BinaryPrimitives.WriteUInt16BigEndian(v[10..], inboundStreams);
        BinaryPrimitives.WriteUInt32BigEndian(v[12..], initialTsn);
        var p = v[InitChunk.FixedLength..];
        BinaryPrimitives.WriteUInt16BigEndian(p, (ushort)SctpParameterType.SupportedExtensions);
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], 6);
        p[4] = (byte)SctpChunkType.ReConfig;
        p[5] = (byte)SctpChunkType.ForwardTsn;
        p[6] = 0;
        p[7] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(p[8..], (ushort)SctpParameterType.ForwardTsnSupported);
        BinaryPrimitives.WriteUInt16BigEndian(p[10..], 4);
        if (!cookie.IsEmpty)
        {
            var c = p[12..];
            BinaryPrimitives.WriteUInt16BigEndian(c, (ushort)SctpParameterType.StateCookie);
            BinaryPrimitives.WriteUInt16BigEndian(c[2..], (ushort)(4 + cookie.Length));
            cookie.CopyTo(c[4..]);
            c.Slice(4 + cookie.Length, cookieLength - 4 - cookie.Length).Clear();
        }

        End(length);
    }

    /// <summary>Appends SACK (RFC 9260 §3.3.4); gap blocks are offsets from <paramref name="cumulativeTsnAck"/>.</summary>
    public void WriteSack(uint cumulativeTsnAck, uint receiverWindow, scoped ReadOnlySpan<(ushort Start, ushort End)> gaps, scoped ReadOnlySpan<uint> duplicates)
    {
        var length = SackChunk.FixedLength + (gaps.Length * 4) + (duplicates.Length * 4);
        var v = Begin(SctpChunkType.Sack, 0, length);
        BinaryPrimitives.WriteUInt32BigEndian(v, cumulativeTsnAck);
        BinaryPrimitives.WriteUInt32BigEndian(v[4..], receiverWindow);
        BinaryPrimitives.WriteUInt16BigEndian(v[8..], (ushort)gaps.Length);
        BinaryPrimitives.WriteUInt16BigEndian(v[10..], (ushort)duplicates.Length);
        var at = SackChunk.FixedLength;
        foreach (var (start, end) in gaps)
        {
            BinaryPrimitives.WriteUInt16BigEndian(v[at..], start);
            BinaryPrimitives.WriteUInt16BigEndian(v[(at + 2)..], end);
            at += 4;
        }

        foreach (var tsn in duplicates)
        {
            BinaryPrimitives.WriteUInt32BigEndian(v[at..], tsn);
            at += 4;
        }

        End(length);
    }

    /// <summary>Appends a chunk whose value is one 32-bit number (SHUTDOWN's cumulative TSN ack).</summary>
    public void WriteUInt32Chunk(SctpChunkType type, uint value)
    {
        var v = Begin(type, 0, 4);
        BinaryPrimitives.WriteUInt32BigEndian(v, value);
        End(4);
    }

    /// <summary>Appends HEARTBEAT with a Heartbeat Info parameter (RFC 9260 §3.3.5) carrying <paramref name="info"/>.</summary>
    public void WriteHeartbeat(scoped ReadOnlySpan<byte> info)
    {
        var length = 4 + info.Length;
        var v = Begin(SctpChunkType.Heartbeat, 0, length);
        BinaryPrimitives.WriteUInt16BigEndian(v, (ushort)SctpParameterType.HeartbeatInfo);
        BinaryPrimitives.WriteUInt16BigEndian(v[2..], (ushort)length);
        info.CopyTo(v[4..]);
        End(length);
    }

    /// <summary>Appends ABORT or ERROR with one cause (RFC 9260 §3.3.7, §3.3.10) whose value is <paramref name="causeValue"/>.</summary>
    public void WriteCause(SctpChunkType type, byte flags, SctpErrorCause cause, scoped ReadOnlySpan<byte> causeValue)
    {
        var length = 4 + causeValue.Length;
        var v = Begin(type, flags, Padded(length));
        BinaryPrimitives.WriteUInt16BigEndian(v, (ushort)cause);
        BinaryPrimitives.WriteUInt16BigEndian(v[2..], (ushort)length);
        causeValue.CopyTo(v[4..]);
        v.Slice(length, Padded(length) - length).Clear();
        End(Padded(length));
    }

    /// <summary>Appends FORWARD-TSN (RFC 3758 §3.2).</summary>
    public void WriteForwardTsn(uint newCumulativeTsn, scoped ReadOnlySpan<(ushort StreamId, ushort Ssn)> streams)
    {
        var length = 4 + (streams.Length * 4);
        var v = Begin(SctpChunkType.ForwardTsn, 0, length);
        BinaryPrimitives.WriteUInt32BigEndian(v, newCumulativeTsn);
        var at = 4;
        foreach (var (stream, ssn) in streams)
        {
            BinaryPrimitives.WriteUInt16BigEndian(v[at..], stream);
            BinaryPrimitives.WriteUInt16BigEndian(v[(at + 2)..], ssn);
            at += 4;
        }

        End(length);
    }

    /// <summary>Appends RE-CONFIG with one Outgoing SSN Reset Request (RFC 6525 §4.1).</summary>
    public void WriteOutgoingResetRequest(uint requestSequence, uint responseSequence, uint lastTsn, scoped ReadOnlySpan<ushort> streams)
    {
        var parameterLength = 16 + (streams.Length * 2);
        var length = Padded(parameterLength);
        var v = Begin(SctpChunkType.ReConfig, 0, length);
        BinaryPrimitives.WriteUInt16BigEndian(v, (ushort)SctpParameterType.OutgoingSsnResetRequest);
        BinaryPrimitives.WriteUInt16BigEndian(v[2..], (ushort)parameterLength);
        BinaryPrimitives.WriteUInt32BigEndian(v[4..], requestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(v[8..], responseSequence);
        BinaryPrimitives.WriteUInt32BigEndian(v[12..], lastTsn);
        var at = 16;
        foreach (var stream in streams)
        {
            BinaryPrimitives.WriteUInt16BigEndian(v[at..], stream);
            at += 2;
        }

        v[at..length].Clear();
        End(length);
    }

    /// <summary>Appends RE-CONFIG with one Re-configuration Response (RFC 6525 §4.4).</summary>
    public void WriteReconfigResponse(uint responseSequence, SctpReconfigResult result)
    {
        var v = Begin(SctpChunkType.ReConfig, 0, 12);
        BinaryPrimitives.WriteUInt16BigEndian(v, (ushort)SctpParameterType.ReconfigurationResponse);
        BinaryPrimitives.WriteUInt16BigEndian(v[2..], 12);
        BinaryPrimitives.WriteUInt32BigEndian(v[4..], responseSequence);
        BinaryPrimitives.WriteUInt32BigEndian(v[8..], (uint)result);
        End(12);
    }

    /// <summary>Writes the checksum and returns the packet.</summary>
    public readonly Span<byte> Finish()
    {
        var packet = _buffer[..Length];
        SctpPacket.Seal(packet);
        return packet;
    }

    private static int Padded(int length) => (length + 3) & ~3;

    private readonly Span<byte> Begin(SctpChunkType type, byte flags, int valueLength)
    {
        if (!Fits(valueLength))
        {
            throw new ArgumentException($"An SCTP chunk of {4 + valueLength} bytes does not fit in the {Remaining} bytes left.");
        }

        var chunk = _buffer[Length..];
        chunk[0] = (byte)type;
        chunk[1] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(chunk[2..], (ushort)(4 + valueLength));
        return chunk.Slice(4, valueLength);
    }

    private void End(int valueLength)
    {
        var padded = Padded(4 + valueLength);
        _buffer.Slice(Length + 4 + valueLength, padded - 4 - valueLength).Clear();
        Length += padded;
        ChunkCount++;
    }
}
