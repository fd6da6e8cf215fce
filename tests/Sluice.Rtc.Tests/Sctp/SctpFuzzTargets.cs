using System.Buffers.Binary;
using System.Text;
using Sluice.Rtc.Sctp;
using Sluice.Rtc.Tests.Fuzzing;

namespace Sluice.Rtc.Tests.Sctp;

/// <summary>
/// Fuzz targets for the SCTP wire format and DCEP. Each body reads everything the views offer and checks the rules
/// they promise. The seeds come from <see cref="SctpPacketWriter"/> and <see cref="Dcep.WriteOpen"/>. The test suite
/// runs these briefly (<c>SctpFuzzTests</c>) and <c>bench/Sluice.Bench fuzz-sctp</c> runs them long, compiling this
/// same file. To add a target, write one method returning a <see cref="FuzzTarget"/> and list it in <see cref="All"/>.
/// </summary>
internal static class SctpFuzzTargets
{
    private static readonly uint[] ChunkTypes =
        [.. Enum.GetValues<SctpChunkType>().Select(t => (uint)t), 12, 13, 0x40, 0x7F, 0x80, 0x84, 0xBF, 0xC1, 0xFF];

    private static readonly uint[] ParameterTypes =
        [.. Enum.GetValues<SctpParameterType>().Select(t => (uint)t), 0, 0x8002, 0x8003, 0x8004, 0x4000, 0x8000, 0xFFFF];

    private static readonly uint[] CauseCodes = [.. Enum.GetValues<SctpErrorCause>().Select(c => (uint)c), 0, 0xFFFF];

    private static readonly uint[] ChunkFlags = [0, 1, 2, 3, 4, 7, 8, 0x0F, 0xFF];

    private static ulong _sink;

    private delegate void WriteChunks(ref SctpPacketWriter writer);

    public static IReadOnlyList<FuzzTarget> All() => [Packet(), DcepOpen(), SctpAssociationFuzzTarget.Create()];

    /// <summary>A captured packet as a seed: its chunks as units, their headers and fields as mutation points.</summary>
    internal static FuzzSeed DescribeForFuzzing(byte[] packet) => DescribePacket(packet);

    /// <summary>
    /// <see cref="SctpPacket.TryRead"/>, the whole chunk walk, every chunk view's TryParse on every chunk, and the
    /// parameter walk (with the RE-CONFIG views) over INIT parameters and over every chunk value. Inputs are resealed,
    /// so most of them get past the checksum.
    /// </summary>
    public static FuzzTarget Packet() => new("sctp-packet", PacketSeeds(), ReadPacket, Reseal);

    /// <summary><see cref="Dcep.TryParseOpen"/>; an accepted OPEN must come back the same when written again.</summary>
    public static FuzzTarget DcepOpen() => new("dcep-open", DcepSeeds(), ParseOpen);

    private static void Reseal(Span<byte> input)
    {
        if (input.Length >= SctpPacket.HeaderLength)
        {
            SctpPacket.Seal(input);
        }
    }

    private static bool ReadPacket(ReadOnlySpan<byte> input)
    {
        if (!SctpPacket.TryRead(input, out var packet))
        {
            return false;
        }

        ulong sink = packet.VerificationTag ^ ((ulong)packet.SourcePort << 32) ^ ((ulong)packet.DestinationPort << 48);
        var total = input.Length - SctpPacket.HeaderLength;
        var covered = 0;
        var chunks = packet.Chunks;
        while (chunks.MoveNext())
        {
            var chunk = chunks.Current;
            covered = Math.Min(total, covered + Padded(4 + chunk.Value.Length));
            sink += ReadChunk(chunk);
        }

        Fuzzer.Check(chunks.Malformed == (covered < total), "chunks are malformed exactly when the chunks read do not cover the packet");
        _sink += sink;
        return !chunks.Malformed;
    }

