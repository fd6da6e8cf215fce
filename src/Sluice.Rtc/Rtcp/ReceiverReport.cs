using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// RR: receiver report (RFC 3550 §6.4.2): the reporter's SSRC and up to 31 report blocks.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|    RC   |   PT=RR=201   |             length            |
/// |                     SSRC of packet sender                     |
/// |                 report blocks (RC × 24 bytes)                 |
/// </code>
/// </remarks>
public readonly ref struct ReceiverReport
{
    private readonly ReadOnlySpan<byte> _body;

    private ReceiverReport(ReadOnlySpan<byte> body, int reportCount)
    {
        _body = body;
        ReportCount = reportCount;
    }

    /// <summary>SSRC of the reporter.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>Number of report blocks.</summary>
    public int ReportCount { get; }

    /// <summary>Enumerates the report blocks.</summary>
    public ReportBlockEnumerator GetReportBlocks() => new(_body.Slice(4, ReportCount * ReportBlock.Length));

    /// <summary>Validates an RR: type and RC report blocks within the body. Never throws.</summary>
    public static bool TryParse(RtcpHeaderView packet, out ReceiverReport report)
    {
        report = default;
        if (packet.Packet.IsEmpty || packet.Type != RtcpPacketType.ReceiverReport || packet.Body.Length < 4 + (packet.CountOrFormat * ReportBlock.Length))
        {
            return false;
        }

        report = new ReceiverReport(packet.Body, packet.CountOrFormat);
        return true;
    }

    /// <summary>Writes an RR into <paramref name="destination"/>; returns its length.</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, ReadOnlySpan<ReportBlock> reports)
    {
        RtcpHeader.EnsureCount(reports.Length, 31, nameof(reports));
        int length = RtcpHeader.Length + 4 + (reports.Length * ReportBlock.Length);
        RtcpHeader.EnsureCapacity(destination, length);
        RtcpHeader.Write(destination, reports.Length, RtcpPacketType.ReceiverReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4), senderSsrc);
        for (int i = 0; i < reports.Length; i++)
        {
            reports[i].WriteTo(destination.Slice(8 + (i * ReportBlock.Length)));
        }

        return length;
    }
}
