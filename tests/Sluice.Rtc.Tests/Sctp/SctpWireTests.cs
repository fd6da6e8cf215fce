using System.Buffers.Binary;
using Sluice.Rtc.Sctp;

namespace Sluice.Rtc.Tests.Sctp;

/// <summary>
/// The SCTP wire format (RFC 9260 §3, RFC 3758 §3.2, RFC 6525 §3-4): every chunk <see cref="SctpPacketWriter"/> makes
/// is read back by the views, chunks sit on four-byte boundaries, and malformed bytes are refused without throwing.
/// </summary>
public class SctpWireTests
{
    private const uint Tag = 0x6A1B5C47;

    private delegate void WriteChunks(ref SctpPacketWriter writer);

    [Fact]
    public void HandBuiltData_Parses_AndIsRebuiltByteForByte()
    {
        Assert.True(SctpPacket.TryRead(SctpTestPackets.HelloData, out var packet));
        Assert.Equal(5000, packet.SourcePort);
        Assert.Equal(5000, packet.DestinationPort);
        Assert.Equal(Tag, packet.VerificationTag);
        Assert.True(DataChunk.TryParse(OnlyChunk(SctpTestPackets.HelloData), out var data));
        Assert.Equal(0x2E1D4B02u, data.Tsn);
        Assert.Equal(1, data.StreamId);
        Assert.Equal(0, data.Ssn);
        Assert.Equal((uint)DataPpid.String, data.Ppid);
        Assert.Equal("hello"u8.ToArray(), data.UserData.ToArray());

        var rebuilt = Packet((ref w) => w.WriteData(DataChunk.Beginning | DataChunk.Ending, 0x2E1D4B02, 1, 0, (uint)DataPpid.String, "hello"u8));

        Assert.Equal(SctpTestPackets.HelloData, rebuilt);
    }

