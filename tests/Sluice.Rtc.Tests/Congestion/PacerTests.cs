using Sluice.Rtc.Congestion;

namespace Sluice.Rtc.Tests.Congestion;

/// <summary>The pacer on a simulated clock: bursts spread at the rate, order kept, audio first, limits and drops.</summary>
public sealed class PacerTests
{
    private const long Ms = 1_000;

    [Fact]
    public void Without_a_rate_every_packet_leaves_at_once()
    {
        var pacer = new Pacer();
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(pacer.TryTake(0, 1_200));
        }

        Assert.Equal(0, pacer.QueuedTotal);
    }

    [Fact]
    public void A_keyframe_burst_leaves_at_the_pacing_rate_in_order()
    {
        // 1 Mbit/s: 125 bytes a millisecond. A burst of 60 packets of 1,000 bytes arrives at once.
        var pacer = new Pacer { Rate = 1_000_000 };
        var leftAt = new List<(long At, int Id)>();
        var waiting = new Queue<int>();
        for (var id = 0; id < 60; id++)
        {
            var packet = Packet(id, 1_000);
            if (pacer.TryTake(0, packet.Length))
            {
                leftAt.Add((0, id));
            }
            else
            {
                Assert.True(pacer.Enqueue(packet));
                waiting.Enqueue(id);
            }
        }

        // At once: what the 5 ms burst allows (at least one packet), no more.
        Assert.InRange(leftAt.Count, 1, 2);
        Assert.Equal(60 - leftAt.Count, pacer.QueuedPackets);

        var destination = new byte[2_000];
        for (long now = 0; now <= 2_000 * Ms && pacer.QueuedPackets > 0; now += Ms)
        {
            int length;
            while ((length = pacer.Dequeue(now, destination)) > 0)
            {
                Assert.Equal(1_000, length);
                leftAt.Add((now, destination[0] | (destination[1] << 8)));
            }
        }

        // Everything left, in the order it came, and the last left when 60 kB at 1 Mbit/s (480 ms) had passed.
        Assert.Equal(Enumerable.Range(0, 60), leftAt.Select(p => p.Id));
        Assert.InRange(leftAt[^1].At, 460 * Ms, 500 * Ms);

        // Spread: no 50 ms window holds more than the rate's share (6.25 kB) and a packet's slack.
        for (var i = 0; i < leftAt.Count; i++)
        {
            var inWindow = leftAt.Count(p => p.At >= leftAt[i].At && p.At < leftAt[i].At + (50 * Ms));
            Assert.True(inWindow <= 8, $"{inWindow} packets within 50 ms from {leftAt[i].At / Ms} ms");
        }
    }

    [Fact]
    public void Audio_charged_at_once_delays_the_video_that_waits()
    {
        var pacer = new Pacer { Rate = 800_000 }; // 100 bytes a millisecond
        while (pacer.TryTake(0, 1_000))
        {
        }

        Assert.True(pacer.Enqueue(Packet(1, 1_000)));
        var video = pacer.NextDueAt(0);
        Assert.True(video > 0);

        // An audio packet leaves without waiting; the video behind it waits that much longer (200 bytes: 2 ms).
        pacer.Charge(0, 200);
        var delayed = pacer.NextDueAt(0);
        Assert.Equal(video + (2 * Ms), delayed);

        var destination = new byte[2_000];
        Assert.Equal(0, pacer.Dequeue(delayed - Ms, destination));
        Assert.Equal(1_000, pacer.Dequeue(delayed, destination));
    }

    [Fact]
    public void A_queue_longer_than_half_a_second_drains_faster_than_the_rate()
    {
        // 100 kbit/s, and 40 packets of 1,200 bytes waiting: 3.8 s at the rate; the queue's limit says 0.5 s.
        var pacer = new Pacer { Rate = 100_000 };
        var destination = new byte[2_000];
        var sent = 0;
        for (var i = 0; i < 40; i++)
        {
            if (pacer.TryTake(0, 1_200))
            {
                sent++;
            }
            else
            {
                Assert.True(pacer.Enqueue(Packet(i, 1_200)));
            }
        }

        long now = 0;
        while (pacer.QueuedPackets > 0)
        {
            now += Ms;
            while (pacer.Dequeue(now, destination) > 0)
            {
                sent++;
            }
        }

        Assert.Equal(40, sent);
        Assert.InRange(now, 300 * Ms, 700 * Ms);
    }

    [Fact]
    public void A_full_queue_drops_and_counts_and_the_ring_wraps_without_losing_order()
    {
        var pacer = new Pacer(capacity: 10_000) { Rate = 1_000_000 };
        Assert.True(pacer.TryTake(0, 1_000));
        var enqueued = 0;
        while (pacer.Enqueue(Packet(enqueued, 1_000)))
        {
            enqueued++;
        }

        Assert.Equal(9, enqueued); // 9 × (1,000 + 2) fits in 10,000 bytes; the tenth does not
        Assert.Equal(1, pacer.Dropped);

        // Round and round: take two, offer two of other sizes, many times; what was accepted leaves in order across
        // every wrap of the ring (about one in six rounds).
        var accepted = new Queue<int>(Enumerable.Range(0, enqueued));
        var destination = new byte[2_000];
        long now = 0;
        var id = enqueued;
        for (var round = 0; round < 200; round++)
        {
            for (var taken = 0; taken < 2;)
            {
                now += Ms;
                if (pacer.Dequeue(now, destination) > 0)
                {
                    Assert.Equal(accepted.Dequeue(), destination[0] | (destination[1] << 8));
                    taken++;
                }
            }

            foreach (var length in (int[])[700 + (round % 3 * 150), 600 + (round % 5 * 60)])
            {
                if (pacer.Enqueue(Packet(id, length)))
                {
                    accepted.Enqueue(id);
                }

                id++;
            }
        }

        while (pacer.QueuedPackets > 0)
        {
            now += Ms;
            if (pacer.Dequeue(now, destination) > 0)
            {
                Assert.Equal(accepted.Dequeue(), destination[0] | (destination[1] << 8));
            }
        }

        Assert.Empty(accepted);
        Assert.Equal(0, pacer.QueuedBytes);
        Assert.Equal(1, pacer.Dropped); // only the tenth of the first fill: what leaves makes room for what comes
    }

    private static byte[] Packet(int id, int length)
    {
        var packet = new byte[length];
        packet[0] = (byte)id;
        packet[1] = (byte)(id >> 8);
        return packet;
    }
}
