namespace Sluice.Rtc.Rtcp;

/// <summary>
/// Appends RTCP packets into one compound datagram (RFC 3550 §6.1), e.g. SR + SDES CNAME, or feedback alone
/// (reduced-size, RFC 5506). A buffer too small is a programming error and throws <see cref="ArgumentException"/>.
/// </summary>
public ref struct RtcpWriter
{
    private readonly Span<byte> _buffer;

    /// <summary>Writes into <paramref name="buffer"/> from its start.</summary>
    public RtcpWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        Length = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public int Length { readonly get; private set; }

    /// <summary>The compound packet written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer.Slice(0, Length);

    private readonly Span<byte> Free => _buffer.Slice(Length);

    /// <summary>Appends an SR (RFC 3550 §6.4.1).</summary>
    public void WriteSenderReport(uint senderSsrc, ulong ntpTimestamp, uint rtpTimestamp, uint packetCount, uint octetCount, scoped ReadOnlySpan<ReportBlock> reports = default) =>
        Length += SenderReport.Write(Free, senderSsrc, ntpTimestamp, rtpTimestamp, packetCount, octetCount, reports);

    /// <summary>Appends an RR (RFC 3550 §6.4.2).</summary>
    public void WriteReceiverReport(uint senderSsrc, scoped ReadOnlySpan<ReportBlock> reports = default) =>
        Length += ReceiverReport.Write(Free, senderSsrc, reports);

    /// <summary>Appends an SDES with one CNAME item (RFC 3550 §6.5.1), given as UTF-8.</summary>
    public void WriteSdesCname(uint ssrc, scoped ReadOnlySpan<byte> cname) =>
        Length += SourceDescription.WriteCname(Free, ssrc, cname);

    /// <summary>Appends an SDES with one CNAME item (RFC 3550 §6.5.1), given as text.</summary>
    public void WriteSdesCname(uint ssrc, scoped ReadOnlySpan<char> cname) =>
        Length += SourceDescription.WriteCname(Free, ssrc, cname);

    /// <summary>Appends a BYE (RFC 3550 §6.6).</summary>
    public void WriteBye(scoped ReadOnlySpan<uint> ssrcs, scoped ReadOnlySpan<byte> reason = default) =>
        Length += Goodbye.Write(Free, ssrcs, reason);

    /// <summary>Appends a Generic NACK (RFC 4585 §6.2.1) for an ascending list of lost sequence numbers.</summary>
    public void WriteNack(uint senderSsrc, uint mediaSsrc, scoped ReadOnlySpan<ushort> lostSequenceNumbers) =>
        Length += GenericNack.Write(Free, senderSsrc, mediaSsrc, lostSequenceNumbers);

    /// <summary>Appends a PLI (RFC 4585 §6.3.1).</summary>
    public void WritePli(uint senderSsrc, uint mediaSsrc) =>
        Length += PictureLossIndication.Write(Free, senderSsrc, mediaSsrc);

    /// <summary>Appends a FIR (RFC 5104 §4.3.1).</summary>
    public void WriteFir(uint senderSsrc, scoped ReadOnlySpan<FirEntry> entries) =>
        Length += FullIntraRequest.Write(Free, senderSsrc, entries);

    /// <summary>Appends a REMB (draft-alvestrand-rmcat-remb).</summary>
    public void WriteRemb(uint senderSsrc, ulong bitrate, scoped ReadOnlySpan<uint> ssrcs) =>
        Length += Remb.Write(Free, senderSsrc, bitrate, ssrcs);

    /// <summary>
    /// Appends transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) for as many
    /// leading <paramref name="arrivals"/> as fit; returns how many were consumed.
    /// </summary>
    public int WriteTransportCc(uint senderSsrc, uint mediaSsrc, byte feedbackPacketCount, scoped ReadOnlySpan<TransportCcArrival> arrivals)
    {
        Length += TransportCcFeedback.Write(Free, senderSsrc, mediaSsrc, feedbackPacketCount, arrivals, out int consumed);
        return consumed;
    }
}
