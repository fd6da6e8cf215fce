using System.Buffers.Binary;

namespace Sluice.Rtc.Sctp;

/// <summary>
/// DATA (RFC 9260 §3.3.1): TSN, stream identifier, stream sequence number, payload protocol identifier, user data.
/// Flags: I (RFC 7053, 0x08), U unordered (0x04), B first fragment (0x02), E last fragment (0x01).
/// </summary>
public readonly ref struct DataChunk
{
    public const byte Unordered = 0x04;
    public const byte Beginning = 0x02;
    public const byte Ending = 0x01;
    public const byte Immediate = 0x08;

    /// <summary>The fixed part of the value before the user data.</summary>
    public const int HeaderLength = 12;

    public DataChunk(byte flags, uint tsn, ushort streamId, ushort ssn, uint ppid, ReadOnlySpan<byte> userData)
    {
        Flags = flags;
        Tsn = tsn;
        StreamId = streamId;
        Ssn = ssn;
        Ppid = ppid;
        UserData = userData;
    }

    public byte Flags { get; }

    public uint Tsn { get; }

    public ushort StreamId { get; }

    public ushort Ssn { get; }

    public uint Ppid { get; }

    public ReadOnlySpan<byte> UserData { get; }

    public bool IsUnordered => (Flags & Unordered) != 0;

    public bool IsBeginning => (Flags & Beginning) != 0;

    public bool IsEnding => (Flags & Ending) != 0;

    /// <summary>False for a value shorter than the fixed part or without user data (RFC 9260 §6.2: no user data is an error).</summary>
    public static bool TryParse(in SctpChunk chunk, out DataChunk data)
    {
        var v = chunk.Value;
        if (chunk.Type != SctpChunkType.Data || v.Length <= HeaderLength)
        {
            data = default;
            return false;
        }

        data = new DataChunk(chunk.Flags, BinaryPrimitives.ReadUInt32BigEndian(v), BinaryPrimitives.ReadUInt16BigEndian(v[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(v[6..]), BinaryPrimitives.ReadUInt32BigEndian(v[8..]), v[HeaderLength..]);
        return true;
    }
}

/// <summary>INIT and INIT-ACK (RFC 9260 §3.3.2, §3.3.3): the fixed fields and the optional parameters.</summary>
public readonly ref struct InitChunk
{
    public const int FixedLength = 16;

    private InitChunk(ReadOnlySpan<byte> v)
    {
        InitiateTag = BinaryPrimitives.ReadUInt32BigEndian(v);
        AdvertisedReceiverWindow = BinaryPrimitives.ReadUInt32BigEndian(v[4..]);
        OutboundStreams = BinaryPrimitives.ReadUInt16BigEndian(v[8..]);
        InboundStreams = BinaryPrimitives.ReadUInt16BigEndian(v[10..]);
        InitialTsn = BinaryPrimitives.ReadUInt32BigEndian(v[12..]);
        Parameters = v[FixedLength..];
    }

    public uint InitiateTag { get; }

    public uint AdvertisedReceiverWindow { get; }

    public ushort OutboundStreams { get; }

    public ushort InboundStreams { get; }

    public uint InitialTsn { get; }

    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>
    /// False when the value is short, or a field the RFC forbids to be zero is zero (initiate tag, streams):
    /// such an INIT is answered with ABORT by the RFC; the association drops and counts it instead.
    /// </summary>
    public static bool TryParse(in SctpChunk chunk, out InitChunk init)
    {
        init = default;
        if ((chunk.Type != SctpChunkType.Init && chunk.Type != SctpChunkType.InitAck) || chunk.Value.Length < FixedLength)
        {
            return false;
        }

        init = new InitChunk(chunk.Value);
        return init.InitiateTag != 0 && init.OutboundStreams != 0 && init.InboundStreams != 0;
    }

    /// <summary>The value of the first parameter of <paramref name="type"/>, if present and the parameters parse.</summary>
    public bool TryGetParameter(SctpParameterType type, out ReadOnlySpan<byte> value)
    {
        var parameters = new SctpParameterEnumerator(Parameters);
        foreach (var p in parameters)
        {
            if (p.Type == (ushort)type)
            {
                value = p.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Whether the peer lists <paramref name="chunk"/> in Supported Extensions (RFC 5061 §4.2.7).</summary>
    public bool SupportsExtension(SctpChunkType chunk) =>
        TryGetParameter(SctpParameterType.SupportedExtensions, out var list) && list.Contains((byte)chunk);

    /// <summary>Whether the peer supports partial reliability (RFC 3758 §3.1: the parameter or the extension).</summary>
    public bool SupportsForwardTsn =>
        TryGetParameter(SctpParameterType.ForwardTsnSupported, out _) || SupportsExtension(SctpChunkType.ForwardTsn);
}

/// <summary>SACK (RFC 9260 §3.3.4): cumulative TSN ack, receiver window, gap ack blocks and duplicate TSNs.</summary>
public readonly ref struct SackChunk
{
    public const int FixedLength = 12;

    private readonly ReadOnlySpan<byte> _value;

    private SackChunk(ReadOnlySpan<byte> value, int gaps, int duplicates)
    {
        _value = value;
        GapBlockCount = gaps;
        DuplicateCount = duplicates;
    }

    public uint CumulativeTsnAck => BinaryPrimitives.ReadUInt32BigEndian(_value);

    public uint AdvertisedReceiverWindow => BinaryPrimitives.ReadUInt32BigEndian(_value[4..]);

    public int GapBlockCount { get; }

    public int DuplicateCount { get; }

    /// <summary>Gap block <paramref name="index"/>: start and end offsets from the cumulative TSN ack (inclusive).</summary>
    public (ushort Start, ushort End) GapBlock(int index)
    {
        var at = FixedLength + (index * 4);
        return (BinaryPrimitives.ReadUInt16BigEndian(_value[at..]), BinaryPrimitives.ReadUInt16BigEndian(_value[(at + 2)..]));
    }

    public uint Duplicate(int index) => BinaryPrimitives.ReadUInt32BigEndian(_value[(FixedLength + (GapBlockCount * 4) + (index * 4))..]);

    /// <summary>False when the counts promise more blocks than the value holds.</summary>
    public static bool TryParse(in SctpChunk chunk, out SackChunk sack)
    {
        sack = default;
        var v = chunk.Value;
        if (chunk.Type != SctpChunkType.Sack || v.Length < FixedLength)
        {
            return false;
        }

        int gaps = BinaryPrimitives.ReadUInt16BigEndian(v[8..]);
        int duplicates = BinaryPrimitives.ReadUInt16BigEndian(v[10..]);
        if (v.Length < FixedLength + (gaps * 4) + (duplicates * 4))
        {
            return false;
        }

        sack = new SackChunk(v, gaps, duplicates);
        return true;
    }
}

/// <summary>FORWARD-TSN (RFC 3758 §3.2): the new cumulative TSN and the (stream, SSN) pairs skipped on ordered streams.</summary>
public readonly ref struct ForwardTsnChunk
{
    private readonly ReadOnlySpan<byte> _value;

    private ForwardTsnChunk(ReadOnlySpan<byte> value) => _value = value;

    public uint NewCumulativeTsn => BinaryPrimitives.ReadUInt32BigEndian(_value);

    public int StreamCount => (_value.Length - 4) / 4;

    public (ushort StreamId, ushort Ssn) Stream(int index) =>
        (BinaryPrimitives.ReadUInt16BigEndian(_value[(4 + (index * 4))..]), BinaryPrimitives.ReadUInt16BigEndian(_value[(6 + (index * 4))..]));

    public static bool TryParse(in SctpChunk chunk, out ForwardTsnChunk forward)
    {
        forward = default;
        if (chunk.Type != SctpChunkType.ForwardTsn || chunk.Value.Length < 4 || chunk.Value.Length % 4 != 0)
        {
            return false;
        }

        forward = new ForwardTsnChunk(chunk.Value);
        return true;
    }
}

/// <summary>Outgoing SSN Reset Request parameter (RFC 6525 §4.1).</summary>
public readonly ref struct OutgoingResetRequest
{
    private readonly ReadOnlySpan<byte> _value;

    private OutgoingResetRequest(ReadOnlySpan<byte> value) => _value = value;

    public uint RequestSequence => BinaryPrimitives.ReadUInt32BigEndian(_value);

    public uint ResponseSequence => BinaryPrimitives.ReadUInt32BigEndian(_value[4..]);

    public uint SendersLastTsn => BinaryPrimitives.ReadUInt32BigEndian(_value[8..]);

    /// <summary>Streams reset; none means all.</summary>
    public int StreamCount => (_value.Length - 12) / 2;

    public ushort Stream(int index) => BinaryPrimitives.ReadUInt16BigEndian(_value[(12 + (index * 2))..]);

    public static bool TryParse(in SctpParameter parameter, out OutgoingResetRequest request)
    {
        request = default;
        if (parameter.Type != (ushort)SctpParameterType.OutgoingSsnResetRequest || parameter.Value.Length < 12 || parameter.Value.Length % 2 != 0)
        {
            return false;
        }

        request = new OutgoingResetRequest(parameter.Value);
        return true;
    }
}

/// <summary>Re-configuration Response parameter (RFC 6525 §4.4).</summary>
public readonly ref struct ReconfigResponse
{
    private ReconfigResponse(uint sequence, SctpReconfigResult result)
    {
        ResponseSequence = sequence;
        Result = result;
    }

    public uint ResponseSequence { get; }

    public SctpReconfigResult Result { get; }

    public static bool TryParse(in SctpParameter parameter, out ReconfigResponse response)
    {
        response = default;
        if (parameter.Type != (ushort)SctpParameterType.ReconfigurationResponse || parameter.Value.Length < 8)
        {
            return false;
        }

        response = new ReconfigResponse(BinaryPrimitives.ReadUInt32BigEndian(parameter.Value),
            (SctpReconfigResult)BinaryPrimitives.ReadUInt32BigEndian(parameter.Value[4..]));
        return true;
    }
}
