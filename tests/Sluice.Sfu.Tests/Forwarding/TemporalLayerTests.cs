using Sluice.Sfu.Forwarding;
using static Sluice.Sfu.Tests.Forwarding.ForwardingLoopback;

namespace Sluice.Sfu.Tests.Forwarding;

/// <summary>
/// Dropping VP8 temporal layers for one subscriber (issue 11: one encoding serves several rates): a publisher sends
/// L1T3 simulcast (TID 0, 2, 1, 2), the subscription is allocated the base layer, then everything. What the subscriber
/// receives is one stream throughout (sequence numbers one apart, PictureIDs one per picture, TL0PICIDX with no
/// gap), holds only TID 0 while limited and climbs back at a switch point; a NACK for a packet sent after frames were
/// dropped brings back that very packet. Real clients over UDP on 127.0.0.1 on both sides.
/// </summary>
public sealed class TemporalLayerTests
{
    [Fact]
    public async Task A_subscriber_limited_to_the_base_layer_gets_one_continuous_stream_and_climbs_back_at_a_switch_point()
    {
        // Without bandwidth estimation: the test sets the allocation itself.
        using var loopback = await StartAsync(subscriberCount: 1, congestionControl: false, simulcast: true);
        var subscriber = loopback.Subscribers[0];
        var subscription = Assert.Single(loopback.VideoSubscriptions);
        Vp8Encoding[] encodings =
        [
            new(0, sequenceNumber: 65_000, timestamp: 1_000, pictureId: 0x7FF0, tl0PicIdx: 250, temporalLayers: 3),
            new(1, sequenceNumber: 3_000, timestamp: 9_000, pictureId: 300, tl0PicIdx: 10, temporalLayers: 3),
            new(2, sequenceNumber: 30_000, timestamp: 90_000, pictureId: 9, tl0PicIdx: 100, temporalLayers: 3),
        ];
        subscription.Allocate(1, 0);
        var received = await LayerSwitchContinuityTests.SendWhileAsync(loopback, encodings, subscription, async () =>
        {
            // 40 frames of the base layer: 160 frames sent, three in four dropped (the publisher sends 30 a second).
            await Until(() => subscriber.ReceivedVideo.Count(p => p.FrameStart) >= 40,
                () => $"40 base-layer frames ({subscriber.ReceivedVideo.Length} packets received, {subscription.FramesDropped} frames dropped)");
            var limited = subscriber.ReceivedVideo;
            Assert.Equal(0, subscription.TemporalLayer);
            Assert.All(limited, p => Assert.Equal((byte)1, p.Tag));
            Assert.All(limited, p => Assert.Equal(0, p.TemporalId));
            Assert.True(subscription.FramesDropped >= 100, $"{subscription.FramesDropped} frames dropped");

            // A packet with many dropped frames before and after it: the NACK names our number, the node resends that
            // very packet (not the one of the source's numbering that our number would mean at today's offset).
            var asked = limited[limited.Length / 2];
            subscriber.SendNack(subscription.Ssrc, asked.SequenceNumber);
            await Until(() => subscriber.Retransmitted.Any(p => p.SequenceNumber == asked.SequenceNumber),
                () => $"the retransmission of {asked.SequenceNumber} ({subscriber.Retransmitted.Length} on the RTX stream)");
            var resent = subscriber.Retransmitted.First(p => p.SequenceNumber == asked.SequenceNumber);
            Assert.Equal((asked.Timestamp, asked.PictureId, asked.Tl0PicIdx, asked.FrameStart, asked.Tag, asked.TemporalId),
                (resent.Timestamp, resent.PictureId, resent.Tl0PicIdx, resent.FrameStart, resent.Tag, resent.TemporalId));

            // Everything again: the upper layers come back at a frame that references only what the subscriber has.
            subscription.Allocate(1);
            var before = limited.Length;
            await Until(() => subscriber.ReceivedVideo.Skip(before).Count(p => p.FrameStart && p.TemporalId == 2) >= 10,
                () => $"frames of TID 2 after the climb ({subscriber.ReceivedVideo.Length} packets received)");
        });

        LayerSwitchContinuityTests.AssertContinuous(received);

        // The climb happened at a switch point: the first frame above TID 0 has Y set (it references only TID 0,
        // which the subscriber has); the last TID 2 of each four, which references a TID 1 it never got, has not.
        var frames = received.Where(p => p.FrameStart).ToArray();
        var firstUpper = Array.FindIndex(frames, f => f.TemporalId > 0);
        Assert.True(firstUpper > 0, "no frame above the base layer after the climb");
        Assert.True(frames[firstUpper].LayerSync, $"the climb began at a TID {frames[firstUpper].TemporalId} frame without Y");
        Assert.Equal(Subscription.AllTemporal, subscription.TemporalLayer);
    }

    [Fact]
    public async Task A_packet_nacked_again_and_again_is_resent_once_per_round_trip_and_at_most_three_times()
    {
        // A receiver behind a full queue asks for the same packets every round trip; resending each time fills the
        // queue further. Without an estimator (so no measured round trip) resends of one packet are 100 ms apart.
        using var loopback = await StartAsync(subscriberCount: 1, congestionControl: false, simulcast: true);
        var subscriber = loopback.Subscribers[0];
        var subscription = Assert.Single(loopback.VideoSubscriptions);
        Vp8Encoding[] encodings =
        [
            new(0, sequenceNumber: 100, timestamp: 1_000, pictureId: 10, tl0PicIdx: 1, temporalLayers: 3),
            new(1, sequenceNumber: 200, timestamp: 9_000, pictureId: 20, tl0PicIdx: 2, temporalLayers: 3),
            new(2, sequenceNumber: 300, timestamp: 90_000, pictureId: 30, tl0PicIdx: 3, temporalLayers: 3),
        ];
        subscription.Allocate(1);
        await LayerSwitchContinuityTests.SendWhileAsync(loopback, encodings, subscription, async () =>
        {
            await Until(() => subscriber.ReceivedVideo.Length >= 20, () => $"20 packets ({subscriber.ReceivedVideo.Length} received)");
            var asked = subscriber.ReceivedVideo[10].SequenceNumber;
            int Resent() => subscriber.Retransmitted.Count(p => p.SequenceNumber == asked);

            // Five NACKs at once: one resend.
            for (var i = 0; i < 5; i++)
            {
                subscriber.SendNack(subscription.Ssrc, asked);
            }

            await Until(() => Resent() == 1, () => $"the first resend ({Resent()} so far)");
            await Task.Delay(50);
            Assert.Equal(1, Resent());
            Assert.True(subscription.ResendsRefused >= 4, $"{subscription.ResendsRefused} NACKs refused");

            // A round trip later, again; twice more at most.
            for (var round = 2; round <= 5; round++)
            {
                await Task.Delay(150);
                subscriber.SendNack(subscription.Ssrc, asked);
                await Task.Delay(100);
                Assert.Equal(Math.Min(round, 3), Resent());
            }
        });
    }
}
