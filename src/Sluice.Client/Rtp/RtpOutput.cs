namespace Sluice.Client.Rtp;

/// <summary>
/// Sends one plain RTP or RTCP packet in <paramref name="buffer"/>[..<paramref name="length"/>]; the buffer has
/// room after the packet for the SRTP tag and may be changed in place. False when it could not be sent.
/// </summary>
internal delegate bool RtpOutput(Span<byte> buffer, int length);
