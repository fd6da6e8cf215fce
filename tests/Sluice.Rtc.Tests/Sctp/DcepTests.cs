using System.Text;
using Sluice.Rtc.Sctp;

namespace Sluice.Rtc.Tests.Sctp;

/// <summary>RFC 8832, the Data Channel Establishment Protocol: DATA_CHANNEL_OPEN (§5.1).</summary>
public class DcepTests
{
    /// <summary>
    /// An OPEN for a partially reliable channel with at most 3 retransmissions, labelled "chat", protocol "json".
    /// <code>
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |  Message Type |  Channel Type |            Priority           |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |                    Reliability Parameter                      |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |         Label Length          |       Protocol Length         |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// \                             Label                             /
    /// \                            Protocol                           /
    /// </code>
    /// </summary>
    private static readonly byte[] ChatOpen =
    [
        0x03,                   // message type DATA_CHANNEL_OPEN
        0x01,                   // channel type DATA_CHANNEL_PARTIAL_RELIABLE_REXMIT (ordered)
        0x01, 0x00,             // priority 256 ("normal", RFC 8831 §6.4 and the W3C API default)
        0x00, 0x00, 0x00, 0x03, // reliability parameter: 3 retransmissions
        0x00, 0x04,             // label length 4
        0x00, 0x04,             // protocol length 4
        0x63, 0x68, 0x61, 0x74, // label "chat"
        0x6A, 0x73, 0x6F, 0x6E, // protocol "json"
    ];

    public static TheoryData<DataChannelType, DataChannelOptions, string, string> Channels => new()
    {
        { DataChannelType.Reliable, new DataChannelOptions(), "chat", "" },
        { DataChannelType.ReliableUnordered, new DataChannelOptions(Ordered: false), "température", "json" },
        { DataChannelType.PartialReliableRexmit, new DataChannelOptions(MaxRetransmits: 0), "", "chat" },
        { DataChannelType.PartialReliableRexmitUnordered, new DataChannelOptions(Ordered: false, MaxRetransmits: 65535, Priority: 128), "température", "température" },
        { DataChannelType.PartialReliableTimed, new DataChannelOptions(MaxPacketLifeTime: 3000, Priority: 512), "chat", "json" },
        { DataChannelType.PartialReliableTimedUnordered, new DataChannelOptions(Ordered: false, MaxPacketLifeTime: 150, Priority: 1024), "🎮 input", "x-game/1" },
    };

    [Fact]
    public void Section5_1_KnownOpen_Parses()
    {
        Assert.True(Dcep.TryParseOpen(ChatOpen, out var label, out var protocol, out var options));

        Assert.Equal("chat", label);
        Assert.Equal("json", protocol);
        Assert.Equal(new DataChannelOptions(Ordered: true, MaxRetransmits: 3, Priority: 256), options);
        Assert.True(options.IsPartiallyReliable);
    }

    [Fact]
    public void Section5_1_KnownOpen_IsWrittenByteForByte()
    {
        var options = new DataChannelOptions(MaxRetransmits: 3);
        var message = new byte[Dcep.OpenLength("chat", "json")];

        var written = Dcep.WriteOpen(message, "chat", "json", options);

        Assert.Equal(ChatOpen.Length, written);
        Assert.Equal(ChatOpen, message);
    }

    [Theory]
    [MemberData(nameof(Channels))]
    public void Open_RoundTrips_ForEveryChannelType(DataChannelType type, DataChannelOptions options, string label, string protocol)
    {
        var message = new byte[Dcep.OpenLength(label, protocol)];
        var written = Dcep.WriteOpen(message, label, protocol, options);

        Assert.Equal(message.Length, written);
        Assert.Equal(Dcep.OpenType, message[0]);
        Assert.Equal((byte)type, message[1]);
        Assert.Equal(Encoding.UTF8.GetByteCount(label), (message[8] << 8) | message[9]);
        Assert.Equal(Encoding.UTF8.GetByteCount(protocol), (message[10] << 8) | message[11]);
        Assert.True(Dcep.TryParseOpen(message, out var parsedLabel, out var parsedProtocol, out var parsed));
        Assert.Equal(label, parsedLabel);
        Assert.Equal(protocol, parsedProtocol);
        Assert.Equal(options, parsed);
        Assert.Equal(type, parsed.ToWire().Type);
    }

