namespace Sluice.Media.Rtp;

/// <summary>Splits one frame (as the container stores it) into RTP payloads of at most maxPayloadSize bytes.</summary>
/// <remarks>
/// Instances may keep per-stream state (VP8/VP9 picture ids), so use one per track. The caller sets the RTP
/// marker bit on the last payload of a video frame and gives all payloads of a frame the same timestamp.
/// An empty frame yields no payloads.
/// </remarks>
public abstract class RtpPayloader
{
    /// <summary>The smallest maxPayloadSize every payloader accepts (room for the largest descriptor plus data).</summary>
    public const int MinPayloadSize = 16;

    public abstract MediaCodec Codec { get; }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPayloadSize"/> is below <see cref="MinPayloadSize"/>.</exception>
    public abstract IReadOnlyList<byte[]> Packetize(ReadOnlySpan<byte> frame, int maxPayloadSize = 1200);

    protected static void CheckMaxPayloadSize(int maxPayloadSize) =>
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPayloadSize, MinPayloadSize);
}
