namespace Sluice.Client.Rtp;

/// <summary>The identity of one sent track: SSRC and payload type, and the RTX pair when negotiated (RFC 4588).</summary>
internal sealed record RtpSenderOptions(uint Ssrc, byte PayloadType, int ClockRate)
{
    public uint? RtxSsrc { get; init; }

    public byte? RtxPayloadType { get; init; }

    /// <summary>Random by default (RFC 3550 §5.1).</summary>
    public ushort InitialSequenceNumber { get; init; } = (ushort)Random.Shared.Next(0, 1 << 16);

    public ushort InitialRtxSequenceNumber { get; init; } = (ushort)Random.Shared.Next(0, 1 << 16);

    /// <summary>Packets kept for retransmission: a power of two, about a second of video at 8 Mbit/s.</summary>
    public int HistorySize { get; init; } = 1024;

    public bool UsesRtx => RtxSsrc is not null && RtxPayloadType is not null;
}
