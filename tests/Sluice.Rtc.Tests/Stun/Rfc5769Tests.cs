using System.Net;
using System.Security.Cryptography;
using System.Text;
using Sluice.Rtc.Stun;

namespace Sluice.Rtc.Tests.Stun;

/// <summary>RFC 5769, "Test Vectors for Session Traversal Utilities for NAT (STUN)".</summary>
public class Rfc5769Tests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes(StunTestData.Password);
    private static readonly IPEndPoint IPv4Mapped = new(IPAddress.Parse("192.0.2.1"), 32853);
    private static readonly IPEndPoint IPv6Mapped = new(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853);

    [Fact]
    public void Section2_1_SampleRequest_Parses()
    {
        Assert.True(StunMessage.IsStun(StunTestData.SampleRequest));
        Assert.True(StunMessage.TryParse(StunTestData.SampleRequest, out var message));

        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(StunTestData.TransactionId, message.TransactionId.ToArray());
        Assert.Equal(StunTestData.SampleRequest.Length, message.Raw.Length);
        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out var software));
        Assert.Equal("STUN test client", Encoding.UTF8.GetString(software));
        Assert.True(message.TryGetPriority(out var priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(message.TryGetIceControlled(out var tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        Assert.False(message.TryGetIceControlling(out _));
        Assert.False(message.HasUseCandidate);
        Assert.Equal("evtj:h6vY", Encoding.UTF8.GetString(message.Username));
        Assert.True(message.HasMessageIntegrity);
        Assert.True(message.HasFingerprint);
        Assert.True(message.VerifyMessageIntegrity(Key));
        Assert.False(message.VerifyMessageIntegrity("VOkJxbRl1RmTxUk/WvJxBT"u8));
        Assert.True(message.VerifyFingerprint());
        Assert.False(message.TryGetXorMappedAddress(out _));
        Assert.False(message.TryGetErrorCode(out _));
    }

    [Fact]
    public void Section2_1_SampleRequest_IsRebuiltByteForByte()
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, StunTestData.TransactionId);
        writer.AddSoftware("STUN test client");
        writer.AddPriority(0x6e0001ff);
        writer.AddIceControlled(0x932ff9b151263b36);
        // The RFC pads USERNAME with spaces; padding content is ignored (RFC 8489 §14) but hashed.
        writer.AddAttribute(StunAttributeType.Username, "evtj:h6vY"u8, padding: 0x20);
        writer.AddMessageIntegrity(Key);
        writer.AddFingerprint();

        Assert.Equal(StunTestData.SampleRequest, writer.Written.ToArray());
    }

    [Fact]
    public void Section2_2_SampleIPv4Response_Parses()
    {
        Assert.True(StunMessage.TryParse(StunTestData.SampleIPv4Response, out var message));

        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
        Assert.Equal(StunTestData.TransactionId, message.TransactionId.ToArray());
        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out var software));
        Assert.Equal("test vector", Encoding.UTF8.GetString(software));
        Assert.True(message.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(IPv4Mapped, mapped);
        Assert.True(message.Username.IsEmpty);
        Assert.True(message.VerifyMessageIntegrity(Key));
        Assert.True(message.VerifyFingerprint());
    }

    [Fact]
    public void Section2_3_SampleIPv6Response_Parses()
    {
        Assert.True(StunMessage.TryParse(StunTestData.SampleIPv6Response, out var message));

        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
        Assert.Equal(StunTestData.TransactionId, message.TransactionId.ToArray());
        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out var software));
        Assert.Equal("test vector", Encoding.UTF8.GetString(software));
        Assert.True(message.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(IPv6Mapped, mapped);
        Assert.True(message.VerifyMessageIntegrity(Key));
        Assert.True(message.VerifyFingerprint());
    }

    public static TheoryData<string, bool> Responses => new()
    {
        { "2.2", false }, { "2.2", true }, { "2.3", false }, { "2.3", true },
    };

    /// <summary>
    /// The RFC pads SOFTWARE "test vector" with one 0x20 byte; writing that padding explicitly
    /// reproduces the vectors exactly, MESSAGE-INTEGRITY and FINGERPRINT included.
    /// </summary>
    [Theory]
    [MemberData(nameof(Responses))]
    public void Section2_2_And_2_3_Responses_AreRebuiltByteForByte(string section, bool fromSocketAddress)
    {
        var expected = section == "2.2" ? StunTestData.SampleIPv4Response : StunTestData.SampleIPv6Response;
        var endPoint = section == "2.2" ? IPv4Mapped : IPv6Mapped;

        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccessResponse, StunTestData.TransactionId);
        writer.AddAttribute(StunAttributeType.Software, "test vector"u8, padding: 0x20);
        if (fromSocketAddress)
        {
            writer.AddXorMappedAddress(endPoint.Serialize());
        }
        else
        {
            writer.AddXorMappedAddress(endPoint);
        }

        writer.AddMessageIntegrity(Key);
        writer.AddFingerprint();

        Assert.Equal(expected, writer.Written.ToArray());
    }

    /// <summary>
    /// With AddSoftware the padding byte is 0x00 instead of the RFC's 0x20: the bytes differ in that
    /// byte and hence in MESSAGE-INTEGRITY and FINGERPRINT, and nowhere else; both still verify.
    /// </summary>
    [Fact]
    public void Section2_2_WithZeroPadding_DiffersOnlyInPaddingAndChecksums()
    {
        var expected = StunTestData.SampleIPv4Response;
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccessResponse, StunTestData.TransactionId);
        writer.AddSoftware("test vector");
        writer.AddXorMappedAddress(IPv4Mapped);
        writer.AddMessageIntegrity(Key);
        writer.AddFingerprint();
        var written = writer.Written.ToArray();

        Assert.Equal(expected.Length, written.Length);
        const int paddingIndex = 20 + 4 + 11;
        const int integrityValue = 20 + 16 + 12 + 4;
        const int fingerprintValue = integrityValue + 20 + 4;
        for (var i = 0; i < expected.Length; i++)
        {
            var differs = i == paddingIndex || (i >= integrityValue && i < integrityValue + 20) || i >= fingerprintValue;
            if (!differs)
            {
                Assert.Equal(expected[i], written[i]);
            }
        }

        Assert.Equal(0x20, expected[paddingIndex]);
        Assert.Equal(0x00, written[paddingIndex]);
        Assert.True(StunMessage.TryParse(written, out var message));
        Assert.True(message.VerifyMessageIntegrity(Key));
        Assert.True(message.VerifyFingerprint());
    }

    /// <summary>
    /// §2.4 uses long-term credentials: key = MD5(username ":" realm ":" password) (RFC 8489 §9.2.2),
    /// password "TheMatrIX" after SASLprep. No FINGERPRINT.
    /// </summary>
    [Fact]
    public void Section2_4_SampleLongTermRequest_ParsesVerifiesAndRebuilds()
    {
        var vector = StunTestData.SampleLongTermRequest;
        var key = LongTermKey();

        Assert.True(StunMessage.TryParse(vector, out var message));
        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(StunTestData.Hex("78 ad 34 33 c6 ad 72 c0 29 da 41 2e"), message.TransactionId.ToArray());
        Assert.Equal("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", Encoding.UTF8.GetString(message.Username));
        Assert.True(message.TryGetAttribute(StunAttributeType.Nonce, out var nonce));
        Assert.Equal("f//499k954d6OL34oL9FSTvy64sA", Encoding.UTF8.GetString(nonce));
        Assert.True(message.TryGetAttribute(StunAttributeType.Realm, out var realm));
        Assert.Equal("example.org", Encoding.UTF8.GetString(realm));
        Assert.False(message.HasFingerprint);
        Assert.False(message.VerifyFingerprint());
        Assert.True(message.VerifyMessageIntegrity(key));

        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, message.TransactionId);
        writer.AddUsername(message.Username);
        writer.AddAttribute(StunAttributeType.Nonce, nonce);
        writer.AddAttribute(StunAttributeType.Realm, realm);
        writer.AddMessageIntegrity(key);
        Assert.Equal(vector, writer.Written.ToArray());
    }

    public static TheoryData<int> VectorIndexes => [0, 1, 2, 3];

    /// <summary>Any single flipped bit breaks the message: integrity (before MESSAGE-INTEGRITY's end) and fingerprint alike.</summary>
    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void OneBitCorruption_FailsIntegrityAndFingerprint(int vectorIndex)
    {
        var vector = StunTestData.AllVectors[vectorIndex];
        var key = vectorIndex == 3 ? LongTermKey() : Key;
        Assert.True(StunMessage.TryParse(vector, out var original));
        var hasFingerprint = original.HasFingerprint;
        var integrityEnd = hasFingerprint ? vector.Length - 8 : vector.Length;

        for (var i = 0; i < vector.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var corrupt = (byte[])vector.Clone();
                corrupt[i] ^= (byte)(1 << bit);
                if (!StunMessage.TryParse(corrupt, out var message))
                {
                    continue;
                }

                if (hasFingerprint)
                {
                    Assert.False(message.VerifyFingerprint(), $"fingerprint survived a flip at byte {i} bit {bit}");
                }

                if (i < integrityEnd)
                {
                    Assert.False(message.VerifyMessageIntegrity(key), $"integrity survived a flip at byte {i} bit {bit}");
                }
            }
        }
    }

    private static byte[] LongTermKey()
    {
#pragma warning disable CA5351 // RFC 8489 §9.2.2 defines the long-term key with MD5.
        return MD5.HashData(Encoding.UTF8.GetBytes("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9:example.org:TheMatrIX"));
#pragma warning restore CA5351
    }
}
