using System.Runtime.Intrinsics;
using Sluice.Rtc.Srtp;

namespace Sluice.Rtc.Tests.Srtp;

/// <summary>
/// Known answers published by pion/srtp (srtp_test.go, srtcp_test.go), which go through the whole
/// chain from the master key: KDF, IV, cipher and tag, for both profiles.
/// </summary>
public class PionVectorTests
{
    // srtp_test.go buildTestContext: the GCM profile uses the first 12 salt octets.
    private static readonly byte[] MasterKey = TestHex.Parse("0dcd213e4cbcf28f017f6994401e2889");
    private static readonly byte[] MasterSalt = TestHex.Parse("62776038c06dc9419f6dd9433e7c");

    // srtp_test.go rtpTestCaseDecrypted: the payload of every RTP case.
    private static readonly byte[] Payload = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05];

    public static TheoryData<SrtpProfile, int, string> RtpCases => new()
    {
        // rtpTestCases: sequence number → encrypted payload ‖ tag.
        { SrtpProfile.Aes128CmHmacSha1_80, 5000, "6dd37ed599b72d28b1f3a1f00cfbfd08" },
        { SrtpProfile.Aes128CmHmacSha1_80, 5001, "da470b2a745365bd2febdc4b6d23f3de" },
        { SrtpProfile.Aes128CmHmacSha1_80, 5002, "6ea7698d246ddcbfec021cd16076c10e" },
        { SrtpProfile.Aes128CmHmacSha1_80, 5003, "247e96c87d33a2928d138de0769f08dc" },
        { SrtpProfile.Aes128CmHmacSha1_80, 5004, "754328e43a77599b2edf7b12680b5749" },
        { SrtpProfile.Aes128CmHmacSha1_80, 65535, "aff7c2703720839c2c6385150e44ca36" },
        { SrtpProfile.AeadAes128Gcm, 5000, "053962bb502a0819c7ccc924b8d97ae5ad9906c73b00" },
        { SrtpProfile.AeadAes128Gcm, 5001, "b0bcfcb0152ca015b5a8cd0d65fa98b309b1f84b1cfa" },
        { SrtpProfile.AeadAes128Gcm, 5002, "5e206abf587e24c015947ae24925d4d408e2f1477a33" },
        { SrtpProfile.AeadAes128Gcm, 5003, "b06314e7d229ca928c9725d250696e1b04b937a5a1c5" },
        { SrtpProfile.AeadAes128Gcm, 5004, "b24f1953798a9b9ee5229314508a8cd5fc61bf95d1fb" },
        { SrtpProfile.AeadAes128Gcm, 65535, "40446cd1335fca9b2ea3e503d78236d8b7e8973ce6b6" },
    };

    [Theory]
    [MemberData(nameof(RtpCases))]
    public void Rtp_ProtectAndUnprotect_MatchPion(SrtpProfile profile, int sequence, string encrypted)
    {
        // pion marshals a zero rtp.Header with only the sequence number set (its version field is 0).
        byte[] header = new byte[12];
        header[2] = (byte)(sequence >> 8);
        header[3] = (byte)sequence;
        byte[] expected = [.. header, .. TestHex.Parse(encrypted)];
        byte[] salt = MasterSalt[..SrtpProfiles.MasterSaltLength(profile)];

        using var sender = new SrtpContext(profile, MasterKey, salt);
        var buffer = new byte[expected.Length];
        header.CopyTo(buffer, 0);
        Payload.CopyTo(buffer, 12);
        Assert.Equal(SrtpResult.Ok, sender.ProtectRtp(buffer, 18, out int length));
        Assert.Equal(expected, buffer[..length]);

        using var receiver = new SrtpContext(profile, MasterKey, salt);
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(buffer, out int plainLength));
        Assert.Equal([.. header, .. Payload], buffer[..plainLength]);
    }

    [Fact]
    public void AesCm_CounterBlock_MatchesPion()
    {
        // srtp_test.go TestValidPacketCounter: SSRC 4160032510, SEQ 32846, ROC 0.
        var salt = new byte[14];
        SrtpKeyDerivation.Derive(MasterKey, MasterSalt, SrtpKeyLabel.RtpSalt, salt);

        var iv = AesCmHmacSha1Cipher.Iv(AesCmHmacSha1Cipher.SaltBlock(salt), 4160032510, 32846);

        var ivBytes = new byte[16];
        iv.CopyTo(ivBytes);

        Assert.Equal(TestHex.Parse("cf901ea5dad32c1500a224aeaeaf0000"), ivBytes);
    }

    public static TheoryData<SrtpProfile, string, string, uint, string, string> RtcpCases => new()
    {
        // srtcp_test.go rtcpTestCases; pion's first SRTCP index is 1.
        {
            SrtpProfile.AeadAes128Gcm, "000102030405060708090a0b0c0d0e0f", "a0a1a2a3a4a5a6a7a8a9aaab", 0xcafebabe,
            "81c8000bcafebabeabababababababababababababababab",
            "81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001"
        },
        {
            SrtpProfile.Aes128CmHmacSha1_80, "fda62595d7f6926f7d9c024cc9209f34", "a9651985540b47be2f27a8b88123", 0x66ef91ff,
            "80c80006 66ef91ff df4880dd 61a62ed3 d8bcdebe 00000009 00001604 81ca0006 66ef91ff 0110526e 5435436d 4a687a79 65744178 772b0000",
            "80c8000666ef91ffcd34c578b28be16bc509d577e4ce5f208021bd667465e95f49e5f5c0684ee56a78077546ed90f6dc9def3bdff279a9d88000000160c0aeb56f40880e28ba"
        },
        {
            SrtpProfile.Aes128CmHmacSha1_80, "fda62595d7f6926f7d9c024cc9209f34", "a9651985540b47be2f27a8b88123", 0x11111111,
            "80c80006 11111111 df4880dd 61a62ed3 d8bcdebe 00000009 00001604 81ca0006 66ef91ff 0110526e 5435436d 4a687a79 65744178 772b0000",
            "80c8000611111111178c15f14b11daf57453862bc9072940bf22f64611a4c13aff5abdd0f88b38e495385dcf1bf52777fbdb3f106899d8ad80000001343c2e8317139369cfc0"
        },
    };

    [Theory]
    [MemberData(nameof(RtcpCases))]
    public void Rtcp_ProtectAndUnprotect_MatchPion(SrtpProfile profile, string key, string salt, uint ssrc, string plain, string encrypted)
    {
        byte[] plainBytes = TestHex.Parse(plain);
        byte[] expected = TestHex.Parse(encrypted);

        using var sender = new SrtpContext(profile, TestHex.Parse(key), TestHex.Parse(salt));
        sender.SetNextRtcpIndex(ssrc, 1);
        var buffer = new byte[expected.Length];
        plainBytes.CopyTo(buffer, 0);
        Assert.Equal(SrtpResult.Ok, sender.ProtectRtcp(buffer, plainBytes.Length, out int length));
        Assert.Equal(expected, buffer[..length]);

        using var receiver = new SrtpContext(profile, TestHex.Parse(key), TestHex.Parse(salt));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(buffer, out int plainLength));
        Assert.Equal(plainBytes, buffer[..plainLength]);
        Assert.Equal(SrtpResult.ReplayDuplicate, receiver.UnprotectRtcp(expected, out _));
    }
}
