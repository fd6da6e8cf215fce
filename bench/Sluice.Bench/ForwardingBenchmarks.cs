using BenchmarkDotNet.Attributes;
using Sluice.Rtc.Srtp;
using Sluice.Rtc.Transport;
using Sluice.Sfu.Tests.Forwarding;

namespace Sluice.Bench;

/// <summary>
/// The node's forward path for one 1200-octet VP8 packet, with real sessions: a node on 127.0.0.1, one publisher
/// and N subscribers, each a real client (ICE, DTLS, SRTP) on its own UDP socket.
/// <list type="bullet">
/// <item><see cref="Forward"/>: the publisher transport's plain-RTP handler, called directly — parse, duplicate
/// check, retransmission cache, keyframe detection, fan-out, and per subscriber copy + rewrite + SRTP protect +
/// sendto. Per subscriber-packet cost = time / N.</item>
/// <item><see cref="UnprotectAndForward"/>: the same behind the publisher transport's SRTP unprotect
/// (<c>WebRtcTransport.ReceiveSrtp</c>, what the mux's receive loop calls); the packet is first protected with
/// the publisher client's own outbound context, so subtract <see cref="ClientProtect"/> for unprotect + forward.</item>
/// </list>
/// The subscriber clients' receive threads decrypt every packet on the same machine: on few cores they compete
/// with the forwarding thread, so these numbers are an upper bound for the node's own cost.
/// </summary>
[MemoryDiagnoser]
public class ForwardingBenchmarks
{
    private const int PacketLength = 1200;

    private ForwardingLoopback _loopback = null!;
    private WebRtcTransport _server = null!;
    private RtpPacketHandler _forward = null!;
    private SrtpContext _clientOutbound = null!;
    private byte[] _plain = null!;
    private byte[] _protected = null!;
    private readonly System.Net.SocketAddress _from = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9).Serialize();
    private ushort _sequence;
    private uint _timestamp;

    [Params(1, 10, 50)]
    public int Subscribers { get; set; }

    /// <summary>
    /// With it, every subscriber negotiated transport-wide CC: each packet is stamped with its session's sequence
    /// number, recorded by its bandwidth estimator (the subscribers' feedback comes back every 100 ms) and passes
    /// its pacer.
    /// </summary>
    [Params(false, true)]
    public bool CongestionControl { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Estimates far above what the benchmark drives into one subscriber (gigabits per second): the pacer lets every
        // packet through at once, as it does below its rate, and what is measured is its check, not its queue.
        _loopback = ForwardingLoopback.StartAsync(Subscribers, CongestionControl, maxSubscriberBitrate: 100_000_000_000).GetAwaiter().GetResult();
        _server = _loopback.ServerPublisherTransport;
        _forward = _server.RtpReceived ?? throw new InvalidOperationException("the publisher session set no RTP handler");

        // Nothing else protects with the client's outbound context: the publisher client sends no media of its own.
        var srtp = _loopback.Publisher.Transport.Srtp ?? throw new InvalidOperationException("the publisher client has no SRTP session");
        _clientOutbound = srtp.Outbound;

        // A keyframe start first, so every subscriber starts forwarding; then continuation packets.
        var keyframe = ForwardingLoopback.CreateVp8Packet(PacketLength, keyframeStart: true);
        ForwardingLoopback.SetSequenceAndTimestamp(keyframe, _sequence++, _timestamp);
        _forward(_server, keyframe.AsSpan(0, PacketLength));
        foreach (var track in _loopback.VideoSubscriptions)
        {
            if (track.PacketsSent != 1)
            {
                throw new InvalidOperationException("a subscriber did not start at the keyframe");
            }
        }

        _plain = ForwardingLoopback.CreateVp8Packet(PacketLength, keyframeStart: false);
        _protected = new byte[_plain.Length];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        long sent = 0;
        foreach (var track in _loopback.VideoSubscriptions)
        {
            sent += track.PacketsSent;
        }

        Console.WriteLine($"// forwarded: {_loopback.PublisherSession.PublishedTracks[0].PacketsReceived} publisher packets, {sent} subscriber packets");
        _loopback.Dispose();
    }

    [Benchmark]
    public void Forward()
    {
        ForwardingLoopback.SetSequenceAndTimestamp(_plain, _sequence++, _timestamp += 30);
        _forward(_server, _plain.AsSpan(0, PacketLength));
    }

    [Benchmark]
    public void UnprotectAndForward()
    {
        ForwardingLoopback.SetSequenceAndTimestamp(_plain, _sequence++, _timestamp += 30);
        _plain.AsSpan(0, PacketLength).CopyTo(_protected);
        _clientOutbound.ProtectRtp(_protected, PacketLength, out var length);
        _server.ReceiveSrtp(_protected.AsSpan(0, length), _from);
    }

    /// <summary>The client-side share of <see cref="UnprotectAndForward"/>: copy and protect only.</summary>
    [Benchmark]
    public int ClientProtect()
    {
        ForwardingLoopback.SetSequenceAndTimestamp(_plain, _sequence++, _timestamp += 30);
        _plain.AsSpan(0, PacketLength).CopyTo(_protected);
        _clientOutbound.ProtectRtp(_protected, PacketLength, out var length);
        return length;
    }
}
