namespace Sluice.Rtc.Transport;

/// <summary>Sends one datagram toward a peer. Implementations copy or send before returning.</summary>
public delegate void DatagramSender(ReadOnlySpan<byte> datagram);

/// <summary>Receives one datagram (or one decrypted record). The span is valid only during the call.</summary>
public delegate void DatagramReceiver(ReadOnlySpan<byte> datagram);

/// <summary>True to send <paramref name="datagram"/> to <paramref name="remote"/>, false to drop it.</summary>
public delegate bool OutgoingFilter(ReadOnlySpan<byte> datagram, System.Net.SocketAddress remote);
