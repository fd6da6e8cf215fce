using System.Security.Cryptography;
using System.Text;
using Sluice.Rtc.Dtls;

namespace Sluice.Rtc.Tests.Dtls;

/// <summary>RFC 8122 §5 a=fingerprint values; digests checked against FIPS 180-4 "abc" examples.</summary>
public class DtlsFingerprintTests
{
    [Theory]
    [InlineData("sha-1 A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D", DtlsHashAlgorithm.Sha1)]
    [InlineData("sha-224 23:09:7D:22:34:05:D8:22:86:42:A4:77:BD:A2:55:B3:2A:AD:BC:E4:BD:A0:B3:F7:E3:6C:9D:A7", DtlsHashAlgorithm.Sha224)]
    [InlineData("sha-256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD", DtlsHashAlgorithm.Sha256)]
    [InlineData("sha-384 CB:00:75:3F:45:A3:5E:8B:B5:A0:3D:69:9A:C6:50:07:27:2C:32:AB:0E:DE:D1:63:1A:8B:60:5A:43:FF:5B:ED:80:86:07:2B:A1:E7:CC:23:58:BA:EC:A1:34:C8:25:A7", DtlsHashAlgorithm.Sha384)]
    [InlineData("sha-512 DD:AF:35:A1:93:61:7A:BA:CC:41:73:49:AE:20:41:31:12:E6:FA:4E:89:A9:7E:A2:0A:9E:EE:E6:4B:55:D3:9A:21:92:99:2A:27:4F:C1:A8:36:BA:3C:23:A3:FE:EB:BD:45:4D:44:23:64:3C:E8:0E:2A:9A:C9:4F:A5:4C:A4:9F", DtlsHashAlgorithm.Sha512)]
    public void Compute_of_abc_matches_FIPS_180_4_examples_and_formats_per_RFC_8122(string expected, DtlsHashAlgorithm algorithm)
    {
        DtlsFingerprint fingerprint = DtlsFingerprint.Compute(algorithm, "abc"u8);

        Assert.Equal(expected, fingerprint.ToString());
        Assert.True(DtlsFingerprint.TryParse(expected, out DtlsFingerprint? parsed));
        Assert.Equal(fingerprint, parsed);
        Assert.Equal(algorithm, parsed.Algorithm);
        Assert.Equal(DtlsFingerprint.GetHashLength(algorithm), parsed.Value.Length);
    }

    [Theory]
    [InlineData(DtlsHashAlgorithm.Sha1)]
    [InlineData(DtlsHashAlgorithm.Sha256)]
    [InlineData(DtlsHashAlgorithm.Sha384)]
    [InlineData(DtlsHashAlgorithm.Sha512)]
    public void Format_then_parse_round_trips(DtlsHashAlgorithm algorithm)
    {
        byte[] value = new byte[DtlsFingerprint.GetHashLength(algorithm)];
        new Random(7).NextBytes(value);
        var fingerprint = new DtlsFingerprint(algorithm, value);

        Assert.True(DtlsFingerprint.TryParse(fingerprint.ToString(), out DtlsFingerprint? parsed));
        Assert.Equal(fingerprint, parsed);
        Assert.Equal(fingerprint.GetHashCode(), parsed.GetHashCode());
        Assert.Equal(value, parsed.Value.ToArray());
    }

    [Fact]
    public void Parse_accepts_any_case_and_surrounding_whitespace()
    {
        string canonical = DtlsFingerprint.Compute(DtlsHashAlgorithm.Sha256, "x"u8).ToString();
        string sloppy = "  SHA-256\t" + canonical["sha-256 ".Length..].ToLowerInvariant() + " ";

        Assert.True(DtlsFingerprint.TryParse(sloppy, out DtlsFingerprint? parsed));
        Assert.Equal(canonical, parsed.ToString());
    }

    [Fact]
    public void Compute_matches_SHA256_of_the_certificate_DER()
    {
        using DtlsCertificate certificate = DtlsCertificate.Generate();

        byte[] expected = SHA256.HashData(certificate.Der.Span);

        Assert.Equal(expected, DtlsFingerprint.Compute(DtlsHashAlgorithm.Sha256, certificate.Der.Span).Value.ToArray());
        Assert.Equal(expected, certificate.Fingerprint.Value.ToArray());
        Assert.Equal(DtlsHashAlgorithm.Sha256, certificate.Fingerprint.Algorithm);
        Assert.True(certificate.Fingerprint.Matches(certificate.Der.Span));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("sha-256")]
    [InlineData("sha-256 ")]
    [InlineData("md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF")] // not an RFC 8122 hash for WebRTC
    [InlineData("sha256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD")]
    [InlineData("sha-256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15")] // 31 bytes
    [InlineData("sha-256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD:00")] // 33 bytes
    [InlineData("sha-1 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD")] // sha-256 length under sha-1
    [InlineData("sha-256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AG")] // bad hex
    [InlineData("sha-256 BA-78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD")] // bad separator
    [InlineData("sha-256 BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015ADBA7816BF8F01CFEA414")] // no colons
    [InlineData("sha-1 A:999:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D")] // misplaced colon
    public void Malformed_values_are_rejected(string? value)
    {
        Assert.False(DtlsFingerprint.TryParse(value, out DtlsFingerprint? parsed));
        Assert.Null(parsed);
    }

    [Fact]
    public void Random_and_truncated_input_never_throws()
    {
        var random = new Random(8122);
        const string alphabet = "0123456789ABCDEFabcdefxyz:- \tsha";
        var text = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            text.Clear();
            text.Append(random.Next(3) switch { 0 => "sha-256 ", 1 => "sha-1 ", _ => string.Empty });
            int length = random.Next(0, 200);
            for (int j = 0; j < length; j++)
            {
                text.Append(alphabet[random.Next(alphabet.Length)]);
            }

            _ = DtlsFingerprint.TryParse(text.ToString(), out _);
        }

        string valid = DtlsFingerprint.Compute(DtlsHashAlgorithm.Sha512, "abc"u8).ToString();
        for (int length = 0; length < valid.Length; length++)
        {
            Assert.False(DtlsFingerprint.TryParse(valid[..length], out _));
        }
    }

    [Fact]
    public void Constructor_rejects_a_value_of_the_wrong_length()
    {
        Assert.Throws<ArgumentException>(() => new DtlsFingerprint(DtlsHashAlgorithm.Sha256, new byte[20]));
    }
}
