namespace Sluice.Rtc.Transport;

/// <summary>Counters of the shared socket. Written by its receive loop, readable from any thread.</summary>
public sealed class UdpMuxStats
{
    internal long _datagramsReceived;
    internal long _datagramsSent;
    internal long _sendErrors;
    internal long _droppedUnclassified;
    internal long _droppedUnknownSource;
    internal long _droppedMalformedStun;
    internal long _droppedBySendFilter;
    internal long _handlerErrors;

    public long DatagramsReceived => Volatile.Read(ref _datagramsReceived);

    public long DatagramsSent => Volatile.Read(ref _datagramsSent);

    public long SendErrors => Volatile.Read(ref _sendErrors);

    /// <summary>First byte outside every RFC 7983 range we serve.</summary>
    public long DroppedUnclassified => Volatile.Read(ref _droppedUnclassified);

    /// <summary>DTLS or RTP from an address no ICE check has validated, or STUN for no known session.</summary>
    public long DroppedUnknownSource => Volatile.Read(ref _droppedUnknownSource);

    public long DroppedMalformedStun => Volatile.Read(ref _droppedMalformedStun);

    /// <summary>Outgoing datagrams a <see cref="UdpMux.SendFilter"/> held back.</summary>
    public long DroppedBySendFilter => Volatile.Read(ref _droppedBySendFilter);

    /// <summary>Exceptions escaping a session's packet handling: bugs, caught so the loop goes on. Should stay 0.</summary>
    public long HandlerErrors => Volatile.Read(ref _handlerErrors);

    public long Dropped => DroppedUnclassified + DroppedUnknownSource + DroppedMalformedStun;
}
