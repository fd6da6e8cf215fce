using System.Buffers.Binary;
using System.Text;

namespace Sluice.Rtc.Sctp;

/// <summary>Payload protocol identifiers of WebRTC data channels (RFC 8831 §8, RFC 8832 §8.1).</summary>
public enum DataPpid : uint
{
    Dcep = 50,
    String = 51,
    Binary = 53,
    StringEmpty = 56,
    BinaryEmpty = 57,
}

/// <summary>DCEP channel types (RFC 8832 §5.1): reliability in the low bits, unordered in the high bit.</summary>
public enum DataChannelType : byte
{
    Reliable = 0x00,
    ReliableUnordered = 0x80,
    PartialReliableRexmit = 0x01,
    PartialReliableRexmitUnordered = 0x81,
    PartialReliableTimed = 0x02,
    PartialReliableTimedUnordered = 0x82,
}

/// <summary>How a channel delivers: ordering, and at most one of a retransmission count or a lifetime (RFC 8831 §6.1).</summary>
public sealed record DataChannelOptions(bool Ordered = true, ushort? MaxRetransmits = null, ushort? MaxPacketLifeTime = null, ushort Priority = 256)
{
    /// <summary>The DCEP channel type and reliability parameter for these options.</summary>
    public (DataChannelType Type, uint Reliability) ToWire()
    {
        var unordered = Ordered ? (byte)0 : (byte)0x80;
        if (MaxRetransmits is { } rexmit)
        {
            return ((DataChannelType)(0x01 | unordered), rexmit);
        }

        return MaxPacketLifeTime is { } lifetime ? ((DataChannelType)(0x02 | unordered), lifetime) : ((DataChannelType)unordered, 0u);
    }

    public static DataChannelOptions FromWire(DataChannelType type, uint reliability, ushort priority)
    {
        var ordered = ((byte)type & 0x80) == 0;
        var clamped = (ushort)Math.Min(reliability, ushort.MaxValue);
        return ((byte)type & 0x7F) switch
        {
            0x01 => new DataChannelOptions(ordered, MaxRetransmits: clamped, Priority: priority),
            0x02 => new DataChannelOptions(ordered, MaxPacketLifeTime: clamped, Priority: priority),
            _ => new DataChannelOptions(ordered, Priority: priority),
        };
    }

    /// <summary>True for a partially reliable channel (RFC 3758 needed).</summary>
    public bool IsPartiallyReliable => MaxRetransmits is not null || MaxPacketLifeTime is not null;
}

/// <summary>
/// The Data Channel Establishment Protocol's two messages (RFC 8832 §5), sent on the channel's stream with PPID 50.
/// <code>
/// DATA_CHANNEL_OPEN: | 0x03 | channel type | priority (16) | reliability parameter (32) |
///                    | label length (16) | protocol length (16) | label | protocol |
/// DATA_CHANNEL_ACK:  | 0x02 |
/// </code>
/// </summary>
public static class Dcep
{
    public const byte OpenType = 0x03;
    public const byte AckType = 0x02;
    private const int OpenFixedLength = 12;

    /// <summary>Parses DATA_CHANNEL_OPEN; false when short, the lengths overrun, the type is unknown, or text is not UTF-8.</summary>
    public static bool TryParseOpen(ReadOnlySpan<byte> message, out string label, out string protocol, out DataChannelOptions options)
    {
        label = protocol = string.Empty;
        options = Reliable;
        if (message.Length < OpenFixedLength || message[0] != OpenType)
        {
            return false;
        }

        var type = (DataChannelType)message[1];
        if (((byte)type & 0x7F) > 0x02)
        {
            return false;
        }

        var priority = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        var reliability = BinaryPrimitives.ReadUInt32BigEndian(message[4..]);
        int labelLength = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        int protocolLength = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);
        if (message.Length < OpenFixedLength + labelLength + protocolLength)
        {
            return false;
        }

        try
        {
            label = Strict.GetString(message.Slice(OpenFixedLength, labelLength));
            protocol = Strict.GetString(message.Slice(OpenFixedLength + labelLength, protocolLength));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        options = DataChannelOptions.FromWire(type, reliability, priority);
        return true;
    }

    /// <summary>The length of the DATA_CHANNEL_OPEN for <paramref name="label"/> and <paramref name="protocol"/>.</summary>
    public static int OpenLength(string label, string protocol) =>
        OpenFixedLength + Encoding.UTF8.GetByteCount(label) + Encoding.UTF8.GetByteCount(protocol);

    /// <summary>Writes DATA_CHANNEL_OPEN; returns its length.</summary>
    public static int WriteOpen(Span<byte> destination, string label, string protocol, DataChannelOptions options)
    {
        var (type, reliability) = options.ToWire();
        destination[0] = OpenType;
        destination[1] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], options.Priority);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], reliability);
        var labelLength = Encoding.UTF8.GetBytes(label, destination[OpenFixedLength..]);
        var protocolLength = Encoding.UTF8.GetBytes(protocol, destination[(OpenFixedLength + labelLength)..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], (ushort)labelLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], (ushort)protocolLength);
        return OpenFixedLength + labelLength + protocolLength;
    }

    private static readonly DataChannelOptions Reliable = new();

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
