using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Rtc.Stun;

namespace Sluice.Rtc.Tests.Stun;

/// <summary>Annotated wire bytes (RFC 8489, RFC 8445 §7) → parse → check → write → compare.</summary>
public class StunWireTests
{
    private static readonly byte[] IcePassword = "pass-word-0123456789abc"u8.ToArray();
    private static readonly byte[] TransactionId = StunTestData.Hex("4a 3c f1 b2 c5 d6 e7 f8 01 02 03 04");

    // A connectivity check as a controlling ICE agent sends it (RFC 8445 §7.1). MESSAGE-INTEGRITY and
    // FINGERPRINT were computed independently with Python's hmac and zlib.crc32.
    private static readonly byte[] IceBindingRequest =
    [
        0x00, 0x01, 0x00, 0x48,                         // Binding request, length 72
        0x21, 0x12, 0xa4, 0x42,                         // magic cookie
        0x4a, 0x3c, 0xf1, 0xb2, 0xc5, 0xd6, 0xe7, 0xf8, // transaction id
        0x01, 0x02, 0x03, 0x04,
        0x00, 0x06, 0x00, 0x09,                         // USERNAME, length 9
        0x57, 0x58, 0x59, 0x5a, 0x3a, 0x61, 0x62, 0x63, //   "WXYZ:abc"
        0x64, 0x00, 0x00, 0x00,                         //   "d" + 3 bytes padding
        0x80, 0x2a, 0x00, 0x08,                         // ICE-CONTROLLING, length 8
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, //   tie-breaker
        0x00, 0x25, 0x00, 0x00,                         // USE-CANDIDATE, length 0
        0x00, 0x24, 0x00, 0x04,                         // PRIORITY, length 4
        0x6e, 0x7f, 0x1e, 0xff,                         //   0x6e7f1eff
        0x00, 0x08, 0x00, 0x14,                         // MESSAGE-INTEGRITY, length 20
        0xd9, 0x0f, 0x77, 0x88, 0x4e, 0x6a, 0x3f, 0x83, //   HMAC-SHA1
        0x3d, 0x35, 0xdf, 0xe1, 0x9c, 0x82, 0xf5, 0x50,
        0x41, 0x34, 0x07, 0xc8,
        0x80, 0x28, 0x00, 0x04,                         // FINGERPRINT, length 4
        0x91, 0x10, 0xe8, 0xc4,                         //   CRC-32 ^ 0x5354554e
    ];

    // Role conflict answer (RFC 8445 §7.3.1.1), same credentials and transaction.
    private static readonly byte[] RoleConflictResponse =
    [
        0x01, 0x11, 0x00, 0x38,                         // Binding error response, length 56
        0x21, 0x12, 0xa4, 0x42,                         // magic cookie
        0x4a, 0x3c, 0xf1, 0xb2, 0xc5, 0xd6, 0xe7, 0xf8, // transaction id
        0x01, 0x02, 0x03, 0x04,
        0x00, 0x09, 0x00, 0x11,                         // ERROR-CODE, length 17
        0x00, 0x00, 0x04, 0x57,                         //   reserved, class 4, number 87
        0x52, 0x6f, 0x6c, 0x65, 0x20, 0x43, 0x6f, 0x6e, //   "Role Con"
        0x66, 0x6c, 0x69, 0x63, 0x74, 0x00, 0x00, 0x00, //   "flict" + 3 bytes padding
        0x00, 0x08, 0x00, 0x14,                         // MESSAGE-INTEGRITY, length 20
        0xc3, 0xc2, 0xa3, 0x76, 0x7a, 0xf6, 0x23, 0x05,
        0x3e, 0x30, 0x9a, 0xab, 0x52, 0x00, 0x66, 0x14,
        0xed, 0xbf, 0xc9, 0x17,
        0x80, 0x28, 0x00, 0x04,                         // FINGERPRINT, length 4
        0x44, 0x00, 0xaf, 0xf3,
    ];