    private static ulong ReadChunk(in SctpChunk chunk)
    {
        var sink = (ulong)chunk.Type ^ chunk.Flags;
        if (DataChunk.TryParse(chunk, out var data))
        {
            Fuzzer.Check(chunk.Type == SctpChunkType.Data, "only DATA parses as DATA");
            Fuzzer.Check(data.UserData.Length > 0 && data.UserData.Length == chunk.Value.Length - DataChunk.HeaderLength, "DATA's user data is the value after its fixed part");
            sink += data.Tsn + data.StreamId + data.Ssn + data.Ppid + data.UserData[^1];
            sink += (data.IsUnordered ? 1u : 0) + (data.IsBeginning ? 2u : 0) + (data.IsEnding ? 4u : 0);
        }

        if (InitChunk.TryParse(chunk, out var init))
        {
            Fuzzer.Check(chunk.Type is SctpChunkType.Init or SctpChunkType.InitAck, "only INIT and INIT-ACK parse as INIT");
            Fuzzer.Check(init.InitiateTag != 0 && init.OutboundStreams != 0 && init.InboundStreams != 0, "an accepted INIT has no zero tag or stream count");
            sink += init.InitiateTag + init.AdvertisedReceiverWindow + init.OutboundStreams + init.InboundStreams + init.InitialTsn;
            sink += init.TryGetParameter(SctpParameterType.StateCookie, out var cookie) ? (ulong)cookie.Length : 0;
            sink += (init.SupportsForwardTsn ? 1u : 0) + (init.SupportsExtension(SctpChunkType.ReConfig) ? 2u : 0);
            sink += ReadParameters(init.Parameters);
        }

        if (SackChunk.TryParse(chunk, out var sack))
        {
            Fuzzer.Check(chunk.Type == SctpChunkType.Sack, "only SACK parses as SACK");
            Fuzzer.Check(SackChunk.FixedLength + (4 * (sack.GapBlockCount + sack.DuplicateCount)) <= chunk.Value.Length, "SACK's blocks fit in its value");
            sink += sack.CumulativeTsnAck + sack.AdvertisedReceiverWindow;
            for (var i = 0; i < sack.GapBlockCount; i++)
            {
                var (start, end) = sack.GapBlock(i);
                sink += (ulong)start + end;
            }

            for (var i = 0; i < sack.DuplicateCount; i++)
            {
                sink += sack.Duplicate(i);
            }
        }

        if (ForwardTsnChunk.TryParse(chunk, out var forward))
        {
            Fuzzer.Check(chunk.Type == SctpChunkType.ForwardTsn, "only FORWARD-TSN parses as FORWARD-TSN");
            Fuzzer.Check(4 + (4 * forward.StreamCount) == chunk.Value.Length, "FORWARD-TSN's streams fill its value");
            sink += forward.NewCumulativeTsn;
            for (var i = 0; i < forward.StreamCount; i++)
            {
                var (stream, ssn) = forward.Stream(i);
                sink += (ulong)stream + ssn;
            }
        }

        // RE-CONFIG, HEARTBEAT, ABORT and ERROR carry parameters or causes; any other value is bytes to throw at the walk.
        return sink + ReadParameters(chunk.Value);
    }

    private static ulong ReadParameters(ReadOnlySpan<byte> parameters)
    {
        ulong sink = 0;
        var covered = 0;
        var enumerator = new SctpParameterEnumerator(parameters);
        while (enumerator.MoveNext())
        {
            var parameter = enumerator.Current;
            covered = Math.Min(parameters.Length, covered + Padded(parameter.Whole.Length));
            Fuzzer.Check(parameter.Whole.Length == parameter.Value.Length + 4 && BinaryPrimitives.ReadUInt16BigEndian(parameter.Whole) == parameter.Type,
                "a parameter's whole is its header and its value");
            sink += parameter.Type;
            if (OutgoingResetRequest.TryParse(parameter, out var request))
            {
                Fuzzer.Check(12 + (2 * request.StreamCount) == parameter.Value.Length, "a reset request's streams fill its value");
                sink += request.RequestSequence + request.ResponseSequence + request.SendersLastTsn;
                for (var i = 0; i < request.StreamCount; i++)
                {
                    sink += request.Stream(i);
                }
            }

            if (ReconfigResponse.TryParse(parameter, out var response))
            {
                sink += response.ResponseSequence + (ulong)response.Result;
            }
        }

        Fuzzer.Check(enumerator.Malformed == (covered < parameters.Length), "parameters are malformed exactly when the parameters read do not cover the value");
        return sink;
    }

