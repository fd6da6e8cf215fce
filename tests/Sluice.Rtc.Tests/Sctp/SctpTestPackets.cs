namespace Sluice.Rtc.Tests.Sctp;

/// <summary>SCTP packets written out byte by byte, with checksums that did not come from our <c>Crc32c</c>.</summary>
internal static class SctpTestPackets
{
    /// <summary>
    /// A DATA chunk built by hand. The checksum comes from a bit-at-a-time CRC32c (reflected polynomial 0x82F63B78),
    /// not from our <c>Crc32c</c>. The user data is 5 bytes, so 3 bytes of padding follow it (RFC 9260 §3.2).
    /// </summary>
    public static readonly byte[] HelloData =
    [
        0x13, 0x88,             // source port 5000
        0x13, 0x88,             // destination port 5000
        0x6A, 0x1B, 0x5C, 0x47, // verification tag 0x6A1B5C47
        0x48, 0x54, 0xA1, 0xD8, // checksum 0xD8A15448, least significant byte first
        0x00,                   // chunk type DATA
        0x03,                   // flags: B (first fragment) | E (last fragment)
        0x00, 0x15,             // chunk length 21 = 4 + 12 + 5, without padding
        0x2E, 0x1D, 0x4B, 0x02, // TSN 0x2E1D4B02
        0x00, 0x01,             // stream identifier 1
        0x00, 0x00,             // stream sequence number 0
        0x00, 0x00, 0x00, 0x33, // payload protocol identifier 51 (WebRTC string, RFC 8831 §8)
        0x68, 0x65, 0x6C, 0x6C, // "hell"
        0x6F, 0x00, 0x00, 0x00, // "o", then padding
    ];

    /// <summary>
    /// An INIT sent by a browser (usrsctp), checksummed by that stack. The bytes come from pion/sctp's
    /// <c>packet_test.go</c>. The chunk length (86) leaves out the last parameter's 2 bytes of padding, as
    /// RFC 9260 §3.2 asks, but the packet still carries them.
    /// </summary>
    public static readonly byte[] BrowserInit =
    [
        0x13, 0x88,             // source port 5000
        0x13, 0x88,             // destination port 5000
        0x00, 0x00, 0x00, 0x00, // verification tag 0: the packet carries INIT (RFC 9260 §8.5.1)
        0x81, 0x46, 0x9D, 0xFC, // checksum 0xFC9D4681, least significant byte first
        0x01,                   // chunk type INIT
        0x00,                   // flags
        0x00, 0x56,             // chunk length 86
        0x55, 0xB9, 0x64, 0xA5, // initiate tag 0x55B964A5
        0x00, 0x02, 0x00, 0x00, // advertised receiver window 131072
        0x04, 0x00,             // outbound streams 1024
        0x08, 0x00,             // inbound streams 2048
        0xE8, 0x6D, 0x10, 0x30, // initial TSN 0xE86D1030
        0xC0, 0x00, 0x00, 0x04, // Forward-TSN-Supported (RFC 3758 §3.1), length 4
        0x80, 0x08, 0x00, 0x09, // Supported Extensions (RFC 5061 §4.2.7), length 9:
        0xC0, 0x0F, 0xC1, 0x80, //   FORWARD-TSN, AUTH, ASCONF, ASCONF-ACK,
        0x82, 0x00, 0x00, 0x00, //   RE-CONFIG, then padding
        0x80, 0x02, 0x00, 0x24, // Random (RFC 4895 §3.1), length 36: 32 random bytes
        0x9F, 0xEB, 0xBB, 0x5C, 0x50, 0xC9, 0xBF, 0x75, 0x9C, 0xB1, 0x2C, 0x57, 0x4F, 0xA4, 0x5A, 0x51,
        0xBA, 0x60, 0x17, 0x78, 0x27, 0x94, 0x5C, 0x31, 0xE6, 0x5D, 0x5B, 0x09, 0x47, 0xE2, 0x22, 0x06,
        0x80, 0x04, 0x00, 0x06, // Requested HMAC Algorithm (RFC 4895 §3.3), length 6:
        0x00, 0x01, 0x00, 0x00, //   SHA-1, then padding
        0x80, 0x03, 0x00, 0x06, // Chunk List (RFC 4895 §3.2), length 6:
        0x80, 0xC1, 0x00, 0x00, //   ASCONF-ACK, ASCONF, then padding (outside the chunk length)
    ];
}