    [Fact]
    public void IceBindingRequest_ParsesAndIsRebuilt()
    {
        Assert.True(StunMessage.IsStun(IceBindingRequest));
        Assert.True(StunMessage.TryParse(IceBindingRequest, out var message));
        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(TransactionId, message.TransactionId.ToArray());
        Assert.Equal("WXYZ:abcd", Encoding.UTF8.GetString(message.Username));
        Assert.True(message.TryGetIceControlling(out var tieBreaker));
        Assert.Equal(0x0102030405060708ul, tieBreaker);
        Assert.False(message.TryGetIceControlled(out _));
        Assert.True(message.HasUseCandidate);
        Assert.True(message.TryGetPriority(out var priority));
        Assert.Equal(0x6e7f1effu, priority);
        Assert.True(message.VerifyMessageIntegrity(IcePassword));
        Assert.True(message.VerifyFingerprint());

        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, TransactionId);
        writer.AddUsername("WXYZ:abcd"u8);
        writer.AddIceControlling(0x0102030405060708);
        writer.AddUseCandidate();
        writer.AddPriority(0x6e7f1eff);
        writer.AddMessageIntegrity(IcePassword);
        writer.AddFingerprint();
        Assert.Equal(IceBindingRequest, writer.Written.ToArray());
    }

    [Fact]
    public void RoleConflictErrorResponse_RoundTrips()
    {
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingErrorResponse, TransactionId);
        writer.AddErrorCode(487, "Role Conflict");
        writer.AddMessageIntegrity(IcePassword);
        writer.AddFingerprint();
        Assert.Equal(RoleConflictResponse, writer.Written.ToArray());

        Assert.True(StunMessage.TryParse(writer.Written, out var message));
        Assert.Equal(StunMessageType.BindingErrorResponse, message.Type);
        Assert.True(message.TryGetErrorCode(out var code, out var reason));
        Assert.Equal(487, code);
        Assert.Equal("Role Conflict", Encoding.UTF8.GetString(reason));
        Assert.True(message.TryGetErrorCode(out code));
        Assert.Equal(487, code);
        Assert.True(message.VerifyMessageIntegrity(IcePassword));
        Assert.True(message.VerifyFingerprint());
    }

    [Theory]
    [InlineData(400, "Bad Request")]
    [InlineData(401, "Unauthorized")]
    [InlineData(420, "Unknown Attribute")]
    [InlineData(699, "")]
    public void ErrorCodes_RoundTrip(int code, string reason)
    {
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingErrorResponse, TransactionId);
        writer.AddErrorCode(code, reason);
        Assert.True(StunMessage.TryParse(writer.Written, out var message));
        Assert.True(message.TryGetErrorCode(out var parsed, out var parsedReason));
        Assert.Equal(code, parsed);
        Assert.Equal(reason, Encoding.UTF8.GetString(parsedReason));
    }

    [Fact]
    public void Writer_KeepsHeaderLengthCurrent()
    {
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingIndication, TransactionId);
        Assert.Equal(20, writer.Length);
        Assert.True(StunMessage.TryParse(writer.Written, out _));

        writer.AddUsername("a"u8);
        Assert.Equal(28, writer.Length);
        Assert.Equal(8, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)));
        Assert.True(StunMessage.TryParse(writer.Written, out _));

        writer.AddSoftware("sluice");
        writer.AddFingerprint();
        Assert.Equal(48, writer.Length);
        Assert.Equal(28, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)));
        Assert.True(StunMessage.TryParse(writer.Written, out var message));
        Assert.Equal(StunMessageType.BindingIndication, message.Type);
        Assert.True(message.VerifyFingerprint());
        Assert.False(message.VerifyMessageIntegrity(IcePassword));
    }

    [Fact]
    public void Writer_RejectsMisuse()
    {
        var buffer = new byte[64];
        Assert.Throws<ArgumentException>(() => new StunWriter(buffer, StunMessageType.BindingRequest, new byte[11]));
        Assert.Throws<ArgumentException>(() => new StunWriter(new byte[19], StunMessageType.BindingRequest, TransactionId));
        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new StunWriter(buffer, StunMessageType.BindingRequest, TransactionId);
            writer.AddUsername(new byte[64]);
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new StunWriter(buffer, StunMessageType.BindingRequest, TransactionId);
            writer.AddMessageIntegrity(IcePassword);
            writer.AddPriority(1);
        });
        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new StunWriter(buffer, StunMessageType.BindingRequest, TransactionId);
            writer.AddFingerprint();
            writer.AddFingerprint();
        });
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var writer = new StunWriter(buffer, StunMessageType.BindingErrorResponse, TransactionId);
            writer.AddErrorCode(200, "OK");
        });
    }

    /// <summary>RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY, other than FINGERPRINT, are ignored.</summary>
    [Fact]
    public void AttributesAfterIntegrity_AreIgnored()
    {
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, TransactionId);
        writer.AddUsername("WXYZ:abcd"u8);
        writer.AddMessageIntegrity(IcePassword);
        var length = writer.Length;

        // Appended by an attacker: PRIORITY, with the header length fixed up.
        StunTestData.Hex("00 24 00 04 00 00 00 01").CopyTo(buffer, length);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)(length + 8 - 20));

        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, length + 8), out var message));
        Assert.False(message.TryGetPriority(out _));
        Assert.True(message.Attributes.TryRead(out _, out _));
        Assert.True(message.VerifyMessageIntegrity(IcePassword));
    }

    [Fact]
    public void FingerprintNotLast_FailsVerification()
    {
        var buffer = new byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, TransactionId);
        writer.AddFingerprint();
        var length = writer.Length;
        StunTestData.Hex("00 24 00 04 00 00 00 01").CopyTo(buffer, length);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)(length + 8 - 20));

        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, length + 8), out var message));
        Assert.True(message.HasFingerprint);
        Assert.False(message.VerifyFingerprint());
        Assert.False(message.TryGetPriority(out _));
    }

    [Theory]
    [InlineData("00 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00", true)]
    [InlineData("40 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00", false)] // top bits
    [InlineData("00 01 00 00 21 12 a4 43 00 00 00 00 00 00 00 00 00 00 00 00", false)] // cookie
    [InlineData("00 01 00 04 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00", false)] // length past end
    [InlineData("00 01 00 02 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 00", false)] // not a multiple of 4
    [InlineData("00 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", false)] // trailing bytes
    [InlineData("00 01 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00", false)] // short header
    public void IsStun_ChecksHeader(string hex, bool expected)
    {
        Assert.Equal(expected, StunMessage.IsStun(StunTestData.Hex(hex)));
        Assert.Equal(expected, StunMessage.TryParse(StunTestData.Hex(hex), out _));
    }

    [Theory]
    [InlineData("00 01 00 08 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 06 00 05 61 62 63 64")] // value past end
    [InlineData("00 01 00 04 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 06 00 01")] // padding past end
    [InlineData("00 01 00 08 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 00 00 25 00 00 00 06 00 00 ff ff")] // not tiled
    public void TryParse_RejectsAttributesOutOfBounds(string hex)
    {
        var datagram = StunTestData.Hex(hex);
        Assert.False(StunMessage.TryParse(datagram, out _));
    }

    [Fact]
    public void XorMappedAddress_IPv4MappedIPv6_IsWrittenAsIPv4()
    {
        var buffer = new byte[64];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccessResponse, TransactionId);
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.1"), 32853);
        writer.AddXorMappedAddress(mapped.Serialize());
        Assert.True(StunMessage.TryParse(writer.Written, out var message));
        Assert.True(message.TryGetXorMappedAddress(out var endPoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), endPoint);
    }

    /// <summary>The SocketAddress layout the writer assumes, checked against what the kernel fills in.</summary>
    [Fact]
    public void XorMappedAddress_FromReceivedSocketAddress_MatchesSender()
    {
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        receiver.ReceiveTimeout = 5000;
        sender.SendTo(IceBindingRequest, receiver.LocalEndPoint!);

        var received = new byte[1500];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        var length = receiver.ReceiveFrom(received, SocketFlags.None, from);
        Assert.Equal(IceBindingRequest.Length, length);

        var buffer = new byte[64];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccessResponse, TransactionId);
        writer.AddXorMappedAddress(from);
        Assert.True(StunMessage.TryParse(writer.Written, out var message));
        Assert.True(message.TryGetXorMappedAddress(out var endPoint));
        Assert.Equal(sender.LocalEndPoint, endPoint);
    }

    [Fact]
    public void XorMappedAddress_IPv6SocketAddress_MatchesEndPoint()
    {
        var endPoint = new IPEndPoint(IPAddress.Parse("2001:db8::1234:5678"), 54321);
        Span<byte> fromSocket = stackalloc byte[64];
        Span<byte> fromEndPoint = stackalloc byte[64];
        var a = new StunWriter(fromSocket, StunMessageType.BindingSuccessResponse, TransactionId);
        a.AddXorMappedAddress(endPoint.Serialize());
        var b = new StunWriter(fromEndPoint, StunMessageType.BindingSuccessResponse, TransactionId);
        b.AddXorMappedAddress(endPoint);
        Assert.True(a.Written.SequenceEqual(b.Written));
        Assert.True(StunMessage.TryParse(a.Written, out var message));
        Assert.True(message.TryGetXorMappedAddress(out var parsed));
        Assert.Equal(endPoint, parsed);
    }

    [Fact]
    public void NewTransactionId_IsRandom()
    {
        Span<byte> first = stackalloc byte[12];
        Span<byte> second = stackalloc byte[12];
        StunTransaction.NewId(first);
        StunTransaction.NewId(second);
        Assert.False(first.SequenceEqual(second));
        Assert.Throws<ArgumentException>(() => StunTransaction.NewId(new byte[16]));
    }

    /// <summary>The standard CRC-32 check value: "123456789" gives 0xCBF43926.</summary>
    [Fact]
    public void Crc32_MatchesCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
    }
}
