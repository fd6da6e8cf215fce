using Sluice.Rtc.Rtp;

namespace Sluice.Rtc.Tests.Rtp;

/// <summary>Extended sequence numbers in the style of RFC 3550 Appendix A.1.</summary>
public class SequenceUnwrapperTests
{
    [Fact]
    public void CountsCyclesAcross65535To0()
    {
        var unwrapper = new SequenceUnwrapper();
        Assert.Equal(-1, unwrapper.Last);
        Assert.Equal(65534, unwrapper.Unwrap(65534));
        Assert.Equal(65535, unwrapper.Unwrap(65535));
        Assert.Equal(65536, unwrapper.Unwrap(0));
        Assert.Equal(65537, unwrapper.Unwrap(1));
        Assert.Equal(65537, unwrapper.Last);
    }

    [Fact]
    public void ReorderedPacketsAroundTheWrapKeepTheirCycle()
    {
        var unwrapper = new SequenceUnwrapper();
        Assert.Equal(65534, unwrapper.Unwrap(65534));
        Assert.Equal(65537, unwrapper.Unwrap(1));
        Assert.Equal(65535, unwrapper.Unwrap(65535)); // late, from the previous cycle
        Assert.Equal(65536, unwrapper.Unwrap(0));
        Assert.Equal(65538, unwrapper.Unwrap(2));
    }

    [Fact]
    public void ReorderingWithoutWrapAndRepeatedCycles()
    {
        var unwrapper = new SequenceUnwrapper();
        Assert.Equal(10, unwrapper.Unwrap(10));
        Assert.Equal(12, unwrapper.Unwrap(12));
        Assert.Equal(11, unwrapper.Unwrap(11));

        long expected = 11;
        for (int i = 0; i < 5 * 65536; i += 1000)
        {
            expected += 1000;
            Assert.Equal(expected, unwrapper.Unwrap((ushort)expected));
        }
    }

    [Fact]
    public void NeverGoesNegative()
    {
        var unwrapper = new SequenceUnwrapper();
        Assert.Equal(1, unwrapper.Unwrap(1));
        Assert.Equal(65535, unwrapper.Unwrap(65535));
    }
}
