namespace Sluice.Rtc.Transport;

/// <summary>
/// What a datagram on the shared media port is, by its first byte (RFC 7983 §7):
/// <code>
///                 +----------------+
///                 |        [0..3] -+--> STUN
///                 |                |
///                 |      [16..19] -+--> ZRTP (not used: dropped)
///     packet -->  |      [20..63] -+--> DTLS
///                 |      [64..79] -+--> TURN channel (not used: dropped)
///                 |    [128..191] -+--> RTP/RTCP
///                 +----------------+
/// </code>
/// </summary>
public enum PacketKind
{
    Unknown,
    Stun,
    Dtls,
    Rtp,
}

public static class PacketClassifier
{
    public static PacketKind Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty)
        {
            return PacketKind.Unknown;
        }

        return datagram[0] switch
        {
            <= 3 => PacketKind.Stun,
            >= 20 and <= 63 => PacketKind.Dtls,
            >= 128 and <= 191 => PacketKind.Rtp,
            _ => PacketKind.Unknown,
        };
    }
}
