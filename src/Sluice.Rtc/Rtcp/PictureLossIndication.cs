using System.Buffers.Binary;

namespace Sluice.Rtc.Rtcp;

/// <summary>
/// PLI (RFC 4585 §6.3.1): asks the media sender for a keyframe; no FCI.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|  FMT=1  |   PT=206      |          length=2             |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source                         |
/// </code>
/// </remarks>
public readonly ref struct PictureLossIndication
{
    /// <summary>A PLI is always 12 bytes.</summary>
    public const int Length = RtcpHeader.FeedbackHeaderLength;

    private PictureLossIndication(uint senderSsrc, uint mediaSsrc)
    {
        SenderSsrc = senderSsrc;
        MediaSsrc = mediaSsrc;
    }

    /// <summary>SSRC of the packet sender.</summary>
    public uint SenderSsrc { get; }

    /// <summary>SSRC of the media source that should send a keyframe.</summary>
    public uint MediaSsrc { get; }

    /// <summary>Validates a PLI: type, format and both SSRCs. Never throws.</summary>
    public static bool TryParse(RtcpHeaderView packet, out PictureLossIndication pli)
    {
        pli = default;
        if (packet.Packet.IsEmpty
            || packet.Type != RtcpPacketType.PayloadSpecificFeedback
            || packet.CountOrFormat != (byte)PayloadFeedbackFormat.PictureLossIndication
            || packet.Body.Length < 8)
        {
            return false;
        }

        pli = new PictureLossIndication(BinaryPrimitives.ReadUInt32BigEndian(packet.Body), BinaryPrimitives.ReadUInt32BigEndian(packet.Body.Slice(4)));
        return true;
    }

    /// <summary>Writes a PLI; returns its length (12).</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, uint mediaSsrc)
    {
        RtcpHeader.EnsureCapacity(destination, Length);
        RtcpHeader.WriteFeedback(destination, (int)PayloadFeedbackFormat.PictureLossIndication, RtcpPacketType.PayloadSpecificFeedback, Length, senderSsrc, mediaSsrc);
        return Length;
    }
}
