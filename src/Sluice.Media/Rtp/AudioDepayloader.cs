namespace Sluice.Media.Rtp;

/// <summary>The payload is the frame (RFC 7587 §4.2, RFC 3551 §4.5): exactly one non-empty payload per frame.</summary>
public sealed class AudioDepayloader : RtpDepayloader
{
    public AudioDepayloader(MediaCodec codec)
    {
        if (MediaCodecs.IsVideo(codec))
        {
            throw new ArgumentOutOfRangeException(nameof(codec), codec, "not an audio codec");
        }

        Codec = codec;
    }

    public override MediaCodec Codec { get; }

    public override bool TryDepacketize(IReadOnlyList<ReadOnlyMemory<byte>> payloads, out byte[]? frame)
    {
        frame = null;
        if (payloads is null || payloads.Count != 1 || payloads[0].IsEmpty)
        {
            return false;
        }

        frame = payloads[0].ToArray();
        return true;
    }
}
