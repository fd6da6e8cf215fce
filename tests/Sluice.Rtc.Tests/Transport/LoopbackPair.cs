using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Sluice.Rtc.Dtls;
using Sluice.Rtc.Ice;
using Sluice.Rtc.Srtp;
using Sluice.Testing;
using Sluice.Rtc.Transport;

namespace Sluice.Rtc.Tests.Transport;

/// <summary>
/// Our controlling client and our ICE-lite server, each on its own UDP socket on 127.0.0.1: the paired
/// loopback peers of the transport tests. Packets each side receives are copied into a queue.
/// </summary>
internal sealed class LoopbackPair : IDisposable
{
    private readonly bool _ownsServerMux;

    /// <param name="sharedServerMux">A server socket shared with other pairs; the pair does not dispose it.</param>
    public LoopbackPair(IReadOnlyList<SrtpProfile> serverProfiles, DtlsFingerprint? serverExpectsFingerprint = null, UdpMux? sharedServerMux = null)
    {
        _ownsServerMux = sharedServerMux is null;
        ServerMux = sharedServerMux ?? new UdpMux(new IPEndPoint(IPAddress.Loopback, 0));
        ClientMux = new UdpMux(new IPEndPoint(IPAddress.Loopback, 0));
        var serverIce = IceParameters.Generate();
        var clientIce = IceParameters.Generate();
        Server = new WebRtcTransport(ServerMux, new WebRtcTransportOptions
        {
            Certificate = ServerCertificate,
            LocalIce = serverIce,
            RemoteIce = clientIce,
            RemoteFingerprint = serverExpectsFingerprint ?? ClientCertificate.Fingerprint,
            IceRole = IceRole.Lite,
            DtlsRole = DtlsRole.Server,
            SrtpProfiles = serverProfiles,
        });
        Client = new WebRtcTransport(ClientMux, new WebRtcTransportOptions
        {
            Certificate = ClientCertificate,
            LocalIce = clientIce,
            RemoteIce = serverIce,
            RemoteFingerprint = ServerCertificate.Fingerprint,
            IceRole = IceRole.Controlling,
            DtlsRole = DtlsRole.Client,
        });
        Client.AddRemoteCandidate(ServerMux.LocalEndPoint);
        Server.RtpReceived = (_, packet) => ServerReceivedRtp.Enqueue(packet.ToArray());
        Server.RtcpReceived = (_, packet) => ServerReceivedRtcp.Enqueue(packet.ToArray());
        Client.RtpReceived = (_, packet) => ClientReceivedRtp.Enqueue(packet.ToArray());
        Client.RtcpReceived = (_, packet) => ClientReceivedRtcp.Enqueue(packet.ToArray());
    }

    public static DtlsCertificate ServerCertificate { get; } = DtlsCertificate.Generate();

    public static DtlsCertificate ClientCertificate { get; } = DtlsCertificate.Generate();

    public UdpMux ServerMux { get; }

    public UdpMux ClientMux { get; }

    public WebRtcTransport Server { get; }

    public WebRtcTransport Client { get; }

    public ConcurrentQueue<byte[]> ServerReceivedRtp { get; } = new();

    public ConcurrentQueue<byte[]> ServerReceivedRtcp { get; } = new();

    public ConcurrentQueue<byte[]> ClientReceivedRtp { get; } = new();

    public ConcurrentQueue<byte[]> ClientReceivedRtcp { get; } = new();

    public async Task ConnectAsync()
    {
        var serverConnected = Await.State(Server, TransportState.Connected);
        var clientConnected = Await.State(Client, TransportState.Connected);
        ServerMux.Start();
        ClientMux.Start();
        Server.Start();
        Client.Start();
        await Await.WithTimeout(Task.WhenAll(serverConnected, clientConnected), TimeSpan.FromSeconds(10), "both transports to connect");
    }

    /// <summary>Waits until <paramref name="queue"/> holds <paramref name="count"/> packets.</summary>
    public static async Task WaitForCount(ConcurrentQueue<byte[]> queue, int count, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (queue.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: {queue.Count} of {count} packets arrived.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>A plain RTP packet: 12-byte header and a payload derived from the sequence number.</summary>
    public static byte[] MakeRtp(uint ssrc, ushort sequenceNumber, int payloadLength = 200)
    {
        var packet = new byte[12 + payloadLength];
        packet[0] = 0x80;
        packet[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), sequenceNumber * 3000u);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        for (var i = 12; i < packet.Length; i++)
        {
            packet[i] = (byte)(sequenceNumber + i);
        }

        return packet;
    }

    /// <summary>A plain RTCP sender report (RFC 3550 §6.4.1) with no report blocks.</summary>
    public static byte[] MakeSenderReport(uint ssrc, uint packetCount)
    {
        var packet = new byte[28];
        packet[0] = 0x80;
        packet[1] = 200;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 6);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(packet.AsSpan(8), 0xE8A1_0000_8000_0000UL + packetCount);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), packetCount * 3000);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(20), packetCount);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(24), packetCount * 200);
        return packet;
    }

    /// <summary>Sends a plain packet through <paramref name="transport"/>, with room for the SRTP tag.</summary>
    public static void Send(WebRtcTransport transport, byte[] plain, bool rtcp)
    {
        var buffer = new byte[plain.Length + 64];
        plain.CopyTo(buffer, 0);
        var sent = rtcp ? transport.SendRtcp(buffer, plain.Length) : transport.SendRtp(buffer, plain.Length);
        Assert.True(sent, "the transport refused to send");
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        ClientMux.Dispose();
        if (_ownsServerMux)
        {
            ServerMux.Dispose();
        }
    }
}
