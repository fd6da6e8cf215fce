using Sluice.Media.Rtp;

namespace Sluice.Media.Tests.Rtp;

/// <summary>Annotated payload headers: bytes written by the payloaders, read back by the depayloaders and RtpKeyframe.</summary>
public class PayloadHeaderTests
{
    /// <summary>RFC 7741 §4.2 with a 15-bit PictureID.</summary>
    [Fact]
    public void Vp8_Descriptor()
    {
        byte[] frame = [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A]; // VP8 payload header: P=0 (keyframe), then the start code 9D 01 2A
        var payloads = new Vp8Payloader(initialPictureId: 0x1234).Packetize(frame, 16);
        byte[] expectedFirst =
        [
            0b1001_0000, // X=1 R=0 N=0 S=1 R=0 PID=0
            0b1000_0000, // I=1 L=0 T=0 K=0 RSV=0
            0x80 | 0x12, // M=1, PictureID high 7 bits
            0x34,        // PictureID low 8 bits
            .. frame,
        ];
        Assert.Equal(expectedFirst, Assert.Single(payloads));
        Assert.True(RtpKeyframe.IsKeyframeStart(MediaCodec.VP8, payloads[0]));

        var next = new Vp8Payloader(initialPictureId: 0x7FFF);
        var first = next.Packetize(new byte[20], 16);
        Assert.Equal([0b1001_0000, 0b1000_0000, 0xFF, 0xFF], first[0][..4]);
        Assert.Equal([0b1000_0000, 0b1000_0000, 0xFF, 0xFF], first[1][..4]); // S=0 on the continuation
        Assert.Equal(0, next.PictureId); // wraps at 15 bits
    }

    /// <summary>RFC 7741 §4.2: the parser skips every optional field to find the VP8 payload header.</summary>
    [Theory]
    [InlineData(new byte[] { 0x10, 0x00 }, true)]                                    // minimal descriptor, P=0
    [InlineData(new byte[] { 0x10, 0x01 }, false)]                                   // P=1: interframe
    [InlineData(new byte[] { 0x90, 0x80, 0x05, 0x00 }, true)]                         // X, I with 7-bit PictureID
    [InlineData(new byte[] { 0x90, 0xF0, 0x81, 0x02, 0x07, 0x40, 0x00 }, true)]       // X, I(M), L, T/K
    [InlineData(new byte[] { 0x90, 0xF0, 0x81, 0x02, 0x07, 0x40, 0x01 }, false)]      // same, P=1
    [InlineData(new byte[] { 0x90, 0x50, 0x07, 0x40, 0x00 }, true)]                   // X, L, K (no I)
    [InlineData(new byte[] { 0x11, 0x00 }, false)]                                    // PID=1: not the first partition
    [InlineData(new byte[] { 0x00, 0x00 }, false)]                                    // S=0
    [InlineData(new byte[] { 0x90, 0xF0, 0x81, 0x02, 0x07, 0x40 }, false)]            // descriptor only, no data
    public void Vp8_KeyframeDetection(byte[] payload, bool keyframe) =>
        Assert.Equal(keyframe, RtpKeyframe.IsKeyframeStart(MediaCodec.VP8, payload));

    /// <summary>RFC 6386 §9.1: a VP8 key frame's first packet carries its size after the start code (14 bits each, 2 scale bits).</summary>
    [Fact]
    public void Vp8_KeyframeSize()
    {
        // Frame tag (P=0), start code, width 1280 with horizontal scale 1 (0x4500 | 1280), height 720.
        byte[] frame = [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x00, 0x45, 0xD0, 0x02, 0x00];
        var payload = new Vp8Payloader(initialPictureId: 7).Packetize(frame, 1200)[0];
        Assert.True(RtpKeyframe.TryGetKeyframeSize(MediaCodec.VP8, payload, out var width, out var height));
        Assert.Equal((1280, 720), (width, height));

        // A broken start code, a cut header, or another codec: no size.
        byte[] broken = [.. payload];
        broken[^6] = 0x00;
        Assert.False(RtpKeyframe.TryGetKeyframeSize(MediaCodec.VP8, broken, out _, out _));
        Assert.False(RtpKeyframe.TryGetKeyframeSize(MediaCodec.VP8, payload.AsSpan(0, payload.Length - 2), out _, out _));
        Assert.False(RtpKeyframe.TryGetKeyframeSize(MediaCodec.H264, payload, out _, out _));
    }

