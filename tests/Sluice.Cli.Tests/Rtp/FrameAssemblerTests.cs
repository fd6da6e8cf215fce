using Sluice.Client.Rtp;
using Sluice.Media;

namespace Sluice.Cli.Tests.Rtp;

/// <summary>Frame assembly by timestamp and marker bit; frame/keyframe starts come from injected predicates.</summary>
public sealed class FrameAssemblerTests
{
    // The first payload byte tells the fake codec: 'K' keyframe start, 'F' frame start, anything else a continuation.
    private static FrameAssembler Video() => new(MediaCodec.VP8, video: true, (_, p) => p.Span[0] is (byte)'K' or (byte)'F', (_, p) => p.Span[0] == (byte)'K');

    private static ReceivedPacket Packet(ushort seq, uint timestamp, bool marker, char first, bool discontinuity = false)
    {
        var bytes = Packets.Rtp(seq, timestamp, marker: marker, payloadLength: 3);
        bytes[12] = (byte)first;
        return new ReceivedPacket(seq, bytes, discontinuity);
    }

    [Fact]
    public void Packets_OfOneTimestamp_EndAtTheMarker()
    {
        var assembler = Video();
        Assert.Null(assembler.Push(Packet(1, 3000, false, 'K')));
        Assert.Null(assembler.Push(Packet(2, 3000, false, 'x')));
        var frame = assembler.Push(Packet(3, 3000, true, 'y'));

        Assert.NotNull(frame);
        Assert.Equal(3000u, frame.Timestamp);
        Assert.True(frame.Keyframe);
        Assert.Equal("Kxy", string.Concat(frame.Payloads.Select(p => (char)p.Span[0])));
    }

    [Fact]
    public void Frame_SpanningAGap_IsDropped()
    {
        var assembler = Video();
        Assert.Null(assembler.Push(Packet(1, 3000, false, 'K')));
        Assert.Null(assembler.Push(Packet(3, 3000, true, 'y', discontinuity: true)));
        Assert.Equal(1, assembler.DroppedFrames);

        var next = assembler.Push(Packet(4, 6000, true, 'F'));
        Assert.NotNull(next);
        Assert.False(next.Keyframe);
    }

    [Fact]
    public void Frame_WithoutItsStart_IsDropped()
    {
        var assembler = Video();
        Assert.Null(assembler.Push(Packet(7, 3000, true, 'x', discontinuity: true)));
        Assert.Equal(1, assembler.DroppedFrames);
    }

    [Fact]
    public void Frame_WithoutItsMarker_IsDroppedWhenTheNextBegins()
    {
        var assembler = Video();
        Assert.Null(assembler.Push(Packet(1, 3000, false, 'K')));
        var next = assembler.Push(Packet(3, 6000, true, 'F', discontinuity: true));
        Assert.NotNull(next);
        Assert.Equal(6000u, next.Timestamp);
        Assert.Equal(1, assembler.DroppedFrames);
    }

    [Fact]
    public void Audio_EachPacketIsAFrame()
    {
        var assembler = new FrameAssembler(MediaCodec.Opus, video: false);
        var frame = assembler.Push(Packet(1, 960, false, 'a'));
        Assert.NotNull(frame);
        Assert.Single(frame.Payloads);
    }
}
