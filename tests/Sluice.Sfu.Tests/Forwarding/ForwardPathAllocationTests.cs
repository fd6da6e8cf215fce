using Sluice.Rtc.Transport;

namespace Sluice.Sfu.Tests.Forwarding;

/// <summary>
/// The forward path allocates nothing per packet: on the node's receive thread, from the publisher transport's
/// plain-RTP hand-off through parse, duplicate check, retransmission cache, keyframe detection, fan-out, the
/// per-subscriber rewrite, SRTP protect and send; and, when subscribers' estimates hold the node back, neither the
/// pacer's queueing nor its sending what waited. Real clients over UDP on 127.0.0.1 on both sides.
/// </summary>
public sealed class ForwardPathAllocationTests
{
    private const int Packets = 2_000;
    private const int WarmUp = 200;
    private const int PacketLength = 1200;
    private const int Subscribers = 3;
    private const long PacedEstimate = 3_000_000;

    // Packets in flight at most: well under what a default-sized socket buffer holds, so nothing is lost.
    private const int Window = 16;

    // Written only by the node's receive thread (inside the wrapper); read by the test after a Volatile read of _forwarded.
    private long _allocated;
    private int _forwarded;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Forwarding_to_three_subscribers_allocates_nothing_per_packet(bool paced)
    {
        // Paced: the subscribers' estimates are held at 3 Mbit/s, so the node sends no faster than 7.5 Mbit/s to
        // each and the packets the test sends faster wait in the pacers.
        using var loopback = await ForwardingLoopback.StartAsync(Subscribers, maxSubscriberBitrate: paced ? PacedEstimate : 1_000_000_000);
        var server = loopback.ServerPublisherTransport;
        var first = paced ? await PreRoll(loopback) : 0;
        var forward = server.RtpReceived ?? throw new InvalidOperationException("the publisher session set no RTP handler");

        // The pacers' sending, measured the same way: the node's receive loop also serves this sender, which has each
        // subscriber's downlink send what has fallen due (as the loop does for the downlinks themselves).
        var downlinks = loopback.Stream.Subscribers.Select(s => (IPacedSender)s.Downlink).ToArray();
        var estimators = loopback.Stream.Subscribers.Select(s => s.Downlink.Estimator!).ToArray();

        // Measured once warm: past the first packets, and (paced) a while after every subscriber's first probe
        // started, so its RTX stream's first packet, which sets up that stream's SRTP state, is behind us too.
        var warmFrom = paced ? int.MaxValue : WarmUp;
        bool Warm()
        {
            if (warmFrom == int.MaxValue && _forwarded >= WarmUp)
            {
                var probed = true;
                foreach (var estimator in estimators)
                {
                    probed &= estimator.ProbesStarted > 0;
                }

                warmFrom = probed ? _forwarded + WarmUp : int.MaxValue;
            }

            return _forwarded >= warmFrom;
        }

        var measuring = new MeasuringPacedSender(downlinks, Warm, () => Volatile.Read(ref _forwarded) < Packets);

        // Runs on the node's receive thread. The closure is allocated here, once; the wrapper itself
        // allocates nothing per call, so whatever is counted comes from the forward path.
        server.RtpReceived = (transport, packet) =>
        {
            if (_forwarded == 0)
            {
                transport.SchedulePacing(measuring);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            forward(transport, packet);
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (Warm())
            {
                _allocated += after - before;
            }

            Volatile.Write(ref _forwarded, _forwarded + 1);
        };

        var keyframe = ForwardingLoopback.CreateVp8Packet(PacketLength, keyframeStart: true);
        var delta = ForwardingLoopback.CreateVp8Packet(PacketLength, keyframeStart: false);
        for (var i = 0; i < Packets; i++)
        {
            // The first packet starts a keyframe, so every subscriber starts forwarding at once.
            // A copy each time: sending protects the buffer in place, and the next packet must carry plain VP8 again.
            var packet = (i == 0 ? keyframe : delta).ToArray();
            ForwardingLoopback.SetSequenceAndTimestamp(packet, (ushort)(first + 1000 + i), 90_000u + (uint)((first + i) / 10 * 3000));
            Assert.True(loopback.Publisher.Transport.SendRtp(packet, PacketLength), "the publisher client refused to send");
            await WaitForWindow(loopback, sent: i + 1);
        }

        await WaitFor(() => Volatile.Read(ref _forwarded) == Packets && loopback.Subscribers.All(s => s.RtpReceived == Packets),
            () => Describe(loopback));

        Assert.Equal(Packets, Volatile.Read(ref _forwarded));
        Assert.All(loopback.Subscribers, s => Assert.Equal(Packets, s.RtpReceived));
        Assert.All(loopback.VideoSubscriptions, t => Assert.Equal(Packets, t.PacketsSent));
        Assert.Equal(0, _allocated);
        Assert.Equal(0, measuring.Allocated);
        Assert.True(measuring.Calls > 0, "nothing measured: the subscribers were never probed");
        var queued = loopback.Stream.Subscribers.Select(s => s.Downlink.Pacer!.QueuedTotal).ToList();
        if (paced)
        {
            Assert.All(queued, q => Assert.True(q > Packets / 4, $"the pacers held back [{string.Join(", ", queued)}] packets"));
        }
        else
        {
            Assert.All(queued, q => Assert.Equal(0, q));
        }

        // The path measured is the congestion-controlled one: every packet stamped with a transport-wide sequence
        // number and recorded by the subscriber's estimator, whose feedback came back.
        Assert.All(loopback.Subscribers, s => Assert.True(s.FeedbacksSent > 0, "a subscriber sent no transport-cc feedback"));
        Assert.All(loopback.Stream.Subscribers, s => Assert.True(s.Downlink.Estimator?.FeedbacksReceived > 0, "the node took no feedback"));
    }

    /// <summary>
    /// Paced: the subscribers join a stream that already flows well above their estimates, as they would join a
    /// publisher that has sent for a while. Until a keyframe comes the node forwards them nothing, so no feedback
    /// comes back and no estimate is shared out; meanwhile the node measures the stream's rate over whole seconds.
    /// Without this, the first allocation could read the rate of the part of a second the stream had flowed, below
    /// the estimate, and skip the initial probe the measurement waits for. Returns the packets sent.
    /// </summary>
    private static async Task<int> PreRoll(ForwardingLoopback loopback)
    {
        var delta = ForwardingLoopback.CreateVp8Packet(PacketLength, keyframeStart: false);
        var encoding = loopback.Stream.FindTrack(MediaKind.Video)!.Encodings[0];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var sent = 0;
        while (encoding.Bitrate < 2 * PacedEstimate)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The node measured {encoding.Bitrate} bit/s after {sent} packets of pre-roll");
            }

            // 8 packets a millisecond or so: about 75 Mbit/s where the machine keeps up, still above the mark where it is busy.
            for (var i = 0; i < 8; i++, sent++)
            {
                var packet = delta.ToArray();
                ForwardingLoopback.SetSequenceAndTimestamp(packet, (ushort)(1000 + sent), 90_000u + (uint)(sent / 10 * 3000));
                Assert.True(loopback.Publisher.Transport.SendRtp(packet, PacketLength), "the publisher client refused to send");
            }

            await Task.Delay(1);
        }

