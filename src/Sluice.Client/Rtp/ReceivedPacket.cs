namespace Sluice.Client.Rtp;

/// <summary>
/// A packet released by <see cref="RtpReceiver"/> in sequence order. <paramref name="Discontinuity"/> is set when
/// packets before it were given up as lost (or the stream jumped), so a frame spanning the gap is incomplete.
/// </summary>
internal readonly record struct ReceivedPacket(long SequenceNumber, byte[] Packet, bool Discontinuity);
