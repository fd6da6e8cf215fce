using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// SR: sender report (RFC 3550 §6.4.1): sender info and up to 31 report blocks.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|    RC   |   PT=SR=200   |             length            |
/// |                         SSRC of sender                        |
/// |              NTP timestamp, most significant word             |
/// |             NTP timestamp, least significant word             |
/// |                         RTP timestamp                         |
/// |                     sender's packet count                     |
/// |                      sender's octet count                     |
/// |                 report blocks (RC × 24 bytes)                 |
/// </code>
/// </remarks>
public readonly ref struct SenderReport
{
    private const int SenderInfoLength = 24;

    private readonly ReadOnlySpan<byte> _body;

    private SenderReport(ReadOnlySpan<byte> body, int reportCount)
    {
        _body = body;
        ReportCount = reportCount;
    }

    /// <summary>SSRC of the sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>The 64-bit NTP timestamp (RFC 5905 format: seconds since 1900 in the high word).</summary>
    public ulong NtpTimestamp => BinaryPrimitives.ReadUInt64BigEndian(_body.Slice(4));

    /// <summary>The RTP timestamp matching <see cref="NtpTimestamp"/>.</summary>
    public uint RtpTimestamp => BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(12));

    /// <summary>Packets sent since the start of transmission.</summary>
    public uint PacketCount => BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(16));

    /// <summary>Payload octets sent since the start of transmission.</summary>
    public uint OctetCount => BinaryPrimitives.ReadUInt32BigEndian(_body.Slice(20));

    /// <summary>Number of report blocks.</summary>
    public int ReportCount { get; }

    /// <summary>Enumerates the report blocks.</summary>
    public ReportBlockEnumerator GetReportBlocks() => new(_body.Slice(SenderInfoLength, ReportCount * ReportBlock.Length));

    /// <summary>Validates an SR: type, sender info and RC report blocks within the body. Never throws.</summary>
    public static bool TryParse(RtcpHeaderView packet, out SenderReport report)
    {
        report = default;
        if (packet.Packet.IsEmpty || packet.Type != RtcpPacketType.SenderReport || packet.Body.Length < SenderInfoLength + (packet.CountOrFormat * ReportBlock.Length))
        {
            return false;
        }

        report = new SenderReport(packet.Body, packet.CountOrFormat);
        return true;
    }

    /// <summary>Writes an SR into <paramref name="destination"/>; returns its length.</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, ulong ntpTimestamp, uint rtpTimestamp, uint packetCount, uint octetCount, ReadOnlySpan<ReportBlock> reports)
    {
        RtcpHeader.EnsureCount(reports.Length, 31, nameof(reports));
        int length = RtcpHeader.Length + SenderInfoLength + (reports.Length * ReportBlock.Length);
        RtcpHeader.EnsureCapacity(destination, length);
        RtcpHeader.Write(destination, reports.Length, RtcpPacketType.SenderReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4), senderSsrc);
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(8), ntpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(16), rtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(20), packetCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(24), octetCount);
        for (int i = 0; i < reports.Length; i++)
        {
            reports[i].WriteTo(destination.Slice(28 + (i * ReportBlock.Length)));
        }

        return length;
    }
}
