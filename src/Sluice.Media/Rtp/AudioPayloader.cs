namespace Sluice.Media.Rtp;

/// <summary>
/// Audio payload formats whose payload is the frame itself: Opus (RFC 7587 §4.2), G.722, PCMU and PCMA
/// (RFC 3551 §4.5). Audio frames are never fragmented.
/// </summary>
public sealed class AudioPayloader : RtpPayloader
{
    public AudioPayloader(MediaCodec codec)
    {
        if (MediaCodecs.IsVideo(codec))
        {
            throw new ArgumentOutOfRangeException(nameof(codec), codec, "not an audio codec");
        }

        Codec = codec;
    }

    public override MediaCodec Codec { get; }

    /// <exception cref="ArgumentException">The frame is larger than <paramref name="maxPayloadSize"/>.</exception>
    public override IReadOnlyList<byte[]> Packetize(ReadOnlySpan<byte> frame, int maxPayloadSize = 1200)
    {
        CheckMaxPayloadSize(maxPayloadSize);
        if (frame.Length > maxPayloadSize)
        {
            throw new ArgumentException($"A {Codec} frame of {frame.Length} bytes exceeds the {maxPayloadSize}-byte payload limit; audio is not fragmented.", nameof(frame));
        }

        return frame.IsEmpty ? [] : [frame.ToArray()];
    }
}
