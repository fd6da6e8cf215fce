using System.Runtime.Intrinsics;
using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Tests.Srtp;

/// <summary>RFC 3711 Appendix B test vectors, copied verbatim.</summary>
public class Rfc3711Tests
{
    // RFC 3711 §B.2 AES-CM Test Vectors.
    private const string B2SessionKey = "2B7E151628AED2A6ABF7158809CF4F3C";
    private const string B2Offset = "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"; // session salt, already shifted
    private const int B2SegmentLength = 1044512;                        // 65282 AES blocks

    // First and last three keystream blocks of the table (counters ...0000–0002 and ...FEFF–FF01).
    private const string B2KeystreamStart =
        "E03EAD0935C95E80E166B16DD92B4EB4" +
        "D23513162B02D0F72A43A2FE4A5F97AB" +
        "41E95B3BB0A2E8DD477901E4FCA894C0";

    private const string B2KeystreamEnd =
        "EC8CDF7398607CB0F2D21675EA9EA1E4" +
        "362B7C3C6773516318A077D7FC5073AE" +
        "6A2CC3787889374FBEB4C81B17BA6C44";

    // RFC 3711 §B.3 Key Derivation Test Vectors.
    private const string B3MasterKey = "E1F97A0D3E018BE0D64FA32C06DE4139";
    private const string B3MasterSalt = "0EC675AD498AFEEBB6960B3AABE6";
    private const string B3CipherKey = "C61E7A93744F39EE10734AFE3FF7A087";
    private const string B3CipherSalt = "30CBBC08863D8C85D49DB34A9AE1";

    private const string B3AuthKey =
        "CEBE321F6FF7716B6FD4AB49AF256A15" +
        "6D38BAA48F0A0ACF3C34E2359E6CDBCE" +
        "E049646C43D9327AD175578EF7227098" +
        "6371C10C9A369AC2F94A8C5FBCDDDC25" +
        "6D6E919A48B610EF17C2041E47403576" +
        "6B68642C59BBFC2F34DB60DBDFB2";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void B2_KeystreamSegment_MatchesTable(bool useHardware)
    {
        using var cipher = new AesCounterMode(TestHex.Parse(B2SessionKey), useHardware);
        var keystream = new byte[B2SegmentLength]; // zeros, so XOR leaves the keystream itself

        cipher.Apply(Vector128.Create<byte>(TestHex.Parse(B2Offset)), keystream);

        Assert.Equal(TestHex.Parse(B2KeystreamStart), keystream[..48]);
        Assert.Equal(TestHex.Parse(B2KeystreamEnd), keystream[^48..]);
    }

    [Fact]
    public void B2_KeystreamIsItsOwnInverse()
    {
        using var cipher = new AesCounterMode(TestHex.Parse(B2SessionKey));
        var iv = Vector128.Create<byte>(TestHex.Parse(B2Offset));
        byte[] data = TestHex.Parse(B2KeystreamStart);

        cipher.Apply(iv, data.AsSpan(0, 45)); // odd length: the partial last block

        Assert.Equal(new byte[45], data[..45]);
        Assert.Equal(TestHex.Parse(B2KeystreamStart)[45..], data[45..]);
    }

    [Fact]
    public void B2_SrtpPacketWithZeroSsrcAndIndex_IsEncryptedWithTheTableKeystream()
    {
        // §B.2: ROC 0, SEQ 0, SSRC 0, session salt F0F1…FCFD; a zero payload shows the keystream.
        byte[] salt = TestHex.Parse(B2Offset)[..14];
        using var context = SrtpContext.FromSessionKeys(
            SrtpProfile.Aes128CmHmacSha1_80, TestHex.Parse(B2SessionKey), salt, new byte[20]);
        var buffer = new byte[12 + 48 + 10];
        buffer[0] = 0x80; // V=2, sequence number 0, timestamp 0, SSRC 0

        Assert.Equal(SrtpResult.Ok, context.ProtectRtp(buffer, 60, out int length));

        Assert.Equal(70, length);
        Assert.Equal(TestHex.Parse(B2KeystreamStart), buffer[12..60]);
    }

    [Fact]
    public void B3_CipherKey()
    {
        var key = new byte[16];
        SrtpKeyDerivation.Derive(TestHex.Parse(B3MasterKey), TestHex.Parse(B3MasterSalt), SrtpKeyLabel.RtpEncryption, key);
        Assert.Equal(TestHex.Parse(B3CipherKey), key);
    }

    [Fact]
    public void B3_CipherSalt()
    {
        var salt = new byte[14];
        SrtpKeyDerivation.Derive(TestHex.Parse(B3MasterKey), TestHex.Parse(B3MasterSalt), SrtpKeyLabel.RtpSalt, salt);
        Assert.Equal(TestHex.Parse(B3CipherSalt), salt);
    }

    [Fact]
    public void B3_AuthKey_AllNinetyFourOctets()
    {
        var auth = new byte[94];
        SrtpKeyDerivation.Derive(TestHex.Parse(B3MasterKey), TestHex.Parse(B3MasterSalt), SrtpKeyLabel.RtpAuthentication, auth);
        Assert.Equal(TestHex.Parse(B3AuthKey), auth);
    }

    [Theory]
    // Appendix A: (highest index so far, SEQ) → estimated index.
    [InlineData(0x0000_1000L, 0x1001, 0x0000_1001L)]      // in order
    [InlineData(0x0000_FFF0L, 0x0005, 0x0001_0005L)]      // wrapped forward: ROC + 1
    [InlineData(0x0001_0005L, 0xFFF0, 0x0000_FFF0L)]      // late packet from before the wrap: ROC − 1
    [InlineData(0x0001_7FFFL, 0x0000, 0x0001_0000L)]      // s_l < 2^15, SEQ − s_l not > 2^15: same ROC
    [InlineData(0x0000_0005L, 0xFFF0, -1L)]               // ROC − 1 with ROC = 0: no such packet
    [InlineData(0x0002_8000L, 0x0000, 0x0002_0000L)]      // s_l − 2^15 not > SEQ: same ROC
    [InlineData(0x0002_8001L, 0x0000, 0x0003_0000L)]      // s_l − 2^15 > SEQ: ROC + 1
    public void AppendixA_IndexEstimate(long highest, int sequence, long expected)
    {
        Assert.Equal(expected, SrtpIndex.Estimate(highest, (ushort)sequence));
    }
}
