namespace Sluice.Rtc.Transport;

/// <summary>Per-transport counters. Single writer per field (receive loop or sender), readable anywhere.</summary>
public sealed class TransportStats
{
    internal long _rtpReceived;
    internal long _rtcpReceived;
    internal long _rtpSent;
    internal long _rtcpSent;
    internal long _bytesReceived;
    internal long _bytesSent;
    internal long _srtpAuthenticationFailures;
    internal long _srtpReplays;
    internal long _srtpOtherErrors;
    internal long _droppedBeforeKeys;

    public long RtpReceived => Volatile.Read(ref _rtpReceived);

    public long RtcpReceived => Volatile.Read(ref _rtcpReceived);

    public long RtpSent => Volatile.Read(ref _rtpSent);

    public long RtcpSent => Volatile.Read(ref _rtcpSent);

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long SrtpAuthenticationFailures => Volatile.Read(ref _srtpAuthenticationFailures);

    public long SrtpReplays => Volatile.Read(ref _srtpReplays);

    /// <summary>Too short, malformed, or otherwise not unprotectable.</summary>
    public long SrtpOtherErrors => Volatile.Read(ref _srtpOtherErrors);

    /// <summary>SRTP that arrived before DTLS produced keys.</summary>
    public long DroppedBeforeKeys => Volatile.Read(ref _droppedBeforeKeys);
}