    private static bool ParseOpen(ReadOnlySpan<byte> input)
    {
        if (!Dcep.TryParseOpen(input, out var label, out var protocol, out var options))
        {
            return false;
        }

        Fuzzer.Check(options.ToWire().Type == (DataChannelType)input[1], "the channel type survives parsing");
        Fuzzer.Check(Encoding.UTF8.GetByteCount(label) == BinaryPrimitives.ReadUInt16BigEndian(input[8..])
            && Encoding.UTF8.GetByteCount(protocol) == BinaryPrimitives.ReadUInt16BigEndian(input[10..]), "label and protocol keep their UTF-8 bytes");
        var again = new byte[Dcep.OpenLength(label, protocol)];
        Dcep.WriteOpen(again, label, protocol, options);
        Fuzzer.Check(Dcep.TryParseOpen(again, out var label2, out var protocol2, out var options2) && label2 == label && protocol2 == protocol && options2 == options,
            "an OPEN written from a parsed one parses the same");
        return true;
    }

    private static List<FuzzSeed> PacketSeeds()
    {
        var dcep = new byte[64];
        var dcepLength = Dcep.WriteOpen(dcep, "chat", "json", new DataChannelOptions(Ordered: false, MaxRetransmits: 3));
        var cookie = Enumerable.Range(0, 13).Select(i => (byte)(0xC0 + i)).ToArray();
        var unrecognized = new byte[] { 0x40, 0x00, 0x00, 0x08, 1, 2, 3, 4 };
        var writers = new WriteChunks[]
        {
            (ref w) => w.WriteData(DataChunk.Beginning | DataChunk.Ending, 0x2E1D4B02, 1, 0, (uint)DataPpid.String, "hello"u8),
            (ref w) =>
            {
                w.WriteData(DataChunk.Immediate | DataChunk.Unordered | DataChunk.Beginning, 7, 3, 0, (uint)DataPpid.Binary, [0xFF]);
                w.WriteData(DataChunk.Ending, 8, 3, 0, (uint)DataPpid.Binary, "thirteen byte"u8);
            },
            (ref w) => w.WriteData(DataChunk.Beginning | DataChunk.Ending, 1, 2, 0, (uint)DataPpid.Dcep, dcep.AsSpan(0, dcepLength)),
            (ref w) => w.WriteInit(SctpChunkType.Init, 0x55B964A5, 131072, 1024, 2048, 0xE86D1030, []),
            (ref w) => w.WriteInit(SctpChunkType.InitAck, 0x01020304, 65536, 65535, 65535, 1, cookie),
            (ref w) => w.WriteSack(0xFFFFFFF0, 65536, [(2, 3), (5, 5), (0xFFFE, 0xFFFF)], [0xFFFFFFF0, 7]),
            (ref w) =>
            {
                w.WriteSack(41, 1024, [], []);
                w.WriteData(DataChunk.Beginning | DataChunk.Ending, 42, 0, 1, (uint)DataPpid.StringEmpty, [0]);
            },
            (ref w) => w.WriteForwardTsn(0x80000001, [(1, 5), (65535, 65535)]),
            (ref w) => w.WriteOutgoingResetRequest(7, 6, 0xFFFFFFFE, [1, 3, 5]),
            (ref w) => w.WriteOutgoingResetRequest(1, 0, 2, []),
            (ref w) => w.WriteReconfigResponse(7, SctpReconfigResult.SuccessPerformed),
            (ref w) => w.WriteHeartbeat([0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]),
            (ref w) => w.WriteChunk(SctpChunkType.HeartbeatAck, 0, [0x00, 0x01, 0x00, 0x09, 1, 2, 3, 4, 5, 0, 0, 0]),
            (ref w) => w.WriteCause(SctpChunkType.Abort, 0x01, SctpErrorCause.UserInitiatedAbort, "bye"u8),
            (ref w) => w.WriteCause(SctpChunkType.Error, 0, SctpErrorCause.UnrecognizedChunkType, unrecognized),
            (ref w) =>
            {
                w.WriteChunk(SctpChunkType.CookieEcho, 0, cookie);
                w.WriteData(DataChunk.Beginning | DataChunk.Ending, 1, 0, 0, (uint)DataPpid.Binary, [1, 2]);
            },
            (ref w) => w.WriteChunk(SctpChunkType.CookieAck, 0, []),
            (ref w) =>
            {
                w.WriteUInt32Chunk(SctpChunkType.Shutdown, 100);
                w.WriteChunk(SctpChunkType.ShutdownAck, 0, []);
                w.WriteChunk(SctpChunkType.ShutdownComplete, 1, []);
            },
            (ref w) =>
            {
                w.WriteSack(100, 4096, [(2, 2)], [99]);
                w.WriteData(DataChunk.Beginning | DataChunk.Ending, 101, 0, 5, (uint)DataPpid.String, "odd"u8);
                w.WriteForwardTsn(103, [(0, 1)]);
                w.WriteReconfigResponse(4, SctpReconfigResult.Denied);
                w.WriteOutgoingResetRequest(5, 3, 102, [2]);
            },
        };

        var seeds = new List<FuzzSeed>();
        foreach (var write in writers)
        {
            var buffer = new byte[1200];
            var writer = new SctpPacketWriter(buffer, 5000, 5000, 0x6A1B5C47);
            write(ref writer);
            seeds.Add(DescribePacket(writer.Finish().ToArray()));
        }

        return seeds;
    }

