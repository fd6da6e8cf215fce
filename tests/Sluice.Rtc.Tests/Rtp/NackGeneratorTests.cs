using Sluice.Rtc.Rtp;
using Sluice.Testing;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>When missing packets are asked for with Generic NACK (RFC 4585 §6.2.1), and when they are given up.</summary>
public sealed class NackGeneratorTests
{
    private readonly ManualTimeProvider _time = new();

    private NackGenerator Create(int capacity = 512) => new(_time, capacity)
    {
        ReorderDelay = TimeSpan.FromMilliseconds(10),
        RoundTripTime = TimeSpan.FromMilliseconds(50),
        MaxRetries = 3,
        MaxAge = TimeSpan.FromSeconds(1),
    };

    private ushort[] Tick(NackGenerator generator)
    {
        var due = new ushort[64];
        return due[..generator.Tick(_time.GetTimestamp(), due)];
    }

    private void Arrive(NackGenerator generator, params long[] sequenceNumbers)
    {
        foreach (var sequence in sequenceNumbers)
        {
            generator.OnPacket(sequence, _time.GetTimestamp());
        }
    }

    [Fact]
    public void A_gap_is_asked_for_after_the_reorder_delay_and_not_once_filled()
    {
        var generator = Create();
        Arrive(generator, 1, 2, 5, 6);
        Assert.Equal(2, generator.MissingCount);
        Assert.Empty(Tick(generator));

        _time.Advance(TimeSpan.FromMilliseconds(10));
        Arrive(generator, 3);
        Assert.Equal(new ushort[] { 4 }, Tick(generator));
    }

    [Fact]
    public void Ticks_repeat_requests_every_round_trip_without_any_packet_arriving()
    {
        var generator = Create();
        Arrive(generator, 1, 3);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(new ushort[] { 2 }, Tick(generator));

        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Empty(Tick(generator));
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(new ushort[] { 2 }, Tick(generator));

        // A measured round trip takes effect at once.
        generator.RoundTripTime = TimeSpan.FromMilliseconds(200);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Empty(Tick(generator));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(new ushort[] { 2 }, Tick(generator));

        // MaxRetries = 3: given up.
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Empty(Tick(generator));
        Assert.Equal(0, generator.MissingCount);
    }

    [Fact]
    public void A_packet_older_than_the_max_age_is_given_up()
    {
        var generator = Create();
        Arrive(generator, 1, 3);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(Tick(generator));
        Assert.Equal(0, generator.MissingCount);
    }

    [Fact]
    public void Requests_are_ascending_in_16_bits_across_the_wrap()
    {
        var generator = Create();
        Arrive(generator, 65533, 65537);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(new ushort[] { 65534, 65535, 0 }, Tick(generator));
    }

    [Fact]
    public void A_jump_larger_than_the_capacity_resets_instead_of_asking_for_all()
    {
        var generator = Create(capacity: 64);
        Arrive(generator, 1, 10_000);
        Assert.Equal(0, generator.MissingCount);
        Assert.Equal(1, generator.Resets);

        // The new position is the reference: the next gap is asked for as usual.
        Arrive(generator, 10_002);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(new ushort[] { 10_001 }, Tick(generator));
    }

    [Fact]
    public void Memory_is_bounded_the_oldest_missing_go_first()
    {
        var generator = Create(capacity: 8);
        Arrive(generator, 0, 6, 12);
        Assert.Equal(8, generator.MissingCount);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(new ushort[] { 3, 4, 5, 7, 8, 9, 10, 11 }, Tick(generator));
    }

    [Fact]
    public void Missing_before_the_first_packet_can_be_asked_for()
    {
        var generator = Create();
        generator.AddMissingBefore(100, 3, _time.GetTimestamp());
        Arrive(generator, 98);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(new ushort[] { 97, 99 }, Tick(generator));
    }

    [Fact]
    public void Arrivals_and_ticks_do_not_allocate()
    {
        var generator = Create();
        Span<ushort> due = stackalloc ushort[64];
        Arrive(generator, 0);
        generator.Tick(0, due);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i < 1000; i += 2)
        {
            generator.OnPacket(i, _time.GetTimestamp());
            _time.Advance(TimeSpan.FromMilliseconds(5));
            generator.Tick(_time.GetTimestamp(), due);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