        Assert.All(loopback.Subscribers, s => Assert.Equal(0, s.RtpReceived));
        return sent;
    }

    /// <summary>Lets the sender run at most <see cref="Window"/> packets ahead of the node and of every subscriber.</summary>
    private async Task WaitForWindow(ForwardingLoopback loopback, int sent)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Volatile.Read(ref _forwarded) < sent - Window || Slowest(loopback) < sent - Window)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Packets stopped flowing: " + Describe(loopback));
            }

            await Task.Delay(1);
        }
    }

    private static long Slowest(ForwardingLoopback loopback)
    {
        var slowest = long.MaxValue;
        foreach (var subscriber in loopback.Subscribers)
        {
            slowest = Math.Min(slowest, subscriber.RtpReceived);
        }

        return slowest;
    }

    private string Describe(ForwardingLoopback loopback) =>
        $"node forwarded {Volatile.Read(ref _forwarded)} of {Packets}; subscribers received [{string.Join(", ", loopback.Subscribers.Select(s => s.RtpReceived))}]; "
        + $"the node sent [{string.Join(", ", loopback.VideoSubscriptions.Select(s => $"{s.PacketsSent}{(s.PausedForBandwidth ? " paused" : "")}"))}], "
        + $"pacers hold [{string.Join(", ", loopback.Stream.Subscribers.Select(s => s.Downlink.Pacer?.QueuedPackets))}], "
        + $"keyframe requests {loopback.Stream.FindTrack(Sluice.Sfu.MediaKind.Video)!.Encodings[0].KeyframeRequests}, estimates [{string.Join(", ", loopback.Stream.Subscribers.Select(s => $"{s.Downlink.EstimatedBitrate} loss-limited {s.Downlink.Estimator!.LossLimited(Sluice.Rtc.Microseconds.Now(TimeProvider.System), 5_000_000)}"))}]";

    private static async Task WaitFor(Func<bool> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out: " + what());
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Has each downlink send what waits, counting what that allocates once <paramref name="counting"/> says so.</summary>
    private sealed class MeasuringPacedSender(IPacedSender[] downlinks, Func<bool> counting, Func<bool> running) : IPacedSender
    {
        public long Allocated { get; private set; }

        public long Calls { get; private set; }

        public bool PacingScheduled { get; set; }

        public bool Pace()
        {
            var measure = counting();
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var downlink in downlinks)
            {
                downlink.Pace();
            }

            if (measure)
            {
                Allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                Calls++;
            }

            return running();
        }
    }
}