    [Fact]
    public void Open_LabelInUtf8_CountsBytesNotCharacters()
    {
        // "température": 11 characters, 12 bytes (é is C3 A9).
        var message = new byte[Dcep.OpenLength("température", "")];
        Dcep.WriteOpen(message, "température", "", new DataChannelOptions());

        Assert.Equal(12 + 12, message.Length);
        Assert.Equal([0x00, 0x0C], message[8..10]);
        Assert.Equal([0xC3, 0xA9], message[16..18]);
    }

    [Fact]
    public void Open_WithReliabilityBeyond16Bits_IsClamped()
    {
        var message = ChatOpen.ToArray();
        message[1] = (byte)DataChannelType.PartialReliableTimed;
        message[4] = 0x00;
        message[5] = 0x01; // reliability 0x00010003

        Assert.True(Dcep.TryParseOpen(message, out _, out _, out var options));
        Assert.Equal((ushort)65535, options.MaxPacketLifeTime);
    }

    [Fact]
    public void Open_WithTrailingBytes_IsAccepted()
    {
        // The lengths say where label and protocol end; bytes after them are not part of either.
        Assert.True(Dcep.TryParseOpen([.. ChatOpen, 0xFF], out var label, out var protocol, out _));
        Assert.Equal("chat", label);
        Assert.Equal("json", protocol);
    }

    [Fact]
    public void Open_ShorterThanItsFixedPart_IsRejected()
    {
        for (var length = 0; length < 12; length++)
        {
            Assert.False(Dcep.TryParseOpen(ChatOpen.AsSpan(0, length), out _, out _, out _), $"{length} bytes");
        }
    }

    [Theory]
    [InlineData(8, 0x00, 0x05)]  // label length 5: the label runs into the protocol, which then overruns
    [InlineData(10, 0x00, 0x05)] // protocol length 5: one byte past the end
    [InlineData(8, 0xFF, 0xFF)]
    [InlineData(10, 0xFF, 0xFF)]
    public void Open_WhoseLengthsOverrun_IsRejected(int at, byte high, byte low)
    {
        var message = ChatOpen.ToArray();
        message[at] = high;
        message[at + 1] = low;

        Assert.False(Dcep.TryParseOpen(message, out _, out _, out _));
    }

    [Fact]
    public void Open_CutShort_IsRejected()
    {
        for (var length = 12; length < ChatOpen.Length; length++)
        {
            Assert.False(Dcep.TryParseOpen(ChatOpen.AsSpan(0, length), out _, out _, out _), $"{length} bytes");
        }
    }

    [Theory]
    [InlineData(0x03)]
    [InlineData(0x83)]
    [InlineData(0x7F)]
    [InlineData(0xFF)]
    public void Open_WithAnUnknownChannelType_IsRejected(byte type) => Assert.False(ChatOpenParsesWith(1, type));

    [Theory]
    [InlineData(Dcep.AckType)]
    [InlineData(0x00)]
    [InlineData(0x04)]
    public void OtherMessageTypes_AreNotAnOpen(byte messageType) => Assert.False(ChatOpenParsesWith(0, messageType));

    [Theory]
    [InlineData(12, 0xFF)] // never valid in UTF-8
    [InlineData(12, 0xC3)] // a two-byte sequence cut by the next ASCII byte
    [InlineData(15, 0x80)] // a lone continuation byte
    [InlineData(16, 0xC0)] // an overlong encoding's first byte, in the protocol
    public void Open_WithInvalidUtf8_IsRejected(int at, byte value) => Assert.False(ChatOpenParsesWith(at, value));

    [Fact]
    public void Open_WithAnEncodedSurrogate_IsRejected()
    {
        // ED A0 80 would be U+D800, a surrogate: not a scalar value, so not UTF-8 (RFC 3629 §3).
        byte[] message = [0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0xED, 0xA0, 0x80];

        Assert.False(Dcep.TryParseOpen(message, out _, out _, out _));
    }

    private static bool ChatOpenParsesWith(int at, byte value)
    {
        var message = ChatOpen.ToArray();
        message[at] = value;
        return Dcep.TryParseOpen(message, out _, out _, out _);
    }
}