    /// <summary>The chunks as units, and each chunk's type, flags and length, the INIT fields that must not be zero,
    /// SACK's counts, and each parameter's type and length as fields.</summary>
    private static FuzzSeed DescribePacket(byte[] packet)
    {
        var fields = new List<FuzzField>();
        var units = new List<(int, int)>();
        var at = SctpPacket.HeaderLength;
        while (at + 4 <= packet.Length)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(at + 2));
            var padded = Math.Min(Padded(length), packet.Length - at);
            units.Add((at, padded));
            fields.Add(new FuzzField(at, 1, ChunkTypes));
            fields.Add(new FuzzField(at + 1, 1, ChunkFlags));
            fields.Add(new FuzzField(at + 2, 2));
            var value = at + 4;
            switch ((SctpChunkType)packet[at])
            {
                case SctpChunkType.Init or SctpChunkType.InitAck:
                    fields.Add(new FuzzField(value, 4, [0, 1, uint.MaxValue]));
                    fields.Add(new FuzzField(value + 8, 2, [0, 1, 0xFFFF]));
                    fields.Add(new FuzzField(value + 10, 2, [0, 1, 0xFFFF]));
                    DescribeParameters(value + InitChunk.FixedLength, at + length, ParameterTypes, fields);
                    break;
                case SctpChunkType.Sack:
                    fields.Add(new FuzzField(value + 8, 2));
                    fields.Add(new FuzzField(value + 10, 2));
                    break;
                case SctpChunkType.ReConfig or SctpChunkType.Heartbeat or SctpChunkType.HeartbeatAck:
                    DescribeParameters(value, at + length, ParameterTypes, fields);
                    break;
                case SctpChunkType.Abort or SctpChunkType.Error:
                    DescribeParameters(value, at + length, CauseCodes, fields);
                    break;
            }

            at += padded;
        }

        return new FuzzSeed(packet, [.. fields], [.. units]);

        void DescribeParameters(int from, int end, uint[] types, List<FuzzField> into)
        {
            while (from + 4 <= end)
            {
                into.Add(new FuzzField(from, 2, types));
                into.Add(new FuzzField(from + 2, 2));
                from += Math.Max(4, Padded(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(from + 2))));
            }
        }
    }

    private static List<FuzzSeed> DcepSeeds()
    {
        FuzzField[] fields =
        [
            new(0, 1, [Dcep.AckType, Dcep.OpenType, 0x00, 0x04, 0xFF]),
            new(1, 1, [0x00, 0x80, 0x01, 0x81, 0x02, 0x82, 0x03, 0x83, 0x7F, 0xFF]),
            new(2, 2, [0, 128, 256, 512, 1024, 0xFFFF]),
            new(4, 4, [0, 1, 0xFFFF, 0x10000, uint.MaxValue]),
            new(8, 2),
            new(10, 2),
        ];
        var openings = new (string Label, string Protocol, DataChannelOptions Options)[]
        {
            ("chat", "", new DataChannelOptions()),
            ("température", "json", new DataChannelOptions(Ordered: false)),
            ("", "chat", new DataChannelOptions(MaxRetransmits: 0)),
            ("files ✓", "", new DataChannelOptions(Ordered: false, MaxRetransmits: 65535)),
            ("🎮 input", "x-game", new DataChannelOptions(MaxPacketLifeTime: 3000, Priority: 512)),
            ("cursor", "", new DataChannelOptions(Ordered: false, MaxPacketLifeTime: 150, Priority: 128)),
        };

        var seeds = new List<FuzzSeed>();
        foreach (var (label, protocol, options) in openings)
        {
            var message = new byte[Dcep.OpenLength(label, protocol)];
            Dcep.WriteOpen(message, label, protocol, options);
            seeds.Add(new FuzzSeed(message, fields, []));
        }

        return seeds;
    }

    private static int Padded(int length) => (length + 3) & ~3;
}
