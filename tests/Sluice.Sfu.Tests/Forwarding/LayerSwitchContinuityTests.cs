using Sluice.Sfu.Forwarding;
using static Sluice.Sfu.Tests.Forwarding.ForwardingLoopback;

namespace Sluice.Sfu.Tests.Forwarding;

/// <summary>
/// Issue 11's continuity check at the node: a publisher sends three VP8 simulcast encodings (SSRC-signalled, each
/// with its own sequence-number, timestamp, PictureID and TL0PICIDX series) at 30 frames per second, the subscriber's
/// section is pinned to another encoding twenty times, and what the subscriber received must read as one stream:
/// sequence numbers one apart, timestamps, PictureIDs and TL0PICIDX never going back, every switch at a keyframe.
/// Real clients over UDP on 127.0.0.1 on both sides.
/// </summary>
public sealed class LayerSwitchContinuityTests
{
    private const int Switches = 20;
    private const int PacketsPerFrame = 3;
    private const int PacketLength = 1000;

    // A keyframe on each encoding this often even unasked: a fallback should a request not get through.
    private const int KeyframeInterval = 30;

    // Frames of the new encoding the subscriber must have before the next switch.
    private const int FramesAfterSwitch = 3;

    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(33);

    [Fact]
    public async Task Twenty_forced_switches_keep_sequence_numbers_timestamps_and_vp8_picture_ids_continuous()
    {
        // Without bandwidth estimation: the pin alone chooses the layer, and no probes share the path with the media.
        using var loopback = await StartAsync(subscriberCount: 1, congestionControl: false, simulcast: true);
        var subscriber = loopback.Subscribers[0];
        var subscription = Assert.Single(loopback.VideoSubscriptions);
        Assert.Equal(SimulcastEncodings, subscription.Source!.Encodings.Length);

        // Every encoding starts its series elsewhere, near a wrap for some: sequence numbers (16 bits), PictureID
        // (15 bits) and TL0PICIDX (8 bits) wrap while forwarded.
        Vp8Encoding[] encodings =
        [
            new(0, sequenceNumber: 17_001, timestamp: 3_000_000_000, pictureId: 12_345, tl0PicIdx: 40),
            new(1, sequenceNumber: 41_234, timestamp: 123_456, pictureId: 0x7FF0, tl0PicIdx: 200),
            new(2, sequenceNumber: 0xFFE0, timestamp: 0xFFFF_0000, pictureId: 77, tl0PicIdx: 0xF8),
        ];

        subscription.Pin(0);
        var received = await SendWhileAsync(loopback, encodings, subscription, async () =>
        {
            await Until(() => subscription.ForwardedEncoding?.Index == 0 && subscriber.ReceivedVideo.Length >= FramesAfterSwitch * PacketsPerFrame,
                () => $"the subscriber to start on encoding 0 ({subscriber.ReceivedVideo.Length} packets received)");
            for (var i = 1; i <= Switches; i++)
            {
                var target = i % SimulcastEncodings;
                subscription.Pin(target);
                await Until(() => subscription.ForwardedEncoding?.Index == target,
                    () => $"switch {i} to encoding {target} (forwarding {subscription.ForwardedEncoding?.Index}, {subscription.LayerSwitches} switches)");
                var sentAtSwitch = subscription.PacketsSent;
                await Until(() => subscriber.ReceivedVideo.Length >= sentAtSwitch + FramesAfterSwitch * PacketsPerFrame,
                    () => $"frames of encoding {target} after switch {i} ({subscriber.ReceivedVideo.Length} packets received, {subscription.PacketsSent} sent)");
            }
        });

        Assert.True(subscription.LayerSwitches >= Switches, $"{subscription.LayerSwitches} layer switches");
        Assert.All(received, p => Assert.Equal(subscription.Ssrc, p.Ssrc));
        AssertContinuous(received);

        // The encodings followed one another as pinned, each from a keyframe.
        var order = new List<int> { received[0].Tag };
        Assert.True(received[0].KeyframeStart, "the subscriber did not start at a keyframe");
        for (var i = 1; i < received.Length; i++)
        {
            if (received[i].Tag != received[i - 1].Tag)
            {
                order.Add(received[i].Tag);
                Assert.True(received[i].KeyframeStart, $"packet {i}: the switch from encoding {received[i - 1].Tag} to {received[i].Tag} is not at a keyframe start");
            }
        }

        Assert.Equal(Enumerable.Range(0, Switches + 1).Select(i => i % SimulcastEncodings), order);
    }

