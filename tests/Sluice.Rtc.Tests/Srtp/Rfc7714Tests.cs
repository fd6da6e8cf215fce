using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Tests.Srtp;

/// <summary>
/// RFC 7714 §16 (SRTP) and §17 (SRTCP) test vectors for AEAD_AES_128_GCM, copied verbatim. The RFC
/// gives the session key and salt directly, so the context is built without the KDF.
/// </summary>
public class Rfc7714Tests
{
    // §16: "the 128-bit key 00 01 02 ... 0f", salt "Quid pro quo".
    private const string Key = "000102030405060708090a0b0c0d0e0f";
    private const string Salt = "51756964 2070726f 2071756f";

    // §16: the RTP packet — header 8040f17b 8041f8d3 5501a0b2 (V=2, PT=64, SEQ=f17b,
    // TS=8041f8d3, SSRC=5501a0b2), payload "Gallia est omnis divisa in partes tres".
    private const string RtpPlain =
        "8040f17b 8041f8d3 5501a0b2 47616c6c" +
        "69612065 7374206f 6d6e6973 20646976" +
        "69736120 696e2070 61727465 73207472" +
        "6573";

    // §16.1.1: Encrypted and tagged packet.
    private const string RtpProtected =
        "8040f17b 8041f8d3 5501a0b2 f24de3a3" +
        "fb34de6c acba861c 9d7e4bca be633bd5" +
        "0d294e6f 42a5f47a 51c7d19b 36de3adf" +
        "8833899d 7f27beb1 6a9152cf 765ee439" +
        "0cce";

    // §17: the RTCP packet (SR from SSRC 4d617273), SRTCP index 000005d4.
    private const string RtcpPlain =
        "81c8000d 4d617273 4e545031 4e545032" +
        "52545020 0000042a 0000e930 4c756e61" +
        "deadbeef deadbeef deadbeef deadbeef" +
        "deadbeef";

    // §17.1: Encrypted and tagged packet (E = 1): header ‖ ciphertext ‖ tag ‖ 800005d4.
    private const string RtcpProtected =
        "81c8000d 4d617273 63e94885 dcdab67c" +
        "a727d766 2f6b7e99 7ff5c0f7 6c06f32d" +
        "c676a5f1 730d6fda 4ce09b46 86303ded" +
        "0bb9275b c84aa458 96cf4d2f c5abf872" +
        "45d9eade 800005d4";

    // §17.1: Tagged-only packet (E = 0): plaintext ‖ tag ‖ 000005d4.
    private const string RtcpAuthenticatedOnly =
        "81c8000d 4d617273 4e545031 4e545032" +
        "52545020 0000042a 0000e930 4c756e61" +
        "deadbeef deadbeef deadbeef deadbeef" +
        "deadbeef 841dd968 3dd78ec9 2ae58790" +
        "125f62b3 000005d4";

    private const uint RtcpSsrc = 0x4d617273;
    private const uint RtcpIndex = 0x5d4;

    private static SrtpContext CreateContext() =>
        SrtpContext.FromSessionKeys(SrtpProfile.AeadAes128Gcm, TestHex.Parse(Key), TestHex.Parse(Salt), ReadOnlySpan<byte>.Empty);

    [Fact]
    public void Section16_RtpIv()
    {
        // §16: IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt = 51 75 3c 65 80 c2 72 6f 20 71 84 14.
        var nonce = new byte[12];
        AeadAesGcmCipher.RtpNonce(TestHex.Parse(Salt), 0x5501a0b2, 0xf17b, nonce);
        Assert.Equal(TestHex.Parse("51753c65 80c2726f 20718414"), nonce);
    }

    [Fact]
    public void Section17_RtcpIv()
    {
        // §17: IV = (00 00 ‖ SSRC ‖ 00 00 ‖ 0 ‖ SRTCP index) XOR salt = 51 75 24 05 52 03 72 6f 20 71 70 bb.
        var nonce = new byte[12];
        AeadAesGcmCipher.RtcpNonce(TestHex.Parse(Salt), RtcpSsrc, RtcpIndex, nonce);
        Assert.Equal(TestHex.Parse("51752405 5203726f 207170bb"), nonce);
    }

    [Fact]
    public void Section16_1_1_ProtectRtp_GivesTheEncryptedAndTaggedPacket()
    {
        using var context = CreateContext();
        byte[] plain = TestHex.Parse(RtpPlain);
        var buffer = new byte[plain.Length + 16];
        plain.CopyTo(buffer, 0);

        Assert.Equal(SrtpResult.Ok, context.ProtectRtp(buffer, plain.Length, out int length));

        Assert.Equal(TestHex.Parse(RtpProtected), buffer[..length]);
    }

    [Fact]
    public void Section16_1_2_UnprotectRtp_GivesThePlainPacket()
    {
        using var context = CreateContext();
        byte[] packet = TestHex.Parse(RtpProtected);

        Assert.Equal(SrtpResult.Ok, context.UnprotectRtp(packet, out int length));

        Assert.Equal(TestHex.Parse(RtpPlain), packet[..length]);
    }

    [Fact]
    public void Section16_1_2_UnprotectRtp_RejectsAFlippedTagBit()
    {
        using var context = CreateContext();
        byte[] packet = TestHex.Parse(RtpProtected);
        packet[^1] ^= 0x01;

        Assert.Equal(SrtpResult.AuthenticationFailed, context.UnprotectRtp(packet, out _));
    }

    [Fact]
    public void Section17_1_ProtectRtcp_GivesTheEncryptedAndTaggedPacket()
    {
        using var context = CreateContext();
        context.SetNextRtcpIndex(RtcpSsrc, RtcpIndex);
        byte[] plain = TestHex.Parse(RtcpPlain);
        var buffer = new byte[plain.Length + 20];
        plain.CopyTo(buffer, 0);

        Assert.Equal(SrtpResult.Ok, context.ProtectRtcp(buffer, plain.Length, out int length));

        Assert.Equal(TestHex.Parse(RtcpProtected), buffer[..length]);
    }

    [Fact]
    public void Section17_1_UnprotectRtcp_GivesThePlainPacket()
    {
        using var context = CreateContext();
        byte[] packet = TestHex.Parse(RtcpProtected);

        Assert.Equal(SrtpResult.Ok, context.UnprotectRtcp(packet, out int length));

        Assert.Equal(TestHex.Parse(RtcpPlain), packet[..length]);
    }

    [Fact]
    public void Section17_1_UnprotectRtcp_AcceptsTheTaggedOnlyPacket()
    {
        using var context = CreateContext();
        byte[] packet = TestHex.Parse(RtcpAuthenticatedOnly);

        Assert.Equal(SrtpResult.Ok, context.UnprotectRtcp(packet, out int length));

        Assert.Equal(TestHex.Parse(RtcpPlain), packet[..length]);
    }

    [Fact]
    public void Section17_1_UnprotectRtcp_RejectsAChangedIndex()
    {
        using var context = CreateContext();
        byte[] packet = TestHex.Parse(RtcpProtected);
        packet[^1] ^= 0x01; // the index is both in the IV and in the AAD

        Assert.Equal(SrtpResult.AuthenticationFailed, context.UnprotectRtcp(packet, out _));
    }
}