    /// <summary>RFC 9628 §4.2 non-flexible mode with a 15-bit picture id, and the §4.2.1 scalability structure on keyframes.</summary>
    [Fact]
    public void Vp9_Descriptor()
    {
        // VP9 keyframe header, profile 0: frame_marker=2, profile 0, show_existing=0, frame_type=0 (key), show_frame=1,
        // error_res=0, sync code 49 83 42, color_space=0 (3 bits), color_range=0, width-1=319 (16 bits), height-1=239.
        byte[] keyframe = KeyframeHeader(320, 240);
        var payloader = new Vp9Payloader(initialPictureId: 0x0102);
        var payload = Assert.Single(payloader.Packetize(keyframe));
        byte[] expected =
        [
            0b1000_1110, // I=1 P=0 L=0 F=0 B=1 E=1 V=1 Z=0
            0x81, 0x02,  // M=1, picture id 0x0102
            0b0001_0000, // SS: N_S=0 (one spatial layer), Y=1, G=0
            0x01, 0x40,  // width 320
            0x00, 0xF0,  // height 240
            .. keyframe,
        ];
        Assert.Equal(expected, payload);
        Assert.True(RtpKeyframe.IsKeyframeStart(MediaCodec.VP9, payload));
        Assert.True(RtpKeyframe.TryGetKeyframeSize(MediaCodec.VP9, payload, out var width, out var height));
        Assert.Equal((320, 240), (width, height));

        byte[] interframe = [0x86, 0x00, 0x40, 0x11]; // frame_marker=2, profile 0, show_existing=0, frame_type=1
        var inter = payloader.Packetize(interframe, 16);
        Assert.Equal([0b1100_1100, 0x81, 0x03, .. interframe], Assert.Single(inter)); // I P B E, picture id 0x0103
        Assert.False(RtpKeyframe.IsKeyframeStart(MediaCodec.VP9, inter[0]));
        Assert.True(RtpKeyframe.IsFrameStart(MediaCodec.VP9, inter[0]));

        Assert.True(new Vp9Depayloader().TryDepacketize([payload], out var rebuilt));
        Assert.Equal(keyframe, rebuilt);
    }

    [Theory]
    [InlineData(new byte[] { 0x08, 0x00 }, true)]                  // B, no picture id
    [InlineData(new byte[] { 0x48, 0x00 }, false)]                 // P=1
    [InlineData(new byte[] { 0x00, 0x00 }, false)]                 // B=0
    [InlineData(new byte[] { 0xA8, 0x81, 0x02, 0x00, 0x05 }, true)]  // I(M) L, layer byte SID=0
    [InlineData(new byte[] { 0xA8, 0x81, 0x02, 0x02, 0x05 }, false)] // SID=1
    [InlineData(new byte[] { 0xA8, 0x81 }, false)]                 // cut off before the layer byte
    public void Vp9_KeyframeDetection(byte[] payload, bool keyframe) =>
        Assert.Equal(keyframe, RtpKeyframe.IsKeyframeStart(MediaCodec.VP9, payload));

    /// <summary>RFC 6184 §5.8 FU-A: indicator (F, NRI, type 28) and FU header (S, E, R, NAL type).</summary>
    [Fact]
    public void H264_FuAHeaders()
    {
        byte[] nal = [0x65, .. Enumerable.Range(1, 30).Select(i => (byte)i)]; // F=0, NRI=3, IDR slice
        var payloads = new H264Payloader().Packetize([0, 0, 0, 1, .. nal], 16);
        Assert.Equal(3, payloads.Count); // 30 bytes after the NAL header, 14 per fragment
        Assert.Equal([0b0_11_11100, 0b1_0_0_00101, .. nal[1..15]], payloads[0]);  // F=0 NRI=3 type=28 | S=1 E=0 R=0 type=5
        Assert.Equal([0b0_11_11100, 0b0_0_0_00101, .. nal[15..29]], payloads[1]); // middle: S=0 E=0
        Assert.Equal([0b0_11_11100, 0b0_1_0_00101, .. nal[29..]], payloads[2]);   // last: E=1
        Assert.True(RtpKeyframe.IsKeyframeStart(MediaCodec.H264, payloads[0]));
        Assert.False(RtpKeyframe.IsKeyframeStart(MediaCodec.H264, payloads[1]));
        Assert.True(RtpKeyframe.IsFrameStart(MediaCodec.H264, payloads[0]));
        Assert.False(RtpKeyframe.IsFrameStart(MediaCodec.H264, payloads[2]));
    }

