using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sluice.Rtc.Sdp;
using Sluice.Rtc.Tests.Sdp;
using Sluice.Testing;
using Xunit.Abstractions;

namespace Sluice.Rtc.Tests.Transport;

/// <summary>
/// The test relay on real loopback sockets: a fake node and a fake peer on either side, the rate the peer
/// actually receives, run-time rate changes, addressing both ways; and the candidate rewrite on real SDP.
/// </summary>
public sealed class RateLimitedUdpRelayTests(ITestOutputHelper output)
{
    private const int PacketSize = 1200;

    [Fact]
    public async Task Downlink_is_held_to_the_rate_and_the_excess_dropped()
    {
        using var node = Bind();
        await using var relay = RateLimitedUdpRelay.Start(LocalEndPoint(node), 2_000_000);
        using var peer = new Receiver();
        var forwarding = await Introduce(peer, node, relay);

        var start = Stopwatch.GetTimestamp();
        var sent = SendAt(node, forwarding, 8_000_000, TimeSpan.FromSeconds(2));
        var measuredByRelay = relay.DownlinkBitsPerSecondMeasured;
        await Until(() => relay.QueuedBytes == 0 && peer.Count == relay.PacketsForwarded, TimeSpan.FromSeconds(5));

        // The steady state: what arrived between 0.5 s and 2 s after the start, past the initial burst.
        var received = peer.BitsPerSecond(start, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2));
        output.WriteLine($"sent {sent} packets at 8 Mbit/s; received {received / 1e6:F3} Mbit/s (0.5-2 s), relay measured {measuredByRelay / 1e6:F3} Mbit/s; forwarded {relay.PacketsForwarded}, dropped {relay.PacketsDropped}");
        Assert.InRange(received, 1_600_000, 2_400_000);
        Assert.InRange(measuredByRelay, 1_600_000, 2_400_000);
        Assert.True(relay.PacketsDropped > sent / 2, $"dropped {relay.PacketsDropped} of {sent}");
        Assert.Equal(sent, relay.PacketsForwarded + relay.PacketsDropped);
        Assert.Equal(relay.PacketsForwarded * PacketSize, relay.BytesForwarded);
    }

    [Fact]
    public async Task Raising_the_rate_at_run_time_to_unlimited_lets_everything_through()
    {
        using var node = Bind();
        await using var relay = RateLimitedUdpRelay.Start(LocalEndPoint(node), 400_000);
        using var peer = new Receiver();
        var forwarding = await Introduce(peer, node, relay);

        var start = Stopwatch.GetTimestamp();
        var sentThin = SendAt(node, forwarding, 2_000_000, TimeSpan.FromSeconds(1.5));
        var thin = peer.BitsPerSecond(start, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.5));
        var measuredThin = relay.DownlinkBitsPerSecondMeasured;
        var dropped = relay.PacketsDropped;
        Assert.True(relay.QueuedBytes > 0);

        relay.DownlinkBitsPerSecond = 0;
        // The queue goes (it held at most 200 ms at the old rate; the wait allows for a busy machine).
        await Until(() => relay.QueuedBytes == 0 && peer.Count == sentThin - dropped, TimeSpan.FromSeconds(2));

        var before = peer.Count;
        var wideStart = Stopwatch.GetTimestamp();
        var sentWide = SendAt(node, forwarding, 8_000_000, TimeSpan.FromSeconds(1));
        // A second at 8 Mbit/s, all of it through within 2 s more (at the old 400 kbit/s it would take 20 s).
        await Until(() => peer.Count == before + sentWide, TimeSpan.FromSeconds(2));
        var wide = peer.BitsPerSecond(wideStart, TimeSpan.Zero, TimeSpan.FromSeconds(1));

        output.WriteLine($"400 kbit/s: received {thin / 1e3:F0} kbit/s (0.5-1.5 s), relay measured {measuredThin / 1e3:F0} kbit/s, dropped {dropped} of {sentThin}; unlimited: received {wide / 1e6:F3} Mbit/s of 8, dropped {relay.PacketsDropped - dropped}");
        Assert.InRange(thin, 320_000, 480_000);
        Assert.True(dropped > 0);
        Assert.Equal(dropped, relay.PacketsDropped);
    }

    [Fact]
    public async Task Uplink_reaches_the_target_and_the_downlink_follows_the_peers_address()
    {
        using var node = Bind();
        await using var relay = RateLimitedUdpRelay.Start(LocalEndPoint(node), 1_000_000);
        Assert.Equal(IPAddress.Loopback, relay.EndPoint.Address);
        Assert.Null(relay.PeerEndPoint);

        // Nothing to send to before the peer has spoken: dropped and counted.
        node.SendTo(new byte[10], relay.ForwardingEndPoint);
        await Until(() => relay.PacketsDropped == 1, TimeSpan.FromSeconds(2));

        using var first = Bind();
        first.SendTo("ping"u8.ToArray(), relay.EndPoint);
        var (payload, from) = await ReceiveAsync(node);
        Assert.Equal("ping"u8.ToArray(), payload);
        Assert.Equal(relay.ForwardingEndPoint, from);
        Assert.Equal(LocalEndPoint(first), relay.PeerEndPoint);
        Assert.Equal((1L, 4L), (relay.UplinkPacketsForwarded, relay.UplinkBytesForwarded));

        node.SendTo("pong"u8.ToArray(), from);
        (payload, from) = await ReceiveAsync(first);
        Assert.Equal("pong"u8.ToArray(), payload);
        Assert.Equal(relay.EndPoint, from);

        // The peer moves (a new socket, as after an ICE restart): the downlink follows its last source address.
        using var second = Bind();
        second.SendTo("ping2"u8.ToArray(), relay.EndPoint);
        (payload, from) = await ReceiveAsync(node);
        Assert.Equal("ping2"u8.ToArray(), payload);
        Assert.Equal(relay.ForwardingEndPoint, from);
        Assert.Equal(LocalEndPoint(second), relay.PeerEndPoint);
        node.SendTo("pong2"u8.ToArray(), from);
        (payload, _) = await ReceiveAsync(second);
        Assert.Equal("pong2"u8.ToArray(), payload);
        Assert.Equal((2L, 9L, 1L), (relay.PacketsForwarded, relay.BytesForwarded, relay.PacketsDropped));
    }

    [Fact]
    public async Task Uplink_can_be_limited_too()
    {
        using var node = Bind();
        await using var relay = RateLimitedUdpRelay.Start(LocalEndPoint(node), 0, uplinkBitsPerSecond: 1_000_000);
        using var peer = Bind();
        var received = 0;
        using var cancel = new CancellationTokenSource();
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[2048];
            while (!cancel.IsCancellationRequested)
            {
                try
                {
                    await node.ReceiveAsync(buffer, cancel.Token);
                    Interlocked.Increment(ref received);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        var sent = SendAt(peer, relay.EndPoint, 4_000_000, TimeSpan.FromSeconds(1));
        await Until(() => Volatile.Read(ref received) == relay.UplinkPacketsForwarded && relay.UplinkPacketsForwarded + relay.UplinkPacketsDropped == sent, TimeSpan.FromSeconds(3));
        await cancel.CancelAsync();
        await receiving;

        // About a second at 1 Mbit/s, plus the burst and the queue: well under half of what was sent.
        output.WriteLine($"uplink: sent {sent}, forwarded {relay.UplinkPacketsForwarded}, dropped {relay.UplinkPacketsDropped}");
        Assert.InRange(relay.UplinkBytesForwarded * 8, 1_000_000, 1_600_000);
    }

    [Fact]
    public async Task Disposing_closes_both_sockets_and_stops_promptly()
    {
        using var node = Bind();
        var relay = RateLimitedUdpRelay.Start(LocalEndPoint(node), 100_000);
        using var peer = new Receiver();
        var forwarding = await Introduce(peer, node, relay);
        for (var i = 0; i < 50; i++)
        {
            node.SendTo(new byte[PacketSize], forwarding); // a queue left waiting
        }

        var stopwatch = Stopwatch.StartNew();
        await relay.DisposeAsync();
        await relay.DisposeAsync();
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"took {stopwatch.Elapsed}");

        // Its port is free again.
        using var reuse = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        reuse.Bind(relay.EndPoint);
    }

    public static TheoryData<string> Descriptions => [ChromiumOffers.SendOnly, ChromiumOffers.DataChannel, "sluice-answer"];

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void PointCandidatesAt_leaves_one_host_candidate_at_the_relay_and_still_parses(string name)
    {
        var sdp = name == "sluice-answer" ? SluiceAnswer() : ChromiumOffers.Load(name);
        var relay = new IPEndPoint(IPAddress.Loopback, 40123);

        var rewritten = RateLimitedUdpRelay.PointCandidatesAt(sdp, relay);

        var original = SessionDescription.Parse(sdp);
        var parsed = SessionDescription.Parse(rewritten);
        Assert.Equal(rewritten, parsed.ToString());
        var expected = new IceCandidate("1", 1, "udp", 2130706431, "127.0.0.1", 40123, "host").ToString();
        Assert.Equal(original.Media.Count, parsed.Media.Count);
        for (var i = 0; i < parsed.Media.Count; i++)
        {
            var (before, after) = (original.Media[i], parsed.Media[i]);
            if (before.Candidates.Count == 0)
            {
                Assert.Empty(after.Candidates);
                Assert.Equal((before.Port, before.Connection), (after.Port, after.Connection));
                continue;
            }

            Assert.Equal([expected], after.Candidates.Select(c => c.ToString()));
            Assert.Equal(before.EndOfCandidates, after.EndOfCandidates);
            Assert.Equal((40123, "IN IP4 127.0.0.1"), (after.Port, after.Connection));
            Assert.Equal((before.Mid, before.IceUfrag, before.Codecs.Count), (after.Mid, after.IceUfrag, after.Codecs.Count));
        }

        // Only candidate, m= and c= lines change; rewriting again changes nothing.
        Assert.Contains("\r\na=candidate:1 1 udp 2130706431 127.0.0.1 40123 typ host\r\n", rewritten, StringComparison.Ordinal);
        Assert.Equal(
            sdp.Split("\r\n").Where(l => !l.StartsWith("a=candidate:", StringComparison.Ordinal) && !l.StartsWith("m=", StringComparison.Ordinal) && !l.StartsWith("c=", StringComparison.Ordinal)),
            rewritten.Split("\r\n").Where(l => !l.StartsWith("a=candidate:", StringComparison.Ordinal) && !l.StartsWith("m=", StringComparison.Ordinal) && !l.StartsWith("c=", StringComparison.Ordinal)));
        Assert.Equal(rewritten, RateLimitedUdpRelay.PointCandidatesAt(rewritten, relay));
    }

    [Fact]
    public void PointCandidatesAt_keeps_a_bundled_sections_port_0_and_plain_newlines()
    {
        const string sdp = "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\na=group:BUNDLE 0 1\n"
            + "m=audio 3478 UDP/TLS/RTP/SAVPF 111\nc=IN IP4 192.0.2.1\na=mid:0\na=candidate:1 1 udp 2130706431 192.0.2.1 3478 typ host\na=candidate:2 1 tcp 1518280447 192.0.2.1 443 typ host tcptype passive\na=end-of-candidates\na=rtpmap:111 opus/48000/2\n"
            + "m=video 0 UDP/TLS/RTP/SAVPF 96\nc=IN IP4 0.0.0.0\na=bundle-only\na=mid:1\na=rtpmap:96 VP8/90000\n";

        var rewritten = RateLimitedUdpRelay.PointCandidatesAt(sdp, new IPEndPoint(IPAddress.Loopback, 5000));

        Assert.Equal(
            "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\na=group:BUNDLE 0 1\n"
            + "m=audio 5000 UDP/TLS/RTP/SAVPF 111\nc=IN IP4 127.0.0.1\na=mid:0\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\na=end-of-candidates\na=rtpmap:111 opus/48000/2\n"
            + "m=video 0 UDP/TLS/RTP/SAVPF 96\nc=IN IP4 0.0.0.0\na=bundle-only\na=mid:1\na=rtpmap:96 VP8/90000\n",
            rewritten);
    }

    [NodeJsTheory]
    [MemberData(nameof(Descriptions))]
    public async Task CandidateRewriteJs_does_what_PointCandidatesAt_does(string name)
    {
        var sdp = name == "sluice-answer" ? SluiceAnswer() : ChromiumOffers.Load(name);
        foreach (var text in (string[])[sdp, sdp.Replace("\r\n", "\n", StringComparison.Ordinal)])
        {
            var script = RateLimitedUdpRelay.CandidateRewriteJs
                + $"\nprocess.stdout.write(pointCandidatesAt({System.Text.Json.JsonSerializer.Serialize(text)}, '127.0.0.1', 40123));\n";
            var start = new ProcessStartInfo(NodeJsTheoryAttribute.Path, "-")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            using var node = Process.Start(start)!;
            await node.StandardInput.WriteAsync(script);
            node.StandardInput.Close();
            var result = await node.StandardOutput.ReadToEndAsync();
            await node.WaitForExitAsync();

            Assert.Equal(0, node.ExitCode);
            Assert.Equal(RateLimitedUdpRelay.PointCandidatesAt(text, new IPEndPoint(IPAddress.Loopback, 40123)), result);
        }
    }

    /// <summary>A theory that runs the page-side JavaScript in Node.js, skipped where there is none.</summary>
    private sealed class NodeJsTheoryAttribute : TheoryAttribute
    {
        public const string Path = "/usr/bin/node";

        public NodeJsTheoryAttribute()
        {
            if (!File.Exists(Path))
            {
                Skip = $"Node.js not found at {Path}";
            }
        }
    }

    /// <summary>An answer as a Sluice node writes it (ICE-lite, two host candidates per section) to a Chromium offer.</summary>
    private static string SluiceAnswer()
    {
        var offer = SessionDescription.Parse(ChromiumOffers.Load(ChromiumOffers.RecvOnly));
        var options = new SdpAnswerOptions
        {
            IceUfrag = "srvU",
            IcePwd = "server-password-0123456789",
            Fingerprint = "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
            IceLite = true,
            Setup = DtlsSetup.Passive,
            Codecs = [SdpCodecCapability.Opus, SdpCodecCapability.VP8],
            Candidates =
            [
                new IceCandidate("1", 1, "udp", 2130706431, "192.0.2.1", 3478, "host"),
                new IceCandidate("2", 1, "udp", 2130706175, "198.51.100.7", 3478, "host"),
            ],
            EndOfCandidates = true,
        };
        Assert.True(SdpAnswerer.TryCreateAnswer(offer, options, out var answer, out var error), error);
        return answer!.ToString();
    }

    private static async Task Until(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"condition not met within {timeout.TotalMilliseconds} ms");
            await Task.Delay(10);
        }
    }

    private static Socket Bind()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static IPEndPoint LocalEndPoint(Socket socket) => (IPEndPoint)socket.LocalEndPoint!;

    private static async Task<(byte[] Payload, IPEndPoint From)> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[2048];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var result = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return (buffer[..result.ReceivedBytes], (IPEndPoint)result.RemoteEndPoint);
    }

    /// <summary>The peer speaks first, so the relay knows where the downlink goes; returns the relay's address as the node sees it.</summary>
    private static async Task<IPEndPoint> Introduce(Receiver peer, Socket node, RateLimitedUdpRelay relay)
    {
        peer.Socket.SendTo("hello"u8.ToArray(), relay.EndPoint);
        var (_, from) = await ReceiveAsync(node);
        return from;
    }

    /// <summary>Sends <see cref="PacketSize"/>-byte packets paced to <paramref name="bitsPerSecond"/> for <paramref name="duration"/>; returns how many.</summary>
    private static long SendAt(Socket socket, IPEndPoint to, long bitsPerSecond, TimeSpan duration)
    {
        var packet = new byte[PacketSize];
        var start = Stopwatch.GetTimestamp();
        long sent = 0;
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed >= duration)
            {
                return sent;
            }

            var due = (long)(elapsed.TotalSeconds * bitsPerSecond / 8 / PacketSize) + 1;
            for (; sent < due; sent++)
            {
                socket.SendTo(packet, to);
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>A peer socket that records when each packet arrived.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly ConcurrentQueue<(long Timestamp, int Length)> _arrivals = new();
        private readonly Thread _thread;

        public Receiver()
        {
            Socket = Bind();
            _thread = new Thread(Run) { IsBackground = true };
            _thread.Start();
        }

        public Socket Socket { get; }

        public long Count => _arrivals.Count;

        /// <summary>Bits per second received between <paramref name="from"/> and <paramref name="to"/> after <paramref name="start"/>.</summary>
        public long BitsPerSecond(long start, TimeSpan from, TimeSpan to)
        {
            long bytes = 0;
            foreach (var (timestamp, length) in _arrivals)
            {
                var at = Stopwatch.GetElapsedTime(start, timestamp);
                if (at >= from && at < to)
                {
                    bytes += length;
                }
            }

            return (long)(bytes * 8 / (to - from).TotalSeconds);
        }

        public void Dispose()
        {
            Socket.Dispose();
            _thread.Join(TimeSpan.FromSeconds(2));
        }

        private void Run()
        {
            var buffer = new byte[2048];
            while (true)
            {
                try
                {
                    var length = Socket.Receive(buffer);
                    _arrivals.Enqueue((Stopwatch.GetTimestamp(), length));
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        }
    }
}
