using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>The NACK responder's store (RFC 4585 §6.2.1): a bounded ring by sequence number.</summary>
public sealed class RetransmissionCacheTests
{
    [Fact]
    public void Holds_the_last_capacity_packets_by_sequence_number_across_the_wrap()
    {
        var cache = new RetransmissionCache(capacity: 4);
        for (var sequence = 65534; sequence < 65534 + 6; sequence++)
        {
            cache.Store((ushort)sequence, [(byte)sequence]);
        }

        // 65534 and 65535 were overwritten by 2 and 3, which share their slots.
        Assert.False(cache.TryGet(65534, out _));
        Assert.False(cache.TryGet(65535, out _));
        Assert.True(cache.TryGet(0, out var packet));
        Assert.Equal(new byte[] { 0 }, packet.ToArray());
        Assert.True(cache.TryGet(3, out packet));
        Assert.Equal(new byte[] { 3 }, packet.ToArray());
        Assert.False(cache.TryGet(4, out _));
    }

    [Fact]
    public void A_packet_larger_than_a_slot_is_not_kept_and_clear_forgets_all()
    {
        var cache = new RetransmissionCache(capacity: 2);
        cache.Store(1, new byte[RetransmissionCache.SlotSize + 1]);
        Assert.False(cache.TryGet(1, out _));

        cache.Store(2, [2]);
        cache.Clear();
        Assert.False(cache.TryGet(2, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetransmissionCache(3));
    }
}