    /// <summary>RFC 6184 §5.7.1 STAP-A: header with the highest NRI, then 16-bit size and NAL per unit.</summary>
    [Fact]
    public void H264_StapA()
    {
        byte[] frame = [0, 0, 0, 1, 0x67, 0xAA, 0, 0, 0, 1, 0x28, 0xBB, 0xCC];
        var payload = Assert.Single(new H264Payloader().Packetize(frame));
        byte[] expected =
        [
            0b0_11_11000, // F=0, NRI=3 (max of 3 and 1), type 24
            0x00, 0x02, 0x67, 0xAA,       // SPS
            0x00, 0x03, 0x28, 0xBB, 0xCC, // a PPS with NRI=1
        ];
        Assert.Equal(expected, payload);
        Assert.True(RtpKeyframe.IsKeyframeStart(MediaCodec.H264, payload));
        Assert.False(RtpKeyframe.IsKeyframeStart(MediaCodec.H264, [0x78, 0x00, 0x02, 0x68, 0xAA, 0x00, 0x02, 0x41, 0x80]));
    }

    /// <summary>AV1 RTP §4.4 aggregation header and §4.3 OBU elements, fragmenting one OBU over packets.</summary>
    [Fact]
    public void Av1_AggregationHeaderAndFragments()
    {
        byte[] obuPayload = [.. Enumerable.Range(1, 20).Select(i => (byte)i)];
        byte[] tu = [0x12, 0x00, 0x0A, 0x01, 0xEE, 0x32, 20, .. obuPayload]; // TD, sequence header (1 byte), frame (20 bytes)
        var payloads = new Av1Payloader().Packetize(tu, 16);
        byte[] first =
        [
            0b0100_1000,        // Z=0 Y=1 W=0 N=1
            0x02, 0x08, 0xEE,   // element: length 2, sequence header OBU without size field
            0x0B, 0x30,         // element: length 11, frame OBU header (type 6, has_size_field cleared)
            .. obuPayload[..10],
        ];
        byte[] second =
        [
            0b1000_0000,        // Z=1 Y=0 W=0 N=0
            0x0A,               // element: the remaining 10 bytes of the frame OBU
            .. obuPayload[10..],
        ];
        Assert.Equal([first, second], payloads);
        Assert.True(RtpKeyframe.IsKeyframeStart(MediaCodec.AV1, first));
        Assert.False(RtpKeyframe.IsKeyframeStart(MediaCodec.AV1, second));
        Assert.False(RtpKeyframe.IsFrameStart(MediaCodec.AV1, second));

        Assert.True(new Av1Depayloader().TryDepacketize([first, second], out var rebuilt));
        Assert.Equal(tu, rebuilt);
    }

    /// <summary>AV1 RTP §4.4: with W=2 the last element has no length field.</summary>
    [Fact]
    public void Av1_ElementCountWithoutLastLength()
    {
        byte[] payload =
        [
            0b0010_0000,      // Z=0 Y=0 W=2 N=0
            0x01, 0x78,       // element 1: length 1, an empty padding OBU (type 15)
            0x30, 0xAA, 0xBB, // element 2, no length: frame OBU with a 2-byte payload
        ];
        Assert.True(new Av1Depayloader().TryDepacketize([payload], out var rebuilt));
        byte[] expected =
        [
            0x12, 0x00,             // temporal delimiter added
            0x7A, 0x00,             // padding OBU, has_size_field=1, size 0
            0x32, 0x02, 0xAA, 0xBB, // frame OBU, has_size_field=1, size 2
        ];
        Assert.Equal(expected, rebuilt);
    }

    internal static byte[] KeyframeHeader(int width, int height)
    {
        // 10 0 0 0 0 1 0 | 0x49 0x83 0x42 | 000 0 | w-1 (16) | h-1 (16) | zero padding: 68 bits in 9 bytes
        (uint Value, int Bits)[] fields = [(0b10_0_0_0_0_1_0, 8), (0x498342, 24), (0b000_0, 4), ((uint)width - 1, 16), ((uint)height - 1, 16)];
        var bytes = new byte[9];
        int position = 0;
        foreach (var (value, count) in fields)
        {
            for (int i = count - 1; i >= 0; i--, position++)
            {
                if (((value >> i) & 1) != 0)
                {
                    bytes[position / 8] |= (byte)(0x80 >> (position % 8));
                }
            }
        }

        return bytes;
    }
}
