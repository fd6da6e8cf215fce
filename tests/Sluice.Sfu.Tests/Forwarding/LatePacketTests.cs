using static Sluice.Sfu.Tests.Forwarding.ForwardingLoopback;

namespace Sluice.Sfu.Tests.Forwarding;

/// <summary>
/// A packet that reaches the node after later ones (reordered on the way, or the publisher's retransmission of a
/// packet lost before the node) while the subscriber gets only some temporal layers: the node has already numbered the
/// packets after it, dropping frames in between, so a late packet must take the number kept for it, not the one the
/// offset in force now would give (that number was already sent). Real clients over UDP on 127.0.0.1 on both sides.
/// </summary>
public sealed class LatePacketTests
{
    private const int PacketsPerFrame = 3;
    private const int PacketLength = 1000;

    [Fact]
    public async Task A_late_packet_takes_the_number_kept_for_it_and_one_of_a_dropped_layer_becomes_padding()
    {
        // Without bandwidth estimation: the test sets the allocation itself (encoding 1, TID 0 only).
        using var loopback = await StartAsync(subscriberCount: 1, congestionControl: false, simulcast: true);
        var subscriber = loopback.Subscribers[0];
        var subscription = Assert.Single(loopback.VideoSubscriptions);
        subscription.Allocate(1, 0);
        var encoding = new Vp8Encoding(1, sequenceNumber: 65_530, timestamp: 5_000, pictureId: 0x7FFE, tl0PicIdx: 255, temporalLayers: 3);

        // L1T3 from a keyframe: TID 0, 2, 1, 2, 0, ...; the subscriber gets frames 0, 4, 8 and 12.
        var frames = Enumerable.Range(0, 13).Select(i => encoding.NextFrame(keyframe: i == 0, PacketsPerFrame, PacketLength)).ToArray();
        void Send(byte[] packet) => Assert.True(loopback.Publisher.Transport.SendRtp(packet, PacketLength), "the publisher client refused to send");

        foreach (var packet in frames[0])
        {
            Send(packet);
        }

        await Until(() => subscriber.ReceivedVideo.Length == PacketsPerFrame, () => $"the keyframe ({subscriber.ReceivedVideo.Length} packets received)");

        // Held back: the middle of a dropped frame (TID 2), the start of a dropped frame (TID 1), the middle of a
        // forwarded one (TID 0); in between, whole frames are dropped, so the offset moves on.
        (int Frame, int Packet)[] held = [(1, 1), (2, 0), (4, 1)];
        for (var frame = 1; frame <= 8; frame++)
        {
            for (var packet = 0; packet < PacketsPerFrame; packet++)
            {
                if (!held.Contains((frame, packet)))
                {
                    Send(frames[frame][packet]);
                }
            }
        }

        await Until(() => subscriber.ReceivedVideo.Length == 3 * PacketsPerFrame - 1, () => $"frames 4 and 8 ({subscriber.ReceivedVideo.Length} packets received)");

        // Now the late ones, newest first, then more frames.
        Send(frames[4][1]);
        Send(frames[2][0]);
        Send(frames[1][1]);
        for (var frame = 9; frame < frames.Length; frame++)
        {
            foreach (var packet in frames[frame])
            {
                Send(packet);
            }
        }

        // Loopback keeps the order: once the last frame is in, so is everything sent before it.
        var keyframe = subscriber.ReceivedVideo[0];
        await Until(() => subscriber.ReceivedVideo.Count(p => p.Timestamp - keyframe.Timestamp == 12 * Vp8Encoding.FrameTicks) == PacketsPerFrame,
            () => $"the last frame ({subscriber.ReceivedVideo.Length} packets, {subscriber.ReceivedPadding.Length} padding received)");
        var media = subscriber.ReceivedVideo;
        var padding = Assert.Single(subscriber.ReceivedPadding);
        Assert.Equal(4 * PacketsPerFrame, media.Length);
        Assert.Equal(2, subscription.LatePackets);
        Assert.All(media, p => Assert.Equal(((byte)1, (int?)0), (p.Tag, p.TemporalId)));

        // One series: no number twice, none missing, in 16-bit serial arithmetic from the keyframe's first.
        var first = media[0].SequenceNumber;
        var numbers = media.Select(p => (ushort)(p.SequenceNumber - first)).Append((ushort)(padding.SequenceNumber - first)).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, numbers.Length).Select(n => (ushort)n), numbers);

        // The padding holds the place of frame 2's first packet (its timestamp, two frames after the keyframe); the
        // late packet of frame 4 sits between that frame's others, and the frames' PictureIDs and TL0PICIDX count one
        // by one across the dropped frames and the source's wraps.
        Assert.Equal(2 * Vp8Encoding.FrameTicks, padding.Timestamp - media[0].Timestamp);
        Assert.Equal(PacketsPerFrame, (ushort)(padding.SequenceNumber - first));
        var ordered = media.OrderBy(p => (ushort)(p.SequenceNumber - first)).ToArray();
        for (var i = 0; i < ordered.Length; i++)
        {
            var frame = i / PacketsPerFrame;
            var packet = ordered[i];
            Assert.Equal(((uint)frame * 4 * Vp8Encoding.FrameTicks, frame, frame, i % PacketsPerFrame == 0),
                (packet.Timestamp - media[0].Timestamp, (packet.PictureId!.Value - media[0].PictureId!.Value) & 0x7FFF,
                    (packet.Tl0PicIdx!.Value - media[0].Tl0PicIdx!.Value) & 0xFF, packet.FrameStart));
        }

        // Frame 4's middle packet arrived after frame 8: among what the subscriber received, it came after frame 8's.
        Assert.Equal(ordered[PacketsPerFrame + 1], media[3 * PacketsPerFrame - 1]);
    }
}