    /// <summary>
    /// Runs the simulcast publisher (<see cref="SendAsync"/>, answering the node's keyframe requests) while
    /// <paramref name="during"/> runs, then stops it and returns every VP8 packet the subscriber of
    /// <paramref name="subscription"/> received, once all that the node sent has arrived (loopback loses nothing).
    /// </summary>
    internal static async Task<ReceivedVp8Packet[]> SendWhileAsync(ForwardingLoopback loopback, Vp8Encoding[] encodings, Subscription subscription, Func<Task> during)
    {
        // Keyframe requests (PLI) arrive on the publisher client's receive thread; the sender answers on its next frame.
        var requested = new int[SimulcastEncodings];
        loopback.Publisher.KeyframeRequested = ssrc =>
        {
            if (Array.FindIndex(encodings, e => e.Ssrc == ssrc) is >= 0 and var index)
            {
                Volatile.Write(ref requested[index], 1);
            }
        };

        using var stop = new CancellationTokenSource();
        var sending = SendAsync(loopback, encodings, requested, stop.Token);
        try
        {
            await during();
        }
        finally
        {
            // A sender that failed shows here, rather than the timeout it caused.
            await stop.CancelAsync();
            await sending;
        }

        var subscriber = loopback.Subscribers[0];
        await Until(() => subscriber.ReceivedVideo.Length == subscription.PacketsSent,
            () => $"the last packets ({subscriber.ReceivedVideo.Length} received of {subscription.PacketsSent} sent)");
        return subscriber.ReceivedVideo;
    }

    /// <summary>
    /// The stream's own numbering is one series: sequence numbers one apart; within a frame the timestamp, PictureID
    /// and TL0PICIDX stay; from one frame to the next the timestamp goes forward, the PictureID by one and TL0PICIDX
    /// by at most one (serial arithmetic in 32, 15 and 8 bits: every series here wraps somewhere).
    /// </summary>
    internal static void AssertContinuous(ReceivedVp8Packet[] received)
    {
        for (var i = 1; i < received.Length; i++)
        {
            var (previous, packet) = (received[i - 1], received[i]);
            var where = $"packet {i} (encoding {previous.Tag} to {packet.Tag})";
            Assert.True((ushort)(packet.SequenceNumber - previous.SequenceNumber) == 1,
                $"{where}: sequence number {previous.SequenceNumber} then {packet.SequenceNumber}");
            Assert.True(packet.PictureId is not null && previous.PictureId is not null, $"{where}: no PictureID");
            Assert.True(packet.Tl0PicIdx is not null && previous.Tl0PicIdx is not null, $"{where}: no TL0PICIDX");
            var timestampStep = (int)(packet.Timestamp - previous.Timestamp);
            var pictureStep = (packet.PictureId!.Value - previous.PictureId!.Value) & 0x7FFF;
            var tl0Step = (packet.Tl0PicIdx!.Value - previous.Tl0PicIdx!.Value) & 0xFF;
            if (packet.FrameStart)
            {
                Assert.True(timestampStep > 0, $"{where}: a new frame's timestamp {packet.Timestamp} after {previous.Timestamp}");
                Assert.True(pictureStep == 1, $"{where}: PictureID {previous.PictureId} then {packet.PictureId} for a new frame");
                Assert.True(tl0Step <= 1, $"{where}: TL0PICIDX {previous.Tl0PicIdx} then {packet.Tl0PicIdx} for a new frame");
            }
            else
            {
                Assert.True(timestampStep == 0, $"{where}: timestamp {previous.Timestamp} then {packet.Timestamp} within a frame");
                Assert.True(pictureStep == 0, $"{where}: PictureID {previous.PictureId} then {packet.PictureId} within a frame");
                Assert.True(tl0Step == 0, $"{where}: TL0PICIDX {previous.Tl0PicIdx} then {packet.Tl0PicIdx} within a frame");
            }
        }
    }

    /// <summary>
    /// The publisher: a frame of every encoding each <see cref="FrameInterval"/>, the encodings one after another as
    /// a simulcast encoder sends them; a keyframe where one was asked for, and every <see cref="KeyframeInterval"/>
    /// frames anyway.
    /// </summary>
    private static async Task SendAsync(ForwardingLoopback loopback, Vp8Encoding[] encodings, int[] requested, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(FrameInterval);
        for (var frame = 0; !stop.IsCancellationRequested; frame++)
        {
            foreach (var encoding in encodings)
            {
                var keyframe = frame % KeyframeInterval == 0 | Interlocked.Exchange(ref requested[encoding.Index], 0) != 0;
                foreach (var packet in encoding.NextFrame(keyframe, PacketsPerFrame, PacketLength))
                {
                    if (!loopback.Publisher.Transport.SendRtp(packet, PacketLength))
                    {
                        throw new InvalidOperationException("the publisher client refused to send");
                    }
                }
            }

            try
            {
                await timer.WaitForNextTickAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