    [Theory]
    [InlineData(DataChunk.Beginning | DataChunk.Ending)]
    [InlineData(DataChunk.Beginning)]
    [InlineData(0)]
    [InlineData(DataChunk.Ending)]
    [InlineData(DataChunk.Unordered | DataChunk.Beginning | DataChunk.Ending)]
    [InlineData(DataChunk.Immediate | DataChunk.Unordered | DataChunk.Beginning | DataChunk.Ending)]
    public void Data_RoundTrips_WithItsFlags(byte flags)
    {
        var packet = Packet((ref w) => w.WriteData(flags, 0xFFFFFFFF, 65535, 0xBEEF, (uint)DataPpid.Binary, [1, 2, 3, 4, 5, 6, 7]));

        var chunk = OnlyChunk(packet);
        Assert.Equal(flags, chunk.Flags);
        Assert.True(DataChunk.TryParse(chunk, out var data));
        Assert.Equal(flags, data.Flags);
        Assert.Equal((flags & DataChunk.Unordered) != 0, data.IsUnordered);
        Assert.Equal((flags & DataChunk.Beginning) != 0, data.IsBeginning);
        Assert.Equal((flags & DataChunk.Ending) != 0, data.IsEnding);
        Assert.Equal(0xFFFFFFFFu, data.Tsn);
        Assert.Equal(65535, data.StreamId);
        Assert.Equal(0xBEEF, data.Ssn);
        Assert.Equal((uint)DataPpid.Binary, data.Ppid);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], data.UserData.ToArray());
    }

    [Fact]
    public void Init_RoundTrips_AnnouncingForwardTsnAndReConfig()
    {
        var packet = Packet((ref w) => w.WriteInit(SctpChunkType.Init, 0x01020304, 131072, 1024, 2048, 0xA0B0C0D0, []), tag: 0);

        var chunk = OnlyChunk(packet);
        AssertInit(chunk, SctpChunkType.Init, 0x01020304, 131072, 1024, 2048, 0xA0B0C0D0);
        Assert.True(InitChunk.TryParse(chunk, out var init));
        Assert.True(init.SupportsExtension(SctpChunkType.ForwardTsn));
        Assert.False(init.TryGetParameter(SctpParameterType.StateCookie, out _));
        Assert.Equal([(ushort)SctpParameterType.SupportedExtensions, (ushort)SctpParameterType.ForwardTsnSupported], ParameterTypes(init.Parameters, out var malformed));
        Assert.False(malformed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(32)]
    [InlineData(301)]
    public void InitAck_RoundTrips_WithItsStateCookie(int cookieLength)
    {
        var cookie = Enumerable.Range(0, cookieLength).Select(i => (byte)(0xC0 + i)).ToArray();

        var packet = Packet((ref w) => w.WriteInit(SctpChunkType.InitAck, 0xFFFFFFFF, 65535, 65535, 1, 7, cookie));

        Assert.Equal(0, packet.Length % 4);
        var chunk = OnlyChunk(packet);
        AssertInit(chunk, SctpChunkType.InitAck, 0xFFFFFFFF, 65535, 65535, 1, 7);
        Assert.True(InitChunk.TryParse(chunk, out var ack));
        Assert.True(ack.TryGetParameter(SctpParameterType.StateCookie, out var echoed));
        Assert.Equal(cookie, echoed.ToArray());
        Assert.Equal(
            [(ushort)SctpParameterType.SupportedExtensions, (ushort)SctpParameterType.ForwardTsnSupported, (ushort)SctpParameterType.StateCookie],
            ParameterTypes(ack.Parameters, out var malformed));
        Assert.False(malformed);
    }

    [Fact]
    public void BrowserInit_Parses_WithItsLastParameterUnpadded()
    {
        Assert.True(SctpPacket.TryRead(SctpTestPackets.BrowserInit, out var packet));
        Assert.Equal(0u, packet.VerificationTag);
        var chunk = OnlyChunk(SctpTestPackets.BrowserInit);
        Assert.Equal(86 - 4, chunk.Value.Length);
        AssertInit(chunk, SctpChunkType.Init, 0x55B964A5, 131072, 1024, 2048, 0xE86D1030);
        Assert.True(InitChunk.TryParse(chunk, out var init));
        Assert.False(init.TryGetParameter(SctpParameterType.StateCookie, out _));
        Assert.Equal([0xC000, 0x8008, 0x8002, 0x8004, 0x8003], ParameterTypes(init.Parameters, out var malformed));
        Assert.False(malformed);
        Assert.True(init.TryGetParameter((SctpParameterType)0x8003, out var chunkList));
        Assert.Equal([0x80, 0xC1], chunkList.ToArray());
    }

    [Fact]
    public void Sack_RoundTrips_WithGapsAndDuplicates()
    {
        var packet = Packet((ref w) => w.WriteSack(0xFFFFFFF0, 65536, [(2, 3), (5, 5), (0xFFFE, 0xFFFF)], [0xFFFFFFF0, 7]));

        Assert.True(SackChunk.TryParse(OnlyChunk(packet), out var sack));
        Assert.Equal(0xFFFFFFF0u, sack.CumulativeTsnAck);
        Assert.Equal(65536u, sack.AdvertisedReceiverWindow);
        Assert.Equal(3, sack.GapBlockCount);
        Assert.Equal(((ushort)2, (ushort)3), sack.GapBlock(0));
        Assert.Equal(((ushort)5, (ushort)5), sack.GapBlock(1));
        Assert.Equal(((ushort)0xFFFE, (ushort)0xFFFF), sack.GapBlock(2));
        Assert.Equal(2, sack.DuplicateCount);
        Assert.Equal(0xFFFFFFF0u, sack.Duplicate(0));
        Assert.Equal(7u, sack.Duplicate(1));
    }

    [Fact]
    public void Sack_RoundTrips_WithoutGapsOrDuplicates()
    {
        var packet = Packet((ref w) => w.WriteSack(41, 1024, [], []));

        Assert.Equal(SctpPacket.HeaderLength + 4 + SackChunk.FixedLength, packet.Length);
        Assert.True(SackChunk.TryParse(OnlyChunk(packet), out var sack));
        Assert.Equal(41u, sack.CumulativeTsnAck);
        Assert.Equal(1024u, sack.AdvertisedReceiverWindow);
        Assert.Equal(0, sack.GapBlockCount);
        Assert.Equal(0, sack.DuplicateCount);
    }

    [Fact]
    public void ForwardTsn_RoundTrips_WithStreams()
    {
        var packet = Packet((ref w) => w.WriteForwardTsn(0x80000001, [(1, 5), (65535, 65535)]));

        var chunk = OnlyChunk(packet);
        Assert.Equal(SctpChunkType.ForwardTsn, chunk.Type);
        Assert.True(ForwardTsnChunk.TryParse(chunk, out var forward));
        Assert.Equal(0x80000001u, forward.NewCumulativeTsn);
        Assert.Equal(2, forward.StreamCount);
        Assert.Equal(((ushort)1, (ushort)5), forward.Stream(0));
        Assert.Equal(((ushort)65535, (ushort)65535), forward.Stream(1));
    }

    [Fact]
    public void ForwardTsn_RoundTrips_WithoutStreams()
    {
        var packet = Packet((ref w) => w.WriteForwardTsn(9, []));

        Assert.True(ForwardTsnChunk.TryParse(OnlyChunk(packet), out var forward));
        Assert.Equal(9u, forward.NewCumulativeTsn);
        Assert.Equal(0, forward.StreamCount);
    }

    [Fact]
    public void OutgoingResetRequest_WithAnOddNumberOfStreams_IsPaddedAndRoundTrips()
    {
        var packet = Packet((ref w) => w.WriteOutgoingResetRequest(7, 6, 0xFFFFFFFE, [1, 3, 5]));

        // 12 header + 4 chunk header + 22-byte parameter (16 + 3 × 2) + 2 bytes of padding.
        Assert.Equal(40, packet.Length);
        Assert.Equal(0x0D, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(16)));
        Assert.Equal(22, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(18)));
        Assert.Equal([0, 0], packet[38..]);
        var chunk = OnlyChunk(packet);
        Assert.Equal(SctpChunkType.ReConfig, chunk.Type);
        var parameters = new SctpParameterEnumerator(chunk.Value);
        Assert.True(parameters.MoveNext());
        Assert.Equal(22, parameters.Current.Whole.Length);
        Assert.True(OutgoingResetRequest.TryParse(parameters.Current, out var request));
        Assert.Equal(7u, request.RequestSequence);
        Assert.Equal(6u, request.ResponseSequence);
        Assert.Equal(0xFFFFFFFEu, request.SendersLastTsn);
        Assert.Equal(3, request.StreamCount);
        Assert.Equal(1, request.Stream(0));
        Assert.Equal(3, request.Stream(1));
        Assert.Equal(5, request.Stream(2));
        Assert.False(parameters.MoveNext());
        Assert.False(parameters.Malformed);
    }

    [Fact]
    public void OutgoingResetRequest_WithoutStreams_MeansAll()
    {
        var packet = Packet((ref w) => w.WriteOutgoingResetRequest(1, 0, 2, []));

        Assert.Equal(SctpPacket.HeaderLength + 4 + 16, packet.Length);
        var parameters = new SctpParameterEnumerator(OnlyChunk(packet).Value);
        Assert.True(parameters.MoveNext());
        Assert.True(OutgoingResetRequest.TryParse(parameters.Current, out var request));
        Assert.Equal(0, request.StreamCount);
    }

    [Theory]
    [InlineData(SctpReconfigResult.SuccessPerformed)]
    [InlineData(SctpReconfigResult.Denied)]
    [InlineData(SctpReconfigResult.InProgress)]
    public void ReconfigResponse_RoundTrips(SctpReconfigResult result)
    {
        var packet = Packet((ref w) => w.WriteReconfigResponse(0xDEADBEEF, result));

        var chunk = OnlyChunk(packet);
        Assert.Equal(SctpChunkType.ReConfig, chunk.Type);
        var parameters = new SctpParameterEnumerator(chunk.Value);
        Assert.True(parameters.MoveNext());
        Assert.False(OutgoingResetRequest.TryParse(parameters.Current, out _));
        Assert.True(ReconfigResponse.TryParse(parameters.Current, out var response));
        Assert.Equal(0xDEADBEEFu, response.ResponseSequence);
        Assert.Equal(result, response.Result);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(5)]
    public void Heartbeat_RoundTrips_AndItsAckEchoesTheInfo(int infoLength)
    {
        var info = Enumerable.Range(1, infoLength).Select(i => (byte)i).ToArray();
        var heartbeat = Packet((ref w) => w.WriteHeartbeat(info));

        var chunk = OnlyChunk(heartbeat);
        Assert.Equal(SctpChunkType.Heartbeat, chunk.Type);
        var parameters = new SctpParameterEnumerator(chunk.Value);
        Assert.True(parameters.MoveNext());
        Assert.Equal((ushort)SctpParameterType.HeartbeatInfo, parameters.Current.Type);
        Assert.Equal(info, parameters.Current.Value.ToArray());
        Assert.False(parameters.MoveNext());
        Assert.False(parameters.Malformed);

        var echoed = chunk.Value.ToArray();
        var ack = Packet((ref w) => w.WriteChunk(SctpChunkType.HeartbeatAck, 0, echoed));
        var ackChunk = OnlyChunk(ack);
        Assert.Equal(SctpChunkType.HeartbeatAck, ackChunk.Type);
        Assert.Equal(echoed, ackChunk.Value.ToArray());
    }

    [Theory]
    [InlineData(SctpChunkType.Abort, 0x01)]
    [InlineData(SctpChunkType.Error, 0x00)]
    public void Cause_RoundTrips_InAbortAndError(SctpChunkType type, byte flags)
    {
        var packet = Packet((ref w) => w.WriteCause(type, flags, SctpErrorCause.UserInitiatedAbort, "bye"u8));

        Assert.Equal(0, packet.Length % 4);
        var chunk = OnlyChunk(packet);
        Assert.Equal(type, chunk.Type);
        Assert.Equal(flags, chunk.Flags);
        var causes = new SctpParameterEnumerator(chunk.Value);
        Assert.True(causes.MoveNext());
        Assert.Equal((ushort)SctpErrorCause.UserInitiatedAbort, causes.Current.Type);
        Assert.Equal("bye"u8.ToArray(), causes.Current.Value.ToArray());
        Assert.False(causes.MoveNext());
        Assert.False(causes.Malformed);
    }

    [Fact]
    public void Cause_WithoutAValue_RoundTrips()
    {
        var packet = Packet((ref w) => w.WriteCause(SctpChunkType.Abort, 0, SctpErrorCause.ProtocolViolation, []));

        var causes = new SctpParameterEnumerator(OnlyChunk(packet).Value);
        Assert.True(causes.MoveNext());
        Assert.Equal((ushort)SctpErrorCause.ProtocolViolation, causes.Current.Type);
        Assert.True(causes.Current.Value.IsEmpty);
    }

    [Fact]
    public void UInt32AndOpaqueChunks_RoundTrip()
    {
        var packet = Packet((ref w) =>
        {
            w.WriteUInt32Chunk(SctpChunkType.Shutdown, 0x11223344);
            w.WriteChunk(SctpChunkType.CookieEcho, 0, [9, 8, 7]);
            w.WriteChunk(SctpChunkType.CookieAck, 0, []);
            w.WriteChunk(SctpChunkType.ShutdownComplete, 0x01, []);
        });

        var chunks = Chunks(packet);
        Assert.Equal([SctpChunkType.Shutdown, SctpChunkType.CookieEcho, SctpChunkType.CookieAck, SctpChunkType.ShutdownComplete], chunks.Select(c => c.Type));
        Assert.Equal([0x11, 0x22, 0x33, 0x44], chunks[0].Value);
        Assert.Equal([9, 8, 7], chunks[1].Value);
        Assert.Empty(chunks[2].Value);
        Assert.Equal(0x01, chunks[3].Flags);
    }

    [Fact]
    public void SeveralChunks_InOnePacket_StartOnFourByteBoundariesWithZeroPadding()
    {
        var buffer = new byte[1500];
        var writer = new SctpPacketWriter(buffer, 5000, 5001, Tag);
        writer.WriteSack(100, 4096, [(2, 2)], []);
        writer.WriteData(DataChunk.Beginning | DataChunk.Ending, 101, 0, 0, (uint)DataPpid.String, "odd"u8);
        writer.WriteData(DataChunk.Unordered | DataChunk.Beginning, 102, 2, 0, (uint)DataPpid.Binary, [0xFF]);
        writer.WriteForwardTsn(103, [(0, 1)]);
        writer.WriteReconfigResponse(4, SctpReconfigResult.SuccessPerformed);
        writer.WriteUInt32Chunk(SctpChunkType.Shutdown, 103);
        Assert.Equal(6, writer.ChunkCount);
        var packet = writer.Finish().ToArray();
        Assert.Equal(writer.Length, packet.Length);

        // Walk the raw bytes: each chunk's padding is zero and the next chunk starts right after it.
        var offset = SctpPacket.HeaderLength;
        var starts = new List<int>();
        while (offset < packet.Length)
        {
            starts.Add(offset);
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(offset + 2));
            var padded = (length + 3) & ~3;
            Assert.All(packet[(offset + length)..(offset + padded)], b => Assert.Equal(0, b));
            offset += padded;
        }

        Assert.Equal(packet.Length, offset);
        Assert.Equal([12, 32, 52, 72, 84, 100], starts);

        Assert.True(SctpPacket.TryRead(packet, out var sctp));
        Assert.Equal(5000, sctp.SourcePort);
        Assert.Equal(5001, sctp.DestinationPort);
        var chunks = sctp.Chunks;
        Assert.True(chunks.MoveNext());
        Assert.True(SackChunk.TryParse(chunks.Current, out var sack));
        Assert.Equal(100u, sack.CumulativeTsnAck);
        Assert.True(chunks.MoveNext());
        Assert.True(DataChunk.TryParse(chunks.Current, out var first));
        Assert.Equal("odd"u8.ToArray(), first.UserData.ToArray());
        Assert.True(chunks.MoveNext());
        Assert.True(DataChunk.TryParse(chunks.Current, out var second));
        Assert.True(second.IsUnordered);
        Assert.Equal([0xFF], second.UserData.ToArray());
        Assert.True(chunks.MoveNext());
        Assert.True(ForwardTsnChunk.TryParse(chunks.Current, out var forward));
        Assert.Equal(103u, forward.NewCumulativeTsn);
        Assert.True(chunks.MoveNext());
        Assert.Equal(SctpChunkType.ReConfig, chunks.Current.Type);
        Assert.True(chunks.MoveNext());
        Assert.Equal(SctpChunkType.Shutdown, chunks.Current.Type);
        Assert.False(chunks.MoveNext());
        Assert.False(chunks.Malformed);
    }

    [Fact]
    public void LastChunkWithoutPadding_IsStillRead()
    {
        // HelloData without its 3 padding bytes: the chunk length (21) reaches the end of the packet exactly.
        var packet = Resealed(SctpTestPackets.HelloData.AsSpan(0, 33));

        var chunks = Chunks(packet, out var malformed);

        Assert.False(malformed);
        var chunk = Assert.Single(chunks);
        Assert.Equal(SctpChunkType.Data, chunk.Type);
        Assert.Equal(DataChunk.HeaderLength + 5, chunk.Value.Length);
    }

    [Fact]
    public void LastParameterWithoutPadding_IsStillRead()
    {
        byte[] parameters =
        [
            0x00, 0x07, 0x00, 0x05, // State Cookie, length 5
            0xAB, 0x00, 0x00, 0x00, //   one byte, then padding
            0x80, 0x08, 0x00, 0x05, // Supported Extensions, length 5
            0x82,                   //   RE-CONFIG, and no padding: the value ends here
        ];

        var enumerator = new SctpParameterEnumerator(parameters);
        Assert.True(enumerator.MoveNext());
        Assert.Equal([0xAB], enumerator.Current.Value.ToArray());
        Assert.True(enumerator.MoveNext());
        Assert.Equal([0x82], enumerator.Current.Value.ToArray());
        Assert.Equal(parameters[8..], enumerator.Current.Whole.ToArray());
        Assert.False(enumerator.MoveNext());
        Assert.False(enumerator.Malformed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void ChunkLengthBelowFour_IsMalformed(ushort length)
    {
        var packet = SctpTestPackets.HelloData.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), length);

        Assert.Empty(Chunks(Resealed(packet), out var malformed));
        Assert.True(malformed);
    }

    [Theory]
    [InlineData(25)]
    [InlineData(0xFFFF)]
    public void ChunkLengthPastTheEnd_IsMalformed_AfterTheChunksBeforeIt(ushort length)
    {
        var packet = Packet((ref w) =>
        {
            w.WriteUInt32Chunk(SctpChunkType.Shutdown, 1);
            w.WriteData(DataChunk.Beginning | DataChunk.Ending, 1, 0, 0, (uint)DataPpid.String, "hello"u8);
        });
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20 + 2), length);

        var chunks = Chunks(Resealed(packet), out var malformed);

        Assert.True(malformed);
        Assert.Equal(SctpChunkType.Shutdown, Assert.Single(chunks).Type);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void StrayBytesAfterTheLastChunk_AreMalformed(int stray)
    {
        var packet = Resealed([.. SctpTestPackets.HelloData, .. new byte[stray]]);

        var chunks = Chunks(packet, out var malformed);

        Assert.True(malformed);
        Assert.Single(chunks);
    }

    [Fact]
    public void HeaderOnly_HasNoChunks_AndIsNotMalformed()
    {
        var packet = Resealed(SctpTestPackets.HelloData.AsSpan(0, SctpPacket.HeaderLength));

        Assert.Empty(Chunks(packet, out var malformed));
        Assert.False(malformed);
    }

    [Fact]
    public void Malformed_IsSeen_AfterForeach()
    {
        // foreach walks a copy of the enumerator (GetEnumerator returns it by value); Malformed must still
        // answer for the packet, as SctpAssociation reads it after its foreach.
        var packet = Resealed([.. SctpTestPackets.HelloData, 0x00, 0x00, 0x00, 0x01]);
        Assert.True(SctpPacket.TryRead(packet, out var sctp));

        var chunks = sctp.Chunks;
        var seen = 0;
        foreach (var chunk in chunks)
        {
            seen++;
        }

        Assert.Equal(1, seen);
        Assert.True(chunks.Malformed);

        var parameters = new SctpParameterEnumerator([0x00, 0x07, 0x00, 0x02]);
        foreach (var parameter in parameters)
        {
            seen++;
        }

        Assert.Equal(1, seen);
        Assert.True(parameters.Malformed);
    }

    [Fact]
    public void Parameters_WithLengthBelowFourOrPastTheEnd_AreMalformed()
    {
        Assert.Equal([], ParameterTypes([0x00, 0x07, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00], out var belowFour));
        Assert.True(belowFour);
        Assert.Equal([7], ParameterTypes([0x00, 0x07, 0x00, 0x04, 0x00, 0x08, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00], out var pastEnd));
        Assert.True(pastEnd);
        Assert.Equal([7], ParameterTypes([0x00, 0x07, 0x00, 0x04, 0x00, 0x08], out var stray));
        Assert.True(stray);
    }

    [Fact]
    public void Sack_WhoseCountsPromiseMoreThanItHolds_IsRejected()
    {
        var packet = Packet((ref w) => w.WriteSack(1, 2, [(1, 1), (3, 4)], [9]));
        Assert.True(SackChunk.TryParse(OnlyChunk(packet), out _));

        // Duplicate count 2 where 1 is written.
        var moreDuplicates = packet.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(moreDuplicates.AsSpan(16 + 10), 2);
        Assert.False(SackChunk.TryParse(OnlyChunk(Resealed(moreDuplicates)), out _));

        // Gap count 3 where 2 are written (the duplicate would have to stand in for the third gap and itself).
        var moreGaps = packet.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(moreGaps.AsSpan(16 + 8), 3);
        Assert.False(SackChunk.TryParse(OnlyChunk(Resealed(moreGaps)), out _));

        // Counts at their maximum.
        var huge = packet.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(huge.AsSpan(16 + 8), 0xFFFF);
        BinaryPrimitives.WriteUInt16BigEndian(huge.AsSpan(16 + 10), 0xFFFF);
        Assert.False(SackChunk.TryParse(OnlyChunk(Resealed(huge)), out _));

        // A value shorter than the fixed part: the counts themselves are cut off.
        var truncated = Packet((ref w) => w.WriteChunk(SctpChunkType.Sack, 0, new byte[SackChunk.FixedLength - 1]));
        Assert.False(SackChunk.TryParse(OnlyChunk(truncated), out _));
    }

    [Theory]
    [InlineData(0u, 1, 1)]
    [InlineData(1u, 0, 1)]
    [InlineData(1u, 1, 0)]
    public void Init_WithAZeroTagOrStreamCount_IsRejected(uint tag, ushort outbound, ushort inbound)
    {
        var packet = Packet((ref w) => w.WriteInit(SctpChunkType.Init, tag, 65536, outbound, inbound, 1, []));

        Assert.False(InitChunk.TryParse(OnlyChunk(packet), out _));
    }

    [Fact]
    public void Init_ShorterThanItsFixedPart_IsRejected()
    {
        var packet = Packet((ref w) => w.WriteChunk(SctpChunkType.InitAck, 0, new byte[InitChunk.FixedLength - 1]));

        Assert.False(InitChunk.TryParse(OnlyChunk(packet), out _));
    }

    [Fact]
    public void Data_WithoutUserData_IsRejected()
    {
        var empty = Packet((ref w) => w.WriteData(DataChunk.Beginning | DataChunk.Ending, 1, 0, 0, (uint)DataPpid.StringEmpty, []));
        Assert.False(DataChunk.TryParse(OnlyChunk(empty), out _));

        var short11 = Packet((ref w) => w.WriteChunk(SctpChunkType.Data, 0x03, new byte[DataChunk.HeaderLength - 1]));
        Assert.False(DataChunk.TryParse(OnlyChunk(short11), out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(7)]
    public void ForwardTsn_NotWholeStreamEntries_IsRejected(int valueLength)
    {
        var packet = Packet((ref w) => w.WriteChunk(SctpChunkType.ForwardTsn, 0, new byte[valueLength]));

        Assert.False(ForwardTsnChunk.TryParse(OnlyChunk(packet), out _));
    }

    [Fact]
    public void ReConfigParameters_TooShortOrOdd_AreRejected()
    {
        var request = (ushort)SctpParameterType.OutgoingSsnResetRequest;
        Assert.False(OutgoingResetRequest.TryParse(new SctpParameter(request, new byte[11], default), out _));
        Assert.False(OutgoingResetRequest.TryParse(new SctpParameter(request, new byte[13], default), out _));
        Assert.True(OutgoingResetRequest.TryParse(new SctpParameter(request, new byte[14], default), out var one));
        Assert.Equal(1, one.StreamCount);

        var response = (ushort)SctpParameterType.ReconfigurationResponse;
        Assert.False(ReconfigResponse.TryParse(new SctpParameter(response, new byte[7], default), out _));
        Assert.False(ReconfigResponse.TryParse(new SctpParameter(request, new byte[8], default), out _));
        Assert.False(OutgoingResetRequest.TryParse(new SctpParameter(response, new byte[16], default), out _));
    }

    [Fact]
    public void EachView_RefusesAChunkOfAnotherType()
    {
        var packet = Packet((ref w) =>
        {
            w.WriteData(DataChunk.Beginning | DataChunk.Ending, 1, 0, 0, (uint)DataPpid.Binary, new byte[20]);
            w.WriteSack(1, 2, [], []);
            w.WriteInit(SctpChunkType.Init, 1, 2, 3, 4, 5, []);
            w.WriteForwardTsn(1, []);
        });
        Assert.True(SctpPacket.TryRead(packet, out var sctp));
        var views = new List<string>();

        foreach (var chunk in sctp.Chunks)
        {
            views.Add(string.Join(",", new[]
            {
                DataChunk.TryParse(chunk, out _) ? "data" : null,
                SackChunk.TryParse(chunk, out _) ? "sack" : null,
                InitChunk.TryParse(chunk, out _) ? "init" : null,
                ForwardTsnChunk.TryParse(chunk, out _) ? "forward-tsn" : null,
            }.OfType<string>()));
        }

        Assert.Equal(["data", "sack", "init", "forward-tsn"], views);
    }

    [Fact]
    public void Writer_RefusesAChunkThatDoesNotFit()
    {
        var buffer = new byte[SctpPacket.HeaderLength + 28];
        var writer = new SctpPacketWriter(buffer, 1, 2, 3);
        Assert.Equal(28, writer.Remaining);
        Assert.True(writer.Fits(24));
        Assert.False(writer.Fits(25));

        Assert.Throws<ArgumentException>(() =>
        {
            var full = new SctpPacketWriter(buffer, 1, 2, 3);
            full.WriteData(0, 1, 0, 0, 0, new byte[13]);
        });
    }

    private static byte[] Packet(WriteChunks write, uint tag = Tag)
    {
        var buffer = new byte[1500];
        var writer = new SctpPacketWriter(buffer, 5000, 5000, tag);
        write(ref writer);
        return writer.Finish().ToArray();
    }

    /// <summary>Checks the fixed fields, and that partial reliability and RE-CONFIG are announced (and padding is not read as DATA).</summary>
    private static void AssertInit(SctpChunk chunk, SctpChunkType type, uint tag, uint window, ushort outbound, ushort inbound, uint tsn)
    {
        Assert.Equal(type, chunk.Type);
        Assert.True(InitChunk.TryParse(chunk, out var init));
        Assert.Equal(tag, init.InitiateTag);
        Assert.Equal(window, init.AdvertisedReceiverWindow);
        Assert.Equal(outbound, init.OutboundStreams);
        Assert.Equal(inbound, init.InboundStreams);
        Assert.Equal(tsn, init.InitialTsn);
        Assert.True(init.SupportsForwardTsn);
        Assert.True(init.SupportsExtension(SctpChunkType.ReConfig));
        Assert.False(init.SupportsExtension(SctpChunkType.Data));
    }

    private static byte[] Resealed(ReadOnlySpan<byte> packet)
    {
        var copy = packet.ToArray();
        SctpPacket.Seal(copy);
        return copy;
    }

    /// <summary>The packet's only chunk; fails if it has none, more than one, or a malformed tail.</summary>
    private static SctpChunk OnlyChunk(byte[] packet)
    {
        Assert.True(SctpPacket.TryRead(packet, out var sctp));
        var chunks = sctp.Chunks;
        Assert.True(chunks.MoveNext());
        var only = chunks.Current;
        Assert.False(chunks.MoveNext());
        Assert.False(chunks.Malformed);
        return only;
    }

    private static List<(SctpChunkType Type, byte Flags, byte[] Value)> Chunks(byte[] packet) => Chunks(packet, out _);

    private static List<(SctpChunkType Type, byte Flags, byte[] Value)> Chunks(byte[] packet, out bool malformed)
    {
        Assert.True(SctpPacket.TryRead(packet, out var sctp));
        var list = new List<(SctpChunkType, byte, byte[])>();
        var chunks = sctp.Chunks;
        while (chunks.MoveNext())
        {
            list.Add((chunks.Current.Type, chunks.Current.Flags, chunks.Current.Value.ToArray()));
        }

        malformed = chunks.Malformed;
        return list;
    }

    private static List<ushort> ParameterTypes(ReadOnlySpan<byte> parameters, out bool malformed)
    {
        var types = new List<ushort>();
        var enumerator = new SctpParameterEnumerator(parameters);
        while (enumerator.MoveNext())
        {
            Assert.Equal(enumerator.Current.Value.Length + 4, enumerator.Current.Whole.Length);
            types.Add(enumerator.Current.Type);
        }

        malformed = enumerator.Malformed;
        return types;
    }
}
